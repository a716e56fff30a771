"""What the tasks resource (tasks.py) accepts and answers, as marshmallow schemas."""

from typing import Any

import marshmallow as ma
from marshmallow import validate

from ..models.task import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from .pagination import PageArgs, page_of
from .schemas import (
    NO_NUL,
    NOT_BLANK_NO_NUL,
    StrictBoolean,
    StrictSchema,
    StrippedString,
    not_blank,
    storable,
)


def title_field(**kwargs: Any) -> ma.fields.Field:
    return StrippedString(
        max_length=TITLE_MAX_LENGTH,
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


TaskPageSchema = page_of(TaskSchema)


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


class TaskListArgs(PageArgs):
    done = ma.fields.Boolean(metadata={"description": "Only done (true) or open (false) tasks."})


class StatisticsSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    open = ma.fields.Integer(required=True)
    percent_done = ma.fields.Integer(required=True)
    oldest_open = ma.fields.String(required=True, allow_none=True)
