"""The migrations build exactly the models' schema, and can be rolled back and re-applied."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from propmgmt import create_app
from propmgmt.extensions import db

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"

    app = create_app(Config)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names())
    assert {"compound", "assignment", "task", "notification", "audit_entry", "handover"} <= tables


def _scratch_database_url(tmp_path) -> str:
    """An empty database of the same kind as the suite's: a SQLite file, or a new PostgreSQL database."""
    import os

    from sqlalchemy import create_engine, make_url, text

    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    scratch = make_url(url).set(database=make_url(url).database + "_upgrade")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
        connection.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    admin.dispose()
    return scratch.render_as_string(hide_password=False)


def test_upgrade_keeps_existing_data(tmp_path):
    """Each migration after the first upgrades a database that already holds a register."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _scratch_database_url(tmp_path)

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO district (id, name, city) VALUES (1, '城区', '阳泉市')",
                "INSERT INTO subdistrict (id, district_id, name) VALUES (1, 1, '南山路街道')",
                "INSERT INTO community (id, subdistrict_id, name) VALUES (1, 1, '一社区')",
                "INSERT INTO compound (id, community_id, name, aliases, address, buildings, households, "
                "management_mode, mode_since, public_code, created_at, updated_at) VALUES "
                "(1, 1, '育英小区', '', '', 10, 420, 'unmanaged', '2026-01-01', 'code1', '2026-01-01', '2026-01-01')",
                "INSERT INTO organisation (id, kind, name, licence_no, contact_name, contact_phone, address, active, "
                "created_at) VALUES (1, 'fallback_operator', '阳泉市洁诚物业公司', '', '', '', '', true, '2026-01-01')",
                "INSERT INTO \"user\" (id, username, password_hash, display_name, role, phone, email, active, "
                "created_at) VALUES (1, 'wang', 'x', '王科长', 'official', '', '', true, '2026-01-01')",
                "INSERT INTO assignment (id, compound_id, operator_org_id, decision_no, reason, status, "
                "responsible_leader_id, proposed_at, rejection_reason, start_date, end_note) VALUES "
                "(1, 1, 1, '文号1', '', 'proposed', 1, '2026-01-01', '', '2026-02-01', '')",
            ):
                connection.execute(text(statement))
        upgrade()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT name, households FROM compound")).one() == ("育英小区", 420)
            assert connection.execute(text("SELECT decision_no, crew_id FROM assignment")).one() == ("文号1", None)
        with pytest.raises(IntegrityError):  # the one-open-assignment index survived the table rebuild
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO assignment (compound_id, operator_org_id, decision_no, reason, status, "
                    "responsible_leader_id, proposed_at, rejection_reason, start_date, end_note) VALUES "
                    "(1, 1, '文号2', '', 'active', 1, '2026-01-02', '', '2026-02-01', '')"))
        db.engine.dispose()


def test_0013_gives_existing_cases_an_empty_place_and_adds_the_repair_service(tmp_path):
    from sqlalchemy import text

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'cases.sqlite3'}"

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO complaint (tracking_code, source, category, description, contact_phone, severity, "
                "status, received_at, rating_comment) VALUES ('ABCDEFGHJK', 'resident', 'sewage_overflow', '污水外溢', "
                "'', 'urgent', 'received', '2026-11-01 00:00:00', '')"))
        upgrade()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT description, location FROM complaint")).one() == ("污水外溢", "")
            assert connection.execute(text("SELECT name_zh FROM service_type WHERE code = 'repair'")).scalar() == \
                "疏通维修"
        downgrade(revision="0012")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM service_type")).scalar() == 0
            assert connection.execute(text("SELECT description FROM complaint")).scalar() == "污水外溢"
        db.engine.dispose()


def test_0027_rolls_up_again_only_a_database_that_has_rolled_up_days(tmp_path):
    """The per-compound rollup is empty at first: days rolled up before it must be read live until the
    refresh has rolled them up again; a database that has none needs nothing (and the suite's empty
    databases stay free of the mark)."""
    from sqlalchemy import text

    for rolled in (False, True):
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / f'rollups-{rolled}.sqlite3'}"

        app = create_app(Config)
        with app.app_context():
            upgrade(revision="0022")
            if rolled:
                with db.engine.begin() as connection:
                    connection.execute(text("INSERT INTO rollup_day (day, computed_at) VALUES "
                                            "('2026-11-01', '2026-11-02 00:00:00')"))
            upgrade()
            with db.engine.begin() as connection:
                marks = connection.execute(text("SELECT utc_day FROM rollup_stale")).scalars().all()
            assert marks == (["all"] if rolled else [])
            db.engine.dispose()
