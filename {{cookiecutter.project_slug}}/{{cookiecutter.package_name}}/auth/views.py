"""Register, confirm, log in and out, reset and change the password, change the e-mail.

Answers never tell a visitor whether an address has an account: registering a taken
address, asking for a reset or a new confirmation all get the same reply, and the
owner of the address gets an e-mail instead.
"""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from ..forms import form_page
from ..mail import delivery_note, in_background
from ..models import Role, User
from ..models.types import utc_now
from ..models.user import DEFAULT_ROLE, normalise_email
from ..security import is_safe_redirect_target
from . import bp
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
    RegistrationForm,
    ResetPasswordForm,
)
from .passwords import hash_password, needs_rehash, verify_password
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
        if verify_password(user.password_hash if user else None, form.password.data):
            if needs_rehash(user.password_hash):
                # Parameters were raised since this hash was made: upgrade it now,
                # the only moment the password is known.
                user.password_hash = hash_password(form.password.data)
            user.last_seen = utc_now()
            db.session.commit()
            session.clear()  # nothing from before the login survives it
            login_user(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect_target(target) else url_for("main.index"))
        flash("Wrong e-mail or password.", "error")
    return form_page("auth/login.html", form)


@bp.post("/logout")
def logout():
    # A POST without a valid CSRF token never gets here: CSRFProtect answers it with 400.
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.get("/confirm/<token>")
def confirm(token: str):
    try:
        payload = read_token(Purpose.CONFIRM, token)
    except TokenError as error:
        return _bad_link(error, "auth.resend_confirmation")
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email"):
        return _bad_link(TokenError(expired=False), "auth.resend_confirmation")
    if not user.confirmed:
        user.confirmed = True
        user.confirmed_at = utc_now()
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
    form = EmailOnlyForm()
    if form.validate_on_submit():
        # The job looks the address up: this request costs the same for every address.
        in_background(resend_confirmation_if_waiting, form.email.data)
        flash(
            f"If {form.email.data} has an account waiting for confirmation, we have sent it "
            f"a new link. {delivery_note()}",
            "info",
        )
        if current_user.is_authenticated:
            return redirect(url_for("auth.unconfirmed"))
        return redirect(url_for("auth.login"))
    return form_page("auth/email_only.html", form, title="Resend the confirmation")


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited
def request_reset():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        # The job looks the address up: this request costs the same for every address.
        in_background(send_password_reset_if_registered, form.email.data)
        flash(
            f"If {form.email.data} has an account, we have sent it a link to choose a new "
            f"password. {delivery_note()}",
            "info",
        )
        return redirect(url_for("auth.login"))
    return form_page("auth/email_only.html", form, title="Reset your password")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@rate_limited
def reset_password(token: str):
    try:
        payload = read_token(Purpose.RESET_PASSWORD, token)
    except TokenError as error:
        return _bad_link(error, "auth.request_reset")
    user = db.session.get(User, payload.get("user"))
    if user is None or user.password_fingerprint != payload.get("password"):
        # Already used: the password it was made for has changed since.
        return _bad_link(TokenError(expired=False), "auth.request_reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.password_hash = hash_password(form.password.data)
        # The link arrived at this address, which proves it as well as a confirmation.
        if not user.confirmed:
            user.confirmed, user.confirmed_at = True, utc_now()
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password is changed. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return form_page("auth/reset_password.html", form)


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.route("/change-password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.current_password.data):
            current_user.password_hash = hash_password(form.password.data)
            db.session.commit()
            # The session id names the password: renew this one, every other ends.
            login_user(current_user._get_current_object())
            flash("Your password is changed; other devices are logged out.", "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append("This is not your current password.")
    return form_page("auth/change_password.html", form)


@bp.route("/change-email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.current_password.data):
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
    try:
        payload = read_token(Purpose.CHANGE_EMAIL, token)
    except TokenError as error:
        return _bad_link(error, "auth.change_email")
    if payload.get("user") != current_user.id or payload.get("old") != current_user.email:
        return _bad_link(TokenError(expired=False), "auth.change_email")
    current_user.email = payload["new"]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("That address is no longer available.", "error")
        return redirect(url_for("auth.account"))
    flash(f"Your e-mail address is now {current_user.email}.", "success")
    return redirect(url_for("auth.account"))


def _bad_link(error: TokenError, retry_endpoint: str):
    what = "has expired" if error.expired else "is invalid or was already used"
    flash(f"This link {what}. You can ask for a new one below.", "error")
    return redirect(url_for(retry_endpoint))
