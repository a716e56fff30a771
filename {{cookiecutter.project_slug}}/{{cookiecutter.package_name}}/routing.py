"""The app's URL rules: converters shared by every blueprint, and rules that compile their
URL builders on first use."""

from collections.abc import Callable
from typing import Any

from werkzeug.routing import BaseConverter, Rule

# The largest value of an INTEGER column on PostgreSQL and MySQL (SQLite's is larger).
# A bigger id in a URL can name no row; handed to the database it would be an error.
MAX_ID = 2**31 - 1
# What an id beyond MAX_ID becomes: ids start at 1 on every database, so no row has it.
NO_SUCH_ID = 0


class IdConverter(BaseConverter):
    """`<id:name>`: a row id the database can look up, so any number gives the view's
    own 404 (never a 500 from the database).

    Out-of-range numbers become NO_SUCH_ID rather than failing to match: a converter
    that refuses a value makes Werkzeug answer 405 for the route's other methods.
    Longer digit strings match no route at all (404), and never reach int().
    """

    regex = r"[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else NO_SUCH_ID

    def to_url(self, value: int) -> str:
        return str(int(value))


CONVERTERS = {"id": IdConverter}


class LazyBuilderRule(Rule):
    """A URL rule that compiles its URL builders when it first builds a URL.

    Werkzeug compiles two Python functions per rule (an AST, then compile()) as the rule
    is added: about 70% of building the app, for builders few processes call (the tests
    build an app each; a `flask` command builds one and few URLs, if any).

    Overrides Rule._compile_builder, a private method: Werkzeug is pinned to its minor
    version in pyproject.toml, and test_routing.py fails if the override stops being
    called or builds other URLs than Werkzeug's own rules.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_builder = super()._compile_builder
        name = "_build_unknown" if append_unknown else "_build"

        def build_on_first_use(rule: Rule, **values: Any) -> tuple[str, str]:
            # Werkzeug binds this to the rule as rule._build or rule._build_unknown; the
            # compiled builder takes its place. Two threads may both compile: same result.
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, name, builder)
            return builder(**values)  # type: ignore[no-any-return]

        return build_on_first_use
