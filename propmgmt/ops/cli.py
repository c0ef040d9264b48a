"""backup PATH and restore PATH [--force]."""
import click
from flask import Blueprint, current_app

from ..extensions import db
from .backup import BackupError, create_backup, restore_backup

bp = Blueprint("ops_cli", __name__, cli_group=None)


@bp.cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Write the database and the uploaded photos to one .tar.gz at PATH."""
    try:
        manifest = create_backup(db.engine, current_app.config["UPLOAD_DIR"], path)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backed up {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables "
               f"and {manifest['files']} files ({manifest['dialect']}) to {path}.")


@bp.cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database or upload folder that already holds data.")
def restore_command(path, force):
    """Restore a backup made by `backup` into this app's database and upload folder.

    Stop the web and scheduler processes first; afterwards run `db upgrade` if the backup
    is from an older version.
    """
    try:
        manifest = restore_backup(db.engine, current_app.config["UPLOAD_DIR"], path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Restored {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables "
               f"and {manifest['files']} files from {path} (made {manifest['created_at']}); row counts checked.")
