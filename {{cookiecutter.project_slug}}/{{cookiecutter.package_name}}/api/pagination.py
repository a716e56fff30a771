"""Lists a page at a time, the same way in every resource: `page` and `per_page` in the
query, and a body with the items and links to the neighbouring pages.

    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(NoteSchema))
    def list_notes(page, per_page):
        return paged(select(Note).order_by(Note.id), page, per_page)
"""

from collections.abc import Sequence
from typing import Any

import marshmallow as ma
from flask import request, url_for
from marshmallow import validate
from sqlalchemy import Select

from ..extensions import db
from .schemas import StrictSchema

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1_000_000  # beyond it, no page: and no huge OFFSET reaches the database


class PageArgs(StrictSchema):
    """The query of a list; a resource's own filters go in a subclass."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )


class PageLinksSchema(ma.Schema):
    self = ma.fields.String(required=True)
    next = ma.fields.String(required=True, allow_none=True)
    previous = ma.fields.String(required=True, allow_none=True)


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The schema of a page of `item_schema` items (TaskSchema: TaskPageSchema)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
            "links": ma.fields.Nested(PageLinksSchema, required=True),
        },
        name=name,
    )


def paged(query: Select, page: int, per_page: int, **filters: Any) -> dict[str, Any]:
    """Page `page` of what `query` selects (in its order), as page_of describes it.
    One query and no count: a row beyond the page tells that there is a next one."""
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return page_body(rows[:per_page], page, per_page, len(rows) > per_page, **filters)


def page_body(
    items: Sequence[Any], page: int, per_page: int, has_next: bool, **filters: Any
) -> dict[str, Any]:
    """The body of a page, its links keeping `filters` (the list's other query values)."""
    args = {"per_page": per_page, **filters}
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "links": {
            "self": page_link(args, page),
            "next": page_link(args, page + 1) if has_next else None,
            "previous": page_link(args, page - 1) if page > 1 else None,
        },
    }


def page_link(args: dict[str, Any], page: int) -> str:
    return url_for(request.endpoint or "", **(request.view_args or {}), **args, page=page)
