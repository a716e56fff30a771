"""Facts about the template that the tests share: its paths, its hooks, its options."""

import importlib.util
import json
from functools import cache
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE_DIR = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
PACKAGE_DIR_NAME = "{{cookiecutter.package_name}}"


@cache
def load_hook(name):
    """Import a hook file as a module, unrendered: its Jinja sits in string literals."""
    path = TEMPLATE_DIR / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"forge_hooks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def cookiecutter_config():
    return json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())


def defaults():
    """The answers --no-input gives, before the derived ones are rendered."""
    return {
        key: value[0] if isinstance(value, list) else value
        for key, value in cookiecutter_config().items()
        if not key.startswith("_")
    }


def template_files(package_name):
    """Every file of the project template, as a path relative to the baked project."""
    files = set()
    for path in PROJECT_TEMPLATE_DIR.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(PROJECT_TEMPLATE_DIR).as_posix()
            files.add(relative.replace(PACKAGE_DIR_NAME, package_name))
    return files
