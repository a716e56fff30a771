"""The account e-mails: what each says and which link it carries.

Each function here is a background job (mail.in_background): it gets plain values,
looks the account up itself, and decides whether anything is sent, so the request
that started it costs the same whatever the answer. Each may run twice (a retry) and
still sends what is right at that moment: a confirmed account gets no second link.
"""

from ..extensions import db
from ..mail import external_url, send_email
from ..models import User
from .tokens import Purpose, make_token


def send_confirmation(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.confirmed:
        return
    payload = {"user": user.id, "email": user.email}
    send_link(user, Purpose.CONFIRM, payload, "Confirm your e-mail address", "confirm")


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
    payload = {"user": user.id, "password": user.password_fingerprint}
    send_link(user, Purpose.RESET_PASSWORD, payload, "Reset your password", "reset_password")


def send_email_change(user_id: int, new_email: str) -> None:
    """The confirmation link to the new address, or, when the address has an account
    already, a note to its owner."""
    user = db.session.get(User, user_id)
    if user is None or new_email == user.email:
        return
    if User.by_email(new_email) is not None:
        send_already_registered(new_email)
        return
    payload = {"user": user.id, "old": user.email, "new": new_email}
    send_link(
        user,
        Purpose.CHANGE_EMAIL,
        payload,
        "Confirm your new e-mail address",
        "change_email",
        to=new_email,
        new_email=new_email,
    )


def send_link(
    user: User,
    purpose: Purpose,
    payload: dict,
    subject: str,
    template: str,
    to: str | None = None,
    **context: object,
) -> None:
    """Mail `user` (or the address `to`) a link to the page of `purpose`, carrying a
    token signed for that purpose with `payload`."""
    link = external_url(purpose.endpoint, token=make_token(purpose, payload))
    send_email(to or user.email, subject, template, user=user, link=link, **context)


# The jobs a queued message may name{%- if cookiecutter.background_jobs == "celery" %} (jobs.send_mail){%- endif %}: nothing else runs by name.
MAIL_JOBS = {
    job.__name__: job
    for job in (
        send_confirmation,
        resend_confirmation_if_waiting,
        send_already_registered,
        send_password_reset_if_registered,
        send_email_change,
    )
}
