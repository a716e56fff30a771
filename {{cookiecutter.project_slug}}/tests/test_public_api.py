"""The package uses Flask, Werkzeug, Jinja and every extension through their documented
API: no private attribute of a library's object, no override of a library's private
method. Such code breaks on a library's minor release, and pins versions to protect it."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from flask import Flask, render_template_string, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.templating import Environment
from werkzeug.routing import Map, Rule

import {{ cookiecutter.package_name }} as package

PACKAGE_DIR = Path(package.__file__).parent
# Private names a library documents as the way to use or extend it, where they are used.
DOCUMENTED = {
    # Flask: the app itself, not its proxy, for a thread that has no app context.
    ("mail.py", "_get_current_object"),
    # marshmallow: a custom field implements _deserialize.
    ("api/schemas.py", "_deserialize"),
}
# Private hooks kept where a library has no public way to do what the app needs, each
# checked by its own tests. The list only shrinks: the test fails for an entry that is
# no longer used.
{%- if cookiecutter.cache_backend == "memcached" %}
KNOWN_PRIVATE_HOOKS = {
    # bmemcached reports no failed connection (tests/test_memcached_settings.py).
    ("caching/memcached.py", "_connection_error"),
}
{%- else %}
KNOWN_PRIVATE_HOOKS: set[tuple[str, str]] = set()
{%- endif %}


def modules():
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        yield path.relative_to(PACKAGE_DIR).as_posix(), ast.parse(path.read_text())


def is_private(name):
    return name.startswith("_") and not name.endswith("__")


def own_private_names():
    """Private names the package's own classes and modules define (`self._lock = ...`,
    `def _helper`, `_NOT_READ = ...`)."""
    names = set()
    for _, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return {name for name in names if is_private(name)}


def private_uses():
    """(module, name) for every private attribute read from an object that is not the
    package's own: `request._get_current_object()`, `super()._build()`, `api._app`,
    `getattr(limiter, "_check")`, and `self._x` where the package never defines `_x`
    (a library base class's private attribute)."""
    own = own_private_names()
    uses = set()
    for module, tree in modules():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute) and is_private(node.attr):
                value = node.value
                is_own_object = isinstance(value, ast.Name) and value.id in ("self", "cls")
                if not is_own_object or node.attr not in own:
                    name = node.attr
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and is_private(node.args[1].value)
            ):
                name = node.args[1].value
            if name is not None:
                uses.add((module, name))
    return uses


def private_overrides():
    """(module, name) for every method of the package's classes that overrides a private
    method of a library class."""
    overrides = set()
    for module, _ in modules():
        dotted = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        name = package.__name__ if dotted == "__init__" else f"{package.__name__}.{dotted}"
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if cls.__module__ == name:
                overrides.update((module, method) for method in overridden_private_methods(cls))
    return overrides


def overridden_private_methods(cls):
    library_bases = [
        base for base in cls.__mro__[1:] if not base.__module__.startswith(package.__name__)
    ]
    for name, value in vars(cls).items():
        # Methods written in the class, not what a metaclass or Enum adds.
        written = inspect.isfunction(value) and value.__qualname__.startswith(cls.__qualname__)
        if written and is_private(name) and any(name in vars(base) for base in library_bases):
            yield name


def test_no_private_api_of_a_library_is_used():
    found = private_uses() | private_overrides()
    assert found - DOCUMENTED - KNOWN_PRIVATE_HOOKS == set()
    assert KNOWN_PRIVATE_HOOKS - found == set(), "no longer used: take them off the list"


def test_the_app_is_plain_flask(app):
    assert type(app) is Flask
    assert type(app.jinja_env) is Environment
    assert app.url_rule_class is Rule
    assert app.url_map_class is Map
    assert type(app.session_interface) is SecureCookieSessionInterface


# The same page number in a template, as Jinja reads it, and in Python.
PAGES = {"1": 1, "True": True, "1.0": 1.0}


@pytest.mark.parametrize("source", PAGES)
def test_templates_link_with_flasks_url_for(app, source):
    # Equal values of other types make other URLs, whichever a page built first.
    with app.test_request_context("/"):
        for earlier in PAGES:
            render_template_string(f"{% raw %}{{{{ url_for('tasks.list_tasks', page={earlier}) }}}}{% endraw %}")
        link = render_template_string(f"{% raw %}{{{{ url_for('tasks.list_tasks', page={source}) }}}}{% endraw %}")
        assert link == url_for("tasks.list_tasks", page=PAGES[source]) == f"/tasks/?page={source}"
