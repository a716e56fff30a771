"""What the API accepts and answers, as marshmallow schemas: flask-smorest validates
requests with them and writes the OpenAPI document from them."""

from typing import Any

import marshmallow as ma
from marshmallow import validate

from ..models.task import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from ..request_input import text_problem

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1_000_000  # beyond it, no page: and no huge OFFSET reaches the database


class StrictSchema(ma.Schema):
    """Unknown fields are an error, not silently dropped: a typo must not look applied."""

    class Meta:
        unknown = ma.RAISE


def storable(value: str) -> None:
    if problem := text_problem(value):
        raise ma.ValidationError(problem[0].upper() + problem[1:] + ".")


def not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


# What the document promises, so that clients (and schemathesis) know before sending:
# no NUL character (PostgreSQL cannot store one), and a title that is not only spaces.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"


class StrippedString(ma.fields.String):
    """A title: its length is checked as sent (the document's maxLength), then the
    surrounding spaces are dropped."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > TITLE_MAX_LENGTH:
            raise ma.ValidationError(f"Longer than {TITLE_MAX_LENGTH} characters.")
        return text.strip()


class StrictBoolean(ma.fields.Boolean):
    """true or false, as the document says: not 0, 1, "yes" or "1", which marshmallow's
    Boolean would take."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def title_field(**kwargs: Any) -> ma.fields.Field:
    return StrippedString(
        validate=[validate.Length(min=1, max=TITLE_MAX_LENGTH), storable, not_blank],
        metadata={
            "description": f"1 to {TITLE_MAX_LENGTH} characters, not only spaces.",
            "example": "Buy milk",
            "pattern": NOT_BLANK_NO_NUL,
        },
        **kwargs,
    )


def description_field(**kwargs: Any) -> ma.fields.Field:
    return ma.fields.String(
        validate=[validate.Length(max=DESCRIPTION_MAX_LENGTH), storable],
        metadata={"pattern": NO_NUL},
        **kwargs,
    )


class TaskSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    done = ma.fields.Boolean(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    owner_id = ma.fields.Integer(required=True, allow_none=True)


class TaskWriteSchema(StrictSchema):
    """POST and PUT: the whole task; what is left out takes its default."""

    title = title_field(required=True)
    description = description_field(load_default="")
    done = StrictBoolean(load_default=False)


class TaskUpdateSchema(StrictSchema):
    """PATCH: only the fields that change."""

    title = title_field()
    description = description_field()
    done = StrictBoolean()


class TaskListArgs(StrictSchema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )
    done = ma.fields.Boolean(metadata={"description": "Only done (true) or open (false) tasks."})


class PageLinksSchema(ma.Schema):
    self = ma.fields.String(required=True)
    next = ma.fields.String(required=True, allow_none=True)
    previous = ma.fields.String(required=True, allow_none=True)


class TaskPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TaskSchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    links = ma.fields.Nested(PageLinksSchema, required=True)


class StatisticsSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    open = ma.fields.Integer(required=True)
    percent_done = ma.fields.Integer(required=True)
    oldest_open = ma.fields.String(required=True, allow_none=True)
