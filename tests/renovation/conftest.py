import pytest


@pytest.fixture(autouse=True)
def content_items(db):
    """The starting content list (the migration writes it; a test elsewhere may have emptied the tables)."""
    from propmgmt.renovation.services import ensure_content_items

    ensure_content_items()
    db.session.commit()
