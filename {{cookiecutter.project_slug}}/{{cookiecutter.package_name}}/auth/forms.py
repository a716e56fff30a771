"""The account forms. Flask-WTF adds and checks a CSRF token on every one."""

from typing import Any

from email_validator import EmailNotValidError
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..forms import Form
from ..models.api_token import TOKEN_NAME_LENGTH
from ..models.user import EMAIL_LENGTH, normalise_email
from .passwords import password_problem


def mailable_address(form: Form, field: EmailField) -> None:
    """An address the app can store and send mail to (models.user.normalise_email)."""
    try:
        normalise_email(field.data or "")
    except EmailNotValidError as error:
        local_part = (field.data or "").rpartition("@")[0]
        if local_part and not local_part.isascii():
            raise ValidationError(
                "We cannot send e-mail to an address with accented or non-Latin characters "
                "before the @: many mail servers refuse it. Please use another address."
            ) from error
        raise ValidationError(str(error)) from error


def email_field(label: str = "E-mail") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(), Length(max=EMAIL_LENGTH), mailable_address],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email"},
    )


def acceptable_password(form: Form, field: PasswordField) -> None:
    email_field_data = getattr(form, "email", None)
    problem = password_problem(field.data or "", email_field_data.data if email_field_data else "")
    if problem:
        raise ValidationError(problem)


class NewPasswordMixin:
    """The new password and its confirmation, after the form's own fields."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Created here, not in the class body: a form lists its fields in the order they
        # were created, so the form's own (an e-mail, the current password) come first.
        cls.password = PasswordField(
            "Password",
            validators=[DataRequired(), acceptable_password],
            render_kw={"autocomplete": "new-password"},
        )
        cls.password_confirm = PasswordField(
            "Repeat the password",
            validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
            render_kw={"autocomplete": "new-password"},
        )


class RegistrationForm(NewPasswordMixin, Form):
    email = email_field()


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me logged in on this device")


class EmailOnlyForm(Form):
    """Resend the confirmation, or ask for a password reset."""

    email = email_field()


class ResetPasswordForm(NewPasswordMixin, Form):
    """Choose a new password through an e-mailed link."""


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


class ChangeEmailForm(Form):
    email = email_field("New e-mail")
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


# The lifetimes offered for a new API token, in days ("" is never).
TOKEN_LIFETIMES = [
    ("", "Never"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "365 days"),
]
try:  # WTForms 3.3 deprecates choices given as tuples
    from wtforms.fields.choices import SelectChoice

    TOKEN_LIFETIMES = [SelectChoice(value, label) for value, label in TOKEN_LIFETIMES]
except ImportError:  # pragma: no cover (WTForms before 3.3)
    pass


class NewTokenForm(Form):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=TOKEN_NAME_LENGTH)],
        filters=[lambda value: value.strip() if value else value],
        description="Where the token is used, for example “backup script” or “laptop”.",
        render_kw={"autocomplete": "off"},
    )
    expires = SelectField("Expires after", choices=TOKEN_LIFETIMES, default="90")

    @property
    def expires_in_days(self) -> int | None:
        return int(self.expires.data) if self.expires.data else None


class RevokeTokenForm(Form):
    """Nothing but the CSRF token."""
