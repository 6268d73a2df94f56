"""flask commands: users, expire-holds, send-mail, seed-demo, demo-logins."""

import signal
import threading

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from .auth.models import Role, StaffUser
from .auth.passwords import password_problem
from .booking.engine import expire_holds
from .booking.reminders import queue_reminders
from .extensions import db, transaction, utcnow


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(expire_holds_command)
    app.cli.add_command(send_mail)
    app.cli.add_command(send_reminders_command)
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
def create_user(email: str, role: str, name: str):
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="EMAIL")
    # Asked for, never an option: a password on the command line stays in the shell's history
    # and in the process list.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with force_locale("en"):
        if problem := password_problem(password, email=email):
            raise click.ClickException(str(problem))
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


@click.command(
    "send-reminders", help="Queue the reminders for tomorrow's bookings (safe to rerun)."
)
def send_reminders_command():
    with transaction():
        count = queue_reminders(now=utcnow())
    click.echo(f"{count} reminders queued.")


@click.command("send-mail", help="Deliver the queued emails that are due, then exit.")
@click.option(
    "--loop", is_flag=True, help="Keep delivering, every OUTBOX_POLL_SECONDS, until stopped."
)
def send_mail(loop: bool):
    from .outbox.worker import deliver_due, run_forever

    if not loop:
        report = deliver_due()
        click.echo(str(report))
        if report.retrying or report.failed:
            raise SystemExit(1)
        return
    stop = threading.Event()
    # SIGTERM (systemd, docker stop) ends the loop after the message being sent, not in it.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("Delivering emails; Ctrl-C or SIGTERM to stop.")
    try:
        run_forever(current_app._get_current_object(), stop=stop)
    except KeyboardInterrupt:
        stop.set()
