"""WSGI entry point for servers that want a module-level app: `gunicorn wsgi:app`.

gunicorn can also call the factory itself:
    gunicorn "{{ cookiecutter.package_name }}:create_app()"
"""

from {{ cookiecutter.package_name }} import create_app

app = create_app()
