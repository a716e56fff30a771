"""The links every page's layout (templates/base.html) has: its scripts, style sheets and
navigation, built once per script root instead of on every page. A url_for call in a
template costs more than the rest of its line, and the layout has a dozen."""

from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app, has_request_context, request

# The name templates use (`layout.tasks`), and what each link points to.
LAYOUT_LINKS: dict[str, tuple[str, dict[str, str]]] = {
    "theme_js": ("static", {"filename": "theme.js"}),
    "bootstrap_css": ("bootstrap.static", {"filename": "css/bootstrap.min.css"}),
    "style_css": ("static", {"filename": "style.css"}),
    "home": ("main.index", {}),
    "tasks": ("tasks.list_tasks", {}),
    "log_in": ("auth.login", {}),
    "register": ("auth.register", {}),
    "bootstrap_js": ("bootstrap.static", {"filename": "js/bootstrap.min.js"}),
    "local_time_js": ("static", {"filename": "local-time.js"}),
    # A logged-in visitor's links.
    "users": ("admin.users", {}),
    "account": ("auth.account", {}),
    "log_out": ("auth.logout", {}),
}
# Script roots are set by the server, not by visitors: a handful at most.
MAX_SCRIPT_ROOTS = 16


def init_layout(app: Flask) -> None:
    app.extensions["layout_links"] = {}  # by script root
    app.context_processor(layout_links)


def layout_links() -> dict[str, Any]:
    """Context processor: `layout`, for templates rendered in a request (e-mails, rendered
    outside one, have no layout)."""
    if not has_request_context():
        return {}
    known = current_app.extensions["layout_links"]
    root = request.root_path
    links = known.get(root)
    if links is None:
        if len(known) >= MAX_SCRIPT_ROOTS:
            known.clear()
        links = known[root] = SimpleNamespace(
            **{
                name: current_app.url_for(endpoint, **values)
                for name, (endpoint, values) in LAYOUT_LINKS.items()
            }
        )
    return {"layout": links}
