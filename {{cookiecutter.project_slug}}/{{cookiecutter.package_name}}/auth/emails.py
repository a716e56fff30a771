"""The account e-mails: what each says and which link it carries.

Each function here is a background job (mail.in_background): it gets plain values,
looks the account up itself, and decides whether anything is sent, so the request
that started it costs the same whatever the answer.
"""

from ..extensions import db
from ..mail import external_url, send_email
from ..models import User
from .tokens import Purpose, make_token


def send_confirmation(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.confirmed:
        return
    token = make_token(Purpose.CONFIRM, {"user": user.id, "email": user.email})
    send_email(
        user.email,
        "Confirm your e-mail address",
        "confirm",
        user=user,
        link=external_url("auth.confirm", token=token),
    )


def resend_confirmation_if_waiting(email: str) -> None:
    user = User.by_email(email)
    if user is not None:
        send_confirmation(user.id)


def send_already_registered(email: str) -> None:
    """Someone registered (or tried to move an account to) an address that has an
    account: the owner hears about it, the visitor learns nothing."""
    send_email(
        email,
        "Your account",
        "already_registered",
        login_link=external_url("auth.login"),
        reset_link=external_url("auth.request_reset"),
    )


def send_password_reset_if_registered(email: str) -> None:
    user = User.by_email(email)
    if user is None:
        return
    token = make_token(
        Purpose.RESET_PASSWORD, {"user": user.id, "password": user.password_fingerprint}
    )
    send_email(
        user.email,
        "Reset your password",
        "reset_password",
        user=user,
        link=external_url("auth.reset_password", token=token),
    )


def send_email_change(user_id: int, new_email: str) -> None:
    """The confirmation link to the new address, or, when the address has an account
    already, a note to its owner."""
    user = db.session.get(User, user_id)
    if user is None or new_email == user.email:
        return
    if User.by_email(new_email) is not None:
        send_already_registered(new_email)
        return
    token = make_token(Purpose.CHANGE_EMAIL, {"user": user.id, "old": user.email, "new": new_email})
    send_email(
        new_email,
        "Confirm your new e-mail address",
        "change_email",
        user=user,
        new_email=new_email,
        link=external_url("auth.confirm_email_change", token=token),
    )
