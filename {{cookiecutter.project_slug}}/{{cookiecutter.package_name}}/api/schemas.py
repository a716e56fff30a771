"""What every resource's schemas build on: marshmallow schemas and fields that refuse
what the document does not promise, so that flask-smorest validates requests (and
writes the OpenAPI document) the same way for every resource."""

from typing import Any

import marshmallow as ma

from ..request_input import text_problem

# What the document promises, so that clients (and schemathesis) know before sending:
# no NUL character (PostgreSQL cannot store one), and text that is not only spaces.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"


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


class StrippedString(ma.fields.String):
    """Text whose length is checked as sent (the document's maxLength), then the
    surrounding spaces are dropped."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max_length:
            raise ma.ValidationError(f"Longer than {self.max_length} characters.")
        return text.strip()


class StrictBoolean(ma.fields.Boolean):
    """true or false, as the document says: not 0, 1, "yes" or "1", which marshmallow's
    Boolean would take."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
