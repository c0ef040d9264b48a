"""create-user and create-token."""
import click
from flask import Blueprint

from ..errors import DomainError
from ..extensions import db
from .models import ROLES, User
from ..clock import utcnow
from .services import create_token, create_user, revoke_tokens

bp = Blueprint("auth_cli", __name__, cli_group=None)


@bp.cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", help="Prompted for (hidden) when left out.")
@click.option("--name", "display_name", default="", help="Name shown in the app.")
def create_user_command(username, role, password, display_name):
    """Create a user with one role."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, role, password, display_name=display_name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message))
    db.session.commit()
    click.echo(f"Created user {user.username} ({user.role}).")


@bp.cli.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
def create_token_command(username, name):
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user named {username}.")
    token = create_token(user, name)
    db.session.commit()
    click.echo(token)


@bp.cli.command("revoke-tokens")
@click.argument("username")
def revoke_tokens_command(username):
    """Revoke every API token of USERNAME."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user named {username}.")
    count = revoke_tokens(user, now=utcnow())
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {username}.")
