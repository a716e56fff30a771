"""WSGI entry point: `gunicorn wsgi:app` (or `gunicorn "{{ cookiecutter.package_name }}:create_app()"`)."""

from {{ cookiecutter.package_name }} import create_app

app = create_app()
