"""The base of every form: CSRF from Flask-WTF, and text every database can store."""

from collections.abc import Mapping, Sequence
from typing import Any

from flask import render_template
from flask_wtf import FlaskForm

from .request_input import text_problem


class Form(FlaskForm):
    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Refuse unstorable text first: its field gets that one error, and no other
        validator (nor a query) sees the value."""
        refused = False
        for field in self:
            problem = text_problem(field.data) if isinstance(field.data, str) else None
            if problem:
                field.errors = [f"{field.label.text} {problem}."]
                # The page shows the form again: never with text it cannot encode.
                field.data = field.data.encode("utf-8", "replace").decode().replace("\x00", "")
                refused = True
        if refused:
            return False
        return super().validate(extra_validators)


def form_page(template: str, form: Form, **context: Any) -> tuple[str, int]:
    """A form's page; 400 when a submitted form was refused, so that scripts and tests
    see the refusal as well as people do."""
    return render_template(template, form=form, **context), 400 if form.errors else 200
