"""Register, confirm, log in and out, reset and change the password, change the e-mail.

Answers never tell a visitor whether an address has an account: registering a taken
address, asking for a reset or a new confirmation all get the same reply, and the
owner of the address gets an e-mail instead.
"""

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from ..forms import form_page
from ..mail import delivery_note, in_background
from ..models import Role, User
from ..models.types import utc_now
from ..models.user import DEFAULT_ROLE, normalise_email
from ..security import is_safe_redirect_target
from . import bp
from .api_tokens import issue_token, live_tokens, revoke_token_by_id
from .emails import (
    resend_confirmation_if_waiting,
    send_already_registered,
    send_confirmation,
    send_email_change,
    send_password_reset_if_registered,
)
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    NewTokenForm,
    RegistrationForm,
    ResetPasswordForm,
    RevokeTokenForm,
)
from .passwords import hash_password, needs_rehash
from .sessions import end_logins, forget_login, log_in, log_out
from .throttling import checked_password
from .tokens import Purpose, TokenError, read_token


def auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


# Only submissions count: showing a form again costs nothing.
rate_limited = limiter.limit(auth_rate_limit, methods=["POST"])


@bp.route("/register", methods=["GET", "POST"])
@rate_limited
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        user = User(
            email=email,
            password_hash=hash_password(form.password.data),
            role=Role.named(DEFAULT_ROLE),
        )
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            in_background(send_already_registered, email)
        else:
            in_background(send_confirmation, user.id)
        flash(f"We have sent a confirmation link to {email}. {delivery_note()}", "info")
        return redirect(url_for("auth.login"))
    return form_page("auth/register.html", form)


@bp.route("/login", methods=["GET", "POST"])
@rate_limited
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        password_hash = user.password_hash if user else None
        if checked_password(form.email.data, password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                # Parameters were raised since this hash was made: upgrade it now,
                # the only moment the password is known.
                user.password_hash = hash_password(form.password.data)
            user.last_seen = utc_now()
            log_in(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect_target(target) else url_for("main.index"))
        flash("Wrong e-mail or password.", "error")
    return form_page("auth/login.html", form)


@bp.post("/logout")
def logout():
    # A POST without a valid CSRF token never gets here: CSRFProtect answers it with 400.
    log_out(current_user)
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every login of the account: other browsers, remembered devices, copies of
    cookies. API tokens are revoked on their own page."""
    end_logins(current_user)
    db.session.commit()
    forget_login()
    flash("You are logged out on every device.", "info")
    return redirect(url_for("main.index"))


@bp.get("/confirm/<token>")
def confirm(token: str):
    user, _ = linked_user(Purpose.CONFIRM, token)
    if not user.confirmed:
        user.mark_confirmed()
        db.session.commit()
    if current_user.is_authenticated:
        flash("Your e-mail address is confirmed. Welcome!", "success")
        return redirect(url_for("main.index"))
    flash("Your e-mail address is confirmed. Log in to continue.", "success")
    return redirect(url_for("auth.login"))


@bp.get("/unconfirmed")
@login_required
def unconfirmed():
    if current_user.confirmed:
        return redirect(url_for("main.index"))
    form = EmailOnlyForm(email=current_user.email)
    return form_page("auth/unconfirmed.html", form)


@bp.route("/resend", methods=["GET", "POST"])
@rate_limited
def resend_confirmation():
    after = "auth.unconfirmed" if current_user.is_authenticated else "auth.login"
    return email_link_page(
        resend_confirmation_if_waiting,
        "If {email} has an account waiting for confirmation, we have sent it a new link.",
        title="Resend the confirmation",
        after=after,
    )


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited
def request_reset():
    return email_link_page(
        send_password_reset_if_registered,
        "If {email} has an account, we have sent it a link to choose a new password.",
        title="Reset your password",
        after="auth.login",
    )


def email_link_page(job: Callable[[str], None], sent: str, *, title: str, after: str) -> Any:
    """A form asking for an address that a link is sent to, if it has an account.

    The job looks the address up: this request costs the same, and says the same, for
    every address.
    """
    form = EmailOnlyForm()
    if form.validate_on_submit():
        in_background(job, form.email.data)
        flash(f"{sent.format(email=form.email.data)} {delivery_note()}", "info")
        return redirect(url_for(after))
    return form_page("auth/email_only.html", form, title=title)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@rate_limited
def reset_password(token: str):
    user, _ = linked_user(Purpose.RESET_PASSWORD, token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.password_hash = hash_password(form.password.data)
        # The link arrived at this address, which proves it as well as a confirmation.
        user.mark_confirmed()
        end_logins(user)  # whoever had the old password is out
        db.session.commit()
        forget_login()
        flash("Your password is changed. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return form_page("auth/reset_password.html", form)


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.route("/change-password", methods=["GET", "POST"])
@rate_limited
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        password = form.current_password.data
        if checked_password(current_user.email, current_user.password_hash, password):
            current_user.password_hash = hash_password(form.password.data)
            end_logins(current_user, keep_current=True)
            db.session.commit()
            flash("Your password is changed; other devices are logged out.", "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append("This is not your current password.")
    return form_page("auth/change_password.html", form)


@bp.route("/change-email", methods=["GET", "POST"])
@rate_limited
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        password = form.current_password.data
        if checked_password(current_user.email, current_user.password_hash, password):
            new_email = normalise_email(form.email.data)
            in_background(send_email_change, current_user.id, new_email)
            flash(
                f"We have sent a confirmation link to {new_email}; your address changes when "
                f"you open it. {delivery_note()}",
                "info",
            )
            return redirect(url_for("auth.account"))
        form.current_password.errors.append("This is not your current password.")
    return form_page("auth/change_email.html", form)


@bp.get("/change-email/<token>")
@login_required
def confirm_email_change(token: str):
    _, payload = linked_user(Purpose.CHANGE_EMAIL, token)
    current_user.email = payload["new"]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("That address is no longer available.", "error")
        return redirect(url_for("auth.account"))
    flash(f"Your e-mail address is now {current_user.email}.", "success")
    return redirect(url_for("auth.account"))


@bp.get("/tokens")
@login_required
def tokens():
    return tokens_page(NewTokenForm())


@bp.post("/tokens")
@login_required
def create_token():
    form = NewTokenForm()
    if form.validate_on_submit():
        try:
            token, secret = issue_token(current_user, form.name.data, form.expires_in_days)
            db.session.commit()
        except ValueError as error:
            form.name.errors.append(str(error))
        except IntegrityError:  # the same name, submitted twice at once
            db.session.rollback()
            form.name.errors.append("You already have a token of that name. Choose another name.")
        else:
            # Shown in this response only: never in a redirect's flash (the session
            # cookie is readable) nor anywhere it could be fetched again.
            return render_template("auth/token_created.html", token=token, secret=secret), 201
    return tokens_page(form)


def tokens_page(form: NewTokenForm) -> tuple[str, int]:
    return form_page(
        "auth/tokens.html", form, tokens=live_tokens(current_user), revoke_form=RevokeTokenForm()
    )


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    # CSRFProtect has checked the form's token before this runs.
    name = revoke_token_by_id(current_user, token_id)
    if name is None:
        abort(404)  # unknown, or someone else's
    flash(f"The token “{name}” is revoked: it no longer works.", "success")
    return redirect(url_for("auth.tokens"))


# Per purpose: what must still hold for a link to work (what it was made for has not
# changed since, which makes it single-use), and where to ask for a new one.
LINK_RULES: dict[Purpose, tuple[Callable[[User, dict[str, Any]], bool], str]] = {
    Purpose.CONFIRM: (
        lambda user, payload: user.email == payload.get("email"),
        "auth.resend_confirmation",
    ),
    Purpose.RESET_PASSWORD: (
        lambda user, payload: user.password_fingerprint == payload.get("password"),
        "auth.request_reset",
    ),
    Purpose.CHANGE_EMAIL: (
        lambda user, payload: user.id == current_user.id and user.email == payload.get("old"),
        "auth.change_email",
    ),
}


def linked_user(purpose: Purpose, token: str) -> tuple[User, dict[str, Any]]:
    """The account an e-mailed link is for, and the link's payload, when the link is
    intact, unexpired and still valid; otherwise the visitor is sent to ask for a new one."""
    still_valid, retry_endpoint = LINK_RULES[purpose]
    try:
        payload = read_token(purpose, token)
        user = db.session.get(User, payload.get("user"))
        if user is None or not still_valid(user, payload):
            raise TokenError(expired=False)
    except TokenError as error:
        what = "has expired" if error.expired else "is invalid or was already used"
        flash(f"This link {what}. You can ask for a new one below.", "error")
        abort(redirect(url_for(retry_endpoint)))
    return user, payload
