"""create-user, set-password, deactivate-user and the API tokens."""
import click
from flask import Blueprint

from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from .models import ROLES, User
from .services import change_password, create_token, create_user, deactivate_user, revoke_tokens

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


def _user(username: str) -> User:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user named {username}.")
    return user


@bp.cli.command("set-password")
@click.argument("username")
@click.option("--password", help="Prompted for (hidden) when left out.")
def set_password_command(username, password):
    """Give USERNAME a new password; signs them out everywhere."""
    user = _user(username)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        ended = change_password(user, password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message))
    db.session.commit()
    click.echo(f"Changed the password of {username}; ended {ended} session(s).")


@bp.cli.command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username):
    """USERNAME may no longer sign in (API tokens stop too); signs them out everywhere."""
    ended = deactivate_user(_user(username))
    db.session.commit()
    click.echo(f"Deactivated {username}; ended {ended} session(s).")


@bp.cli.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
def create_token_command(username, name):
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    user = _user(username)
    token = create_token(user, name)
    db.session.commit()
    click.echo(token)


@bp.cli.command("revoke-tokens")
@click.argument("username")
def revoke_tokens_command(username):
    """Revoke every API token of USERNAME."""
    user = _user(username)
    count = revoke_tokens(user, now=utcnow())
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {username}.")
