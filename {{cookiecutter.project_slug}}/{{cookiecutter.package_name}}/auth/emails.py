"""The account e-mails: what each says and which link it carries."""

import threading

from ..mail import external_url, send_email
from ..models import User
from .tokens import Purpose, make_token


def send_confirmation(user: User) -> threading.Thread | None:
    token = make_token(Purpose.CONFIRM, {"user": user.id, "email": user.email})
    return send_email(
        user.email,
        "Confirm your e-mail address",
        "confirm",
        user=user,
        link=external_url("auth.confirm", token=token),
    )


def send_already_registered(email: str) -> threading.Thread | None:
    """Someone registered (or tried to move an account to) an address that has an
    account: the owner hears about it, the visitor learns nothing."""
    return send_email(
        email,
        "Your account",
        "already_registered",
        login_link=external_url("auth.login"),
        reset_link=external_url("auth.request_reset"),
    )


def send_password_reset(user: User) -> threading.Thread | None:
    token = make_token(
        Purpose.RESET_PASSWORD, {"user": user.id, "password": user.password_fingerprint}
    )
    return send_email(
        user.email,
        "Reset your password",
        "reset_password",
        user=user,
        link=external_url("auth.reset_password", token=token),
    )


def send_email_change(user: User, new_email: str) -> threading.Thread | None:
    token = make_token(Purpose.CHANGE_EMAIL, {"user": user.id, "old": user.email, "new": new_email})
    return send_email(
        new_email,
        "Confirm your new e-mail address",
        "change_email",
        user=user,
        new_email=new_email,
        link=external_url("auth.confirm_email_change", token=token),
    )
