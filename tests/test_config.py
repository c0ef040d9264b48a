"""Production refuses to start with development defaults."""
import pytest

from config import ProductionConfig, config_from_env
from propmgmt import create_app


def test_production_refuses_to_start_without_secret_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(ProductionConfig)


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("PROPMGMT_ENV", "staging-ish")
    with pytest.raises(RuntimeError, match="PROPMGMT_ENV"):
        config_from_env()


def test_the_field_script_goes_out_compressed(client):
    """field.js is the tablet's largest download; it is served as text/javascript here (Debian's mime.types)."""
    response = client.get("/static/js/field.js", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})  # chromium's
    assert response.status_code == 200 and response.headers.get("Content-Encoding") in ("br", "zstd")
