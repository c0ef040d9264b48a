"""Entry point for `flask --app app ...` and for WSGI servers (gunicorn app:app)."""
from config import config_from_env
from propmgmt import create_app

app = create_app(config_from_env())
