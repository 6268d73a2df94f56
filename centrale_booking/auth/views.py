"""Staff login and logout."""

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, limiter, login_manager, transaction, utcnow
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
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    back = own_page(request.args.get("next")) or url_for("auth.welcome")
    if current_user.is_authenticated:
        return redirect(back, 303)
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
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
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.name or user.email), "success")
            return redirect(back, 303)
        form.password.errors.append(_("Email or password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
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
