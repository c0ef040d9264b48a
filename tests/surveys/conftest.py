from datetime import datetime, timezone

import pytest

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Yangquan, Thursday 3 December 2026


@pytest.fixture(autouse=True)
def questions(db):
    """The starting questions (the migration writes them; a test elsewhere may have emptied the tables)."""
    from propmgmt.surveys.services import ensure_questions

    ensure_questions()
    db.session.commit()
