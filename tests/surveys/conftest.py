from datetime import datetime, timezone

import pytest

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Yangquan, Thursday 3 December 2026


@pytest.fixture(autouse=True)
def questions(request):
    """The starting questions (the migration writes them; a test elsewhere may have emptied the tables).
    Only for tests in the rolled-back transaction: the concurrency tests commit for real and write their own."""
    if "db" not in request.fixturenames:
        return
    from propmgmt.surveys.services import ensure_questions

    db = request.getfixturevalue("db")
    ensure_questions()
    db.session.commit()
