"""Staff login and logout."""

import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import ratelimits
from ..extensions import db, login_manager, transaction, utcnow
from ..public import own_page
from .forms import LoginForm
from .models import StaffUser

bp = Blueprint("auth", __name__, url_prefix="/staff")

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"

# Checked when no account has the email, so that a failed login takes as long either way and
# its timing does not tell which addresses have an account. A constant, hashed like a password.
_NO_ACCOUNT_HASH = generate_password_hash(secrets.token_urlsafe(16))


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    # "id:session token": a session or remember-me cookie of before the last logout or the
    # last new password names an old token, and signs nobody in.
    number, _, token = user_id.partition(":")
    if not number.isdigit() or not token:
        return None
    user = db.session.get(StaffUser, int(number))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


# --- Throttling: failed logins are counted per client address and per account. A client that
# has signed in to the account before (its device cookie) is held to neither, only to its own
# count: a crowd behind one address, or someone guessing an account's password, cannot lock
# its owner out of their own device.

DEVICE_COOKIE = "staff_device"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="staff-device")


def _device_of(user: StaffUser | None) -> str | None:
    """The device's own id if this client has signed in to `user` before, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if user is None or not raw:
        return None
    try:
        user_id, device = _devices().loads(raw, max_age=DEVICE_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return device if user_id == user.id else None


def _throttle_keys(email: str, device: str | None) -> list[tuple[str, ...]]:
    if device is not None:
        return [("login-device", device)]
    return [("login-address", get_remote_address()), ("login-account", email)]


def _limits() -> dict[str, str]:
    config = current_app.config
    return {
        "login-device": config["LOGIN_RATE_LIMIT"],
        "login-address": config["LOGIN_RATE_LIMIT"],
        "login-account": config["LOGIN_ACCOUNT_RATE_LIMIT"],
    }


@bp.route("/login", methods=["GET", "POST"])
def login():
    back = own_page(request.args.get("next")) or url_for("auth.welcome")
    if current_user.is_authenticated:
        return redirect(back, 303)
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
        keys = _throttle_keys(email, _device_of(user))
        limits = _limits()
        for key in keys:
            ratelimits.refuse_beyond(limits[key[0]], *key)  # 429, the password unchecked
        if user is None:
            check_password_hash(_NO_ACCOUNT_HASH, form.password.data)  # the same time, no answer
        elif user.check_password(form.password.data):
            if not user.active:
                # Only someone who knows the password learns that the account is disabled.
                form.email.errors.append(
                    _("This account is disabled. Please ask an administrator.")
                )
                return render_template("auth/login.html", form=form)
            with transaction():
                user = db.session.get(StaffUser, user.id)
                user.last_login_at = utcnow()
            session.clear()  # a new session: nothing carried over from before the login
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.name or user.email), "success")
            response = redirect(back, 303)
            response.set_cookie(
                DEVICE_COOKIE,
                _devices().dumps([user.id, secrets.token_urlsafe(12)]),
                max_age=DEVICE_MAX_AGE,
                path=url_for("auth.login"),
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
            return response
        for key in keys:
            ratelimits.count(limits[key[0]], *key)
        form.password.errors.append(_("Email or password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        with transaction():
            user = db.session.get(StaffUser, current_user.id)
            user.end_sessions()  # every session and remember-me cookie of the account ends
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"), 303)


@bp.route("/")
@login_required
def welcome():
    """The staff home: what there is to do today, for the person's role."""
    from ..admin.today import todays_work
    from ..booking.labels import STATUS_LABELS
    from .models import Role

    office = current_user.role in (Role.admin, Role.education)
    return render_template(
        "auth/welcome.html",
        todo=todays_work(utcnow(), with_office=office),
        office=office,
        is_admin=current_user.role is Role.admin,
        status_labels=STATUS_LABELS,
    )
