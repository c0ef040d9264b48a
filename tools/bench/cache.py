"""Where the benchmark's database lives, and whether the one built before may be reused."""
import os
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, create_engine, inspect, select
from sqlalchemy.engine import make_url

# Written last by a build, so its row means "complete". Kept out of db.metadata on purpose:
# only bench databases have it, and Alembic must never see it.
build_marker = Table(
    "bench_build", MetaData(),
    Column("recipe", String(120), primary_key=True),
    Column("tasks", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("built_at", DateTime, nullable=False),
)


def bench_url(instance_path: str, name: str = "bench") -> str:
    """BENCH_DATABASE_URL, else a SQLite file beside (never instead of) the dev database."""
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(instance_path) / f'{name}.sqlite3'}"


def same_database(url: str, other: str) -> bool:
    paths = _sqlite_path(url), _sqlite_path(other)
    if all(paths):
        return paths[0].resolve() == paths[1].resolve()
    return make_url(url) == make_url(other)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def state_of(url: str, recipe: str, head: str) -> tuple[str, dict | None]:
    """("empty" | "foreign" | "incomplete" | "outdated" | "complete", the marker row of a complete build).

    A database with tables but no marker table was not made by the benchmark: it is "foreign"
    and is never wiped. A build claims its database (creates the marker table) before anything
    else, so one killed half-way is "incomplete", and may be wiped. A complete build at an older
    migration is "outdated": the migrations upgrade it, as they upgrade a district's database.
    """
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return "empty", None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            if not tables:
                return "empty", None
            if build_marker.name not in tables:
                return "foreign", None
            row = connection.execute(select(build_marker).where(build_marker.c.recipe == recipe)).mappings().first()
            if row is None:
                return "incomplete", None
            if MigrationContext.configure(connection).get_current_revision() != head:
                return "outdated", dict(row)
            return "complete", dict(row)
    finally:
        engine.dispose()


def built_scale(url: str) -> str | None:
    """The scale ("city", "10x") a bench database was last built at, from its marker; None if unknown."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if build_marker.name not in inspect(connection).get_table_names():
                return None
            recipe = connection.scalar(select(build_marker.c.recipe).limit(1))
    finally:
        engine.dispose()
    return recipe.split(" ", 1)[0] if recipe else None


def wipe(url: str) -> None:
    """Removes a previous (possibly half-built) bench database: the file, or every table.
    Only for databases state_of calls "incomplete" or "complete"."""
    path = _sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def claim(connection) -> None:
    """Marks the (empty) database as the benchmark's before building: an empty marker table."""
    build_marker.create(connection, checkfirst=True)
    connection.execute(build_marker.delete())


def record_build(connection, recipe: str, tasks: int, seconds: float, built_at) -> None:
    """The last write of a build: from now on the database counts as complete."""
    connection.execute(build_marker.insert().values(recipe=recipe, tasks=tasks, seconds=seconds,
                                                    built_at=built_at))


def describe(url: str) -> str:
    """The URL without its password, and the file size for SQLite."""
    shown = make_url(url).render_as_string(hide_password=True)
    path = _sqlite_path(url)
    if path is not None and path.exists():
        shown += f" ({path.stat().st_size / 1024 ** 2:,.0f} MB)"
    return shown
