"""Device tokens for the desk's API: made and revoked by an admin with `flask tokens`, sent by
a device as `Authorization: Bearer <token>`. Only a token's SHA-256 is stored: 256 random bits
need no slow hash, and a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import click
from flask import current_app, request
from sqlalchemy import select

from ..auth.models import DeviceToken, Role
from ..extensions import db, transaction, utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer() -> str | None:
    """The token of the request's Authorization header, or None when it has none."""
    kind, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if kind.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class Device:
    """A scanning device, as its token says."""

    id: int
    name: str
    role: Role


def device_of(token: str) -> Device | None:
    """The device whose token this is, unless revoked. A token found good is kept in the
    process for DESK_TOKEN_RECHECK_SECONDS, so that a device's scans do not each read it
    again: a revocation closes it from at most that long on (at once in the process that
    revokes it, see forget_devices)."""
    digest = _digest(token)
    kept = current_app.extensions.setdefault(_KEPT, {})
    found = kept.get(digest)
    now = time.monotonic()
    if found is not None and now < found[1]:
        return found[0]
    row = db.session.execute(
        select(DeviceToken.id, DeviceToken.name, DeviceToken.role).where(
            DeviceToken.token_hash == digest, DeviceToken.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        kept.pop(digest, None)
        return None
    device = Device(*row)
    kept[digest] = (device, now + current_app.config["DESK_TOKEN_RECHECK_SECONDS"])
    return device


_KEPT = "centrale_booking.desk.devices"  # app.extensions: {token digest: (Device, until)}


def forget_devices() -> None:
    """Forget the tokens this process found good: each is read again at its next use."""
    current_app.extensions.pop(_KEPT, None)


def create_token(name: str, role: Role) -> str:
    """A new token for the device `name`; the only time it is seen in full."""
    token = secrets.token_urlsafe(32)
    with transaction():
        db.session.add(DeviceToken(name=name, role=role, token_hash=_digest(token)))
    return token


@click.group(help="Device tokens for the desk's API.")
def tokens():
    pass


@tokens.command("create", help="Make a token for a scanning device and print it, once.")
@click.argument("name")
@click.option("--role", type=click.Choice([Role.desk.value]), default=Role.desk.value)
def create_command(name: str, role: str):
    name = name.strip()
    if not name or len(name) > 80:
        raise click.UsageError("The name must be 1 to 80 characters.")
    if db.session.scalar(select(DeviceToken.id).where(DeviceToken.name == name)):
        raise click.UsageError(f"A device named {name!r} already has a token.")
    token = create_token(name, Role(role))
    click.echo(f"Token for {name} (shown only now; it is stored hashed):\n{token}")


@tokens.command("revoke", help="Revoke a device's token: it opens nothing from now on.")
@click.argument("name")
def revoke_command(name: str):
    with transaction():
        device = db.session.scalar(
            select(DeviceToken).where(DeviceToken.name == name, DeviceToken.revoked_at.is_(None))
        )
        if device is None:
            raise click.UsageError(f"No device named {name!r} has a token.")
        device.revoked_at = utcnow()
    forget_devices()
    click.echo(f"Revoked the token of {name}.")


@tokens.command("list", help="The devices with a token.")
def list_command():
    for device in db.session.scalars(select(DeviceToken).order_by(DeviceToken.name)):
        state = "revoked" if device.revoked_at else "active"
        click.echo(f"{device.name}\t{device.role.value}\t{state}")
