"""The page cache: whole anonymous pages, each under the key of what changes it.

A page's key holds the script root (every link in the page starts with it), the path
and the query parameters the page declares, normalised. Nothing else a request carries
reaches the key: an unknown parameter neither varies it nor creates an entry, and a
declared one whose value the page does not accept is rendered but not stored. So
anonymous requests cannot add entries beyond one per page and accepted value.
"""

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request

from ..extensions import cache
from ..http_caching import has_session

# A declared query parameter's normaliser: its canonical value, or None for a value
# the page does not cache (for example "page" accepting "1" to "50").
Normaliser = Callable[[str], str | None]


def cached_page(
    query_params: Mapping[str, Normaliser] | None = None, timeout: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cache a view's 200 responses for visitors without a session. Put it under
    @public_page."""
    declared = dict(query_params or {})

    def declared_pairs() -> list[tuple[str, str]] | None:
        pairs = []
        for name in sorted(declared):
            raw = request.args.get(name)
            if raw is None:
                continue
            value = declared[name](raw)
            if value is None:
                return None
            pairs.append((name, value))
        return pairs

    def page_key() -> str:
        query = urlencode(declared_pairs() or [])
        return f"page:{request.script_root}{request.path}?{query}"

    def not_cacheable() -> bool:
        return has_session() or declared_pairs() is None

    return cache.cached(
        timeout=timeout, key_prefix=page_key, unless=not_cacheable, response_filter=is_successful
    )


def is_successful(rv: Any) -> bool:
    return current_app.make_response(rv).status_code == 200
