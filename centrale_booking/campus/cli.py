"""The campus's commands, registered on the app when its blueprint is: `flask campus
rotate-key` and `flask purge-personal-data`."""

from __future__ import annotations

import os

import click
from cryptography.fernet import Fernet, MultiFernet
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import Text, literal, select, type_coerce, update

from ..db_types import ensure_keys, health_cipher
from ..extensions import db, transaction, utcnow

campus_cli = AppGroup("campus", help="The family campus.")


def setup(state) -> None:
    app: Flask = state.app
    app.config.setdefault("CAMPUS_PURGE_AFTER_DAYS", 30)  # after the edition's last day
    app.cli.add_command(campus_cli)
    app.cli.add_command(purge_personal_data)
    with app.app_context():
        ensure_keys()  # the health data's key, made on first run (0600)


@campus_cli.command("rotate-key", help="Encrypt the health data again with a new key.")
@click.option("--retire", is_flag=True, help="Then drop the keys no row needs any more.")
def rotate_key(retire: bool):
    from .models import CampusChild

    path = ensure_keys()
    old = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    new = Fernet.generate_key().decode()
    # The new key first: from now on every worker (they read the file again when it changes)
    # encrypts with it and still reads the rows under the old ones, so nothing stops.
    _write_keys(path, [new, *old])
    cipher = MultiFernet([Fernet(k) for k in [new, *old]])
    table = CampusChild.__table__
    # The stored tokens as they are: neither decrypted on the way out nor encrypted again.
    columns = [type_coerce(table.c[name], Text) for name in CampusChild.HEALTH_FIELDS]
    count = 0
    with transaction():
        rows = db.session.connection().execute(select(table.c.id, *columns)).all()
        for row in rows:
            tokens = {
                name: literal(cipher.rotate(value.encode()).decode(), Text)
                for name, value in zip(CampusChild.HEALTH_FIELDS, row[1:], strict=True)
                if value
            }
            if tokens:
                db.session.connection().execute(
                    update(table).where(table.c.id == row.id).values(**tokens)
                )
                count += 1
    if retire:
        _write_keys(path, [new])
    health_cipher()  # this process follows the new file too
    click.echo(f"{count} children's health data encrypted with the new key.")


def _write_keys(path, keys: list[str]) -> None:
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text("\n".join(keys) + "\n")
    draft.chmod(0o600)
    os.replace(draft, path)  # whole or not at all


@click.command(
    "purge-personal-data",
    help="Remove families' personal and health data CAMPUS_PURGE_AFTER_DAYS after their "
    "edition ended, keeping anonymous counts (safe to run daily).",
)
@click.option("--days", type=int, default=None, help="Instead of CAMPUS_PURGE_AFTER_DAYS.")
def purge_personal_data(days: int | None):
    from .service import purge_personal_data as purge

    with transaction():
        count = purge(now=utcnow(), days=days)
    click.echo(f"{count} families' personal data removed.")
