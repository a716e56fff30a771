"""The app's URL rules (routing.py): builders compiled on first use build the URLs that
Werkzeug's own rules build."""

import pytest
from werkzeug.routing import Map, Rule

from {{ cookiecutter.package_name }}.routing import LazyBuilderRule


@pytest.fixture
def compiled_builders(monkeypatch):
    """Each URL builder Werkzeug compiles, as (rule, append_unknown). Patching the method
    LazyBuilderRule overrides fails if Werkzeug no longer has it."""
    compiled = []
    compile_builder = Rule._compile_builder

    def counting(rule, append_unknown=True):
        compiled.append((rule.rule, append_unknown))
        return compile_builder(rule, append_unknown)

    monkeypatch.setattr(Rule, "_compile_builder", counting)
    return compiled


def test_building_the_app_compiles_no_url_builder(make_app, compiled_builders):
    app = make_app(create_tables=False)
    assert all(isinstance(rule, LazyBuilderRule) for rule in app.url_map.iter_rules())
    assert compiled_builders == []
    with app.test_request_context("/"):
        assert app.url_for("tasks.list_tasks") == "/tasks/"
        assert app.url_for("tasks.list_tasks", page=2) == "/tasks/?page=2"
    # One builder compiled, on the first URL, and used again for the second.
    assert compiled_builders == [("/tasks/", True)]


def sample_values(rule):
    return {name: "css/main.css" if name == "filename" else "7" for name in rule.arguments}


@pytest.mark.parametrize("append_unknown", [True, False], ids=["extra-values", "exact"])
def test_every_rule_builds_the_urls_of_werkzeugs_own_rules(app, append_unknown):
    rules = list(app.url_map.iter_rules())
    plain = Map(
        [Rule(rule.rule, **rule.get_empty_kwargs()) for rule in rules],
        converters=app.url_map.converters,
    )
    lazy = app.url_map.bind("app.example", script_name="/root")
    eager = plain.bind("app.example", script_name="/root")
    extra = {"page": "2", "q": "a b"} if append_unknown else {}
    for rule in rules:
        values = {**sample_values(rule), **extra}
        method = sorted(rule.methods or {"GET"})[0]
        expected = eager.build(rule.endpoint, values, method=method, append_unknown=append_unknown)
        built = lazy.build(rule.endpoint, values, method=method, append_unknown=append_unknown)
        assert built == expected, rule.rule
        assert built.startswith("/root/")
