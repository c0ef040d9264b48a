"""The header's unread badge runs on every page: it must find the user's rows by their index."""
import pytest
from sqlalchemy import text

from propmgmt.reminders.queries import inbox, unread


@pytest.mark.parametrize("query", [unread(7), inbox(7)], ids=["unread badge", "inbox"])
def test_the_inbox_is_read_through_the_recipient_index(db, query):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics; the index choice is SQLite's without them")
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_notification_recipient_read" in plan, plan
