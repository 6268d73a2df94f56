"""flask schools …: the commands of the school visits (on the blueprint's command group)."""

from __future__ import annotations

import click

from ..extensions import transaction, utcnow
from .registry import RegistryFileError, import_registry


@click.argument("file", type=click.File("rb"))
def import_command(file):
    """Load the Ministry's registry of schools (SCUANAGRAFESTAT / SCUANAGRAFEPAR .csv)."""
    try:
        with transaction():
            report = import_registry(file.read(), now=utcnow())
    except RegistryFileError as refused:
        raise click.ClickException(f"{file.name}: {refused}") from None
    click.echo(f"{file.name}: {report}.")
