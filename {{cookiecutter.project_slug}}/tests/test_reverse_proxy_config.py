"""nginx/templates/default.conf.template, the proxy compose.production.yaml puts in front of
gunicorn: it must know the app's session cookies, or it would answer a logged-in visitor
from its cache (the template suite runs it against gunicorn)."""

import re
from pathlib import Path

from {{ cookiecutter.package_name }}.http_caching import session_cookie_names

PROJECT_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = PROJECT_DIR / "nginx" / "templates" / "default.conf.template"
# The names in `map $http_cookie $visitor_has_session { ... "~(^|;)\s*(a|b)\s*=" 1; }`.
SESSION_COOKIES = re.compile(
    r"map \$http_cookie \$visitor_has_session \{[^}]*\(\^\|;\)\\s\*\(([\w|-]+)\)\\s\*=\" 1;"
)


def test_the_proxy_knows_the_session_cookies(app):
    found = SESSION_COOKIES.search(TEMPLATE_PATH.read_text())
    assert found, "no session-cookie map in the nginx template"
    assert set(found.group(1).split("|")) == session_cookie_names(app.config)
