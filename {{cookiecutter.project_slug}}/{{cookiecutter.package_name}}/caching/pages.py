"""Which pages the page cache in front of Flask (front.py) keeps, and under what key.

A page's key holds the script root (every link in the page starts with it), the path
and the query parameters the page declares, normalised. Nothing else a request carries
reaches the key: an unknown parameter neither varies it nor creates an entry, and a
declared one whose value the page does not accept is rendered but not stored. So
anonymous requests cannot add entries beyond one per page and accepted value.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A declared query parameter's normaliser: its canonical value, or None for a value
# the page does not cache (for example "page" accepting "1" to "50").
Normaliser = Callable[[str], str | None]


@dataclass(frozen=True)
class PageRule:
    query_params: Mapping[str, Normaliser] = field(default_factory=dict)
    timeout: int | None = None  # seconds fresh; None: CACHE_DEFAULT_TIMEOUT


def cached_page(
    query_params: Mapping[str, Normaliser] | None = None, timeout: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the page cache keep this view's anonymous 200 responses. Put it under
    @public_page, which marks them public (only public responses are kept). The route
    must have no variables: the cache finds pages by their path before any routing."""
    rule = PageRule(dict(query_params or {}), timeout)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view.page_rule = rule  # type: ignore[attr-defined]  # read by front.py
        return view

    return decorator
