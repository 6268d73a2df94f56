"""Demo data: a believable season of the museum (placeholder until filled in)."""

import click


@click.command("seed-demo", help="Create the demo season once; running it again changes nothing.")
def seed_demo():
    click.echo("Demo data: nothing yet.")


@click.command("demo-logins", help="Print the demo staff logins.")
def demo_logins():
    click.echo("No demo logins yet.")
