"""Pages load Bootstrap and their own files from this app only: the Content-Security-Policy
(`default-src 'self'`) would block any CDN and any inline script or style."""

from html.parser import HTMLParser

import pytest

from .account_helpers import add_user, log_in


class AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []  # the src of each <script>, None for an inline one
        self.stylesheets = []
        self.inline_styles = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes.get("src"))
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes.get("href"))
        elif tag == "style":
            self.inline_styles += 1
        if "style" in attributes:
            self.inline_styles += 1


def assets_of(html):
    parser = AssetParser()
    parser.feed(html)
    return parser


def anonymous_pages(client):
    return [client.get(path) for path in ("/", "/auth/login", "/auth/register", "/tasks/", "/no")]


def logged_in_pages(app, client):
    add_user(app, "admin@example.org", role="Administrator")
    log_in(client, "admin@example.org")
    return [client.get(path) for path in ("/", "/auth/account", "/admin/users", "/tasks/")]


@pytest.fixture(params=["anonymous", "logged in"])
def pages(request, app, client):
    if request.param == "anonymous":
        return anonymous_pages(client)
    return logged_in_pages(app, client)


def test_pages_reference_only_local_assets(pages):
    for page in pages:
        assets = assets_of(page.get_data(as_text=True))
        urls = [url for url in assets.scripts + assets.stylesheets if url]
        assert urls, page.request.path
        for url in urls:
            assert url.startswith("/"), url
            assert not url.startswith("//"), url
            assert "http" not in url, url


def test_pages_carry_no_inline_script_or_style(pages):
    for page in pages:
        assets = assets_of(page.get_data(as_text=True))
        assert None not in assets.scripts, page.request.path
        assert assets.inline_styles == 0, page.request.path
        policy = page.headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'self'")
        assert "unsafe-inline" not in policy


def test_bootstrap_css_and_js_are_served(client):
    assets = assets_of(client.get("/").get_data(as_text=True))
    css, js = {"text/css"}, {"text/javascript", "application/javascript"}
    expected = {
        "bootstrap.min.css": css,
        "bootstrap.min.js": js,
        "style.css": css,
        "theme.js": js,
        "local-time.js": js,
    }
    for url in assets.scripts + assets.stylesheets:
        name = url.rsplit("/", 1)[-1].split("?")[0]
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype in expected.pop(name), url
        assert response.data
    assert not expected, f"not loaded: {sorted(expected)}"


def test_flash_categories_are_bootstrap_alerts(app, client):
    add_user(app, "alerts@example.org")
    wrong = log_in(client, "alerts@example.org", "wrong password")
    assert 'class="flash alert alert-danger alert-dismissible' in wrong.get_data(as_text=True)
    assert 'data-bs-dismiss="alert"' in wrong.get_data(as_text=True)
