"""flask commands: users, expire-holds, seed-demo, demo-logins."""

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from .auth.models import Role, StaffUser
from .booking.engine import expire_holds
from .extensions import db, transaction, utcnow


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(expire_holds_command)
    from .demo import demo_logins, seed_demo

    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)


@click.group(help="Manage staff accounts.")
def users():
    pass


@users.command("create", help="Create a staff account; asks for its password.")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="The name shown in the staff pages.")
@click.password_option(help="Asked for when not given.")
def create_user(email: str, role: str, name: str, password: str):
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="EMAIL")
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    exists = db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email))
    if exists:
        raise click.ClickException(f"{email} already has an account")
    with transaction():
        user = StaffUser(email=email, name=name, role=Role(role))
        user.set_password(password)
        db.session.add(user)
    click.echo(f"Created {email} ({role}).")


@click.command("expire-holds", help="Expire lapsed holds and offers; move waiting lists up.")
def expire_holds_command():
    with transaction():
        count = expire_holds(now=utcnow())
    current_app.logger.info("expire-holds: %s bookings expired", count)
    click.echo(f"{count} expired.")
