"""The audit log page and its export: in words, filtered, linked where the reader may go."""
import io
from datetime import timedelta

from openpyxl import load_workbook

from propmgmt.audit.services import record
from propmgmt.users.services import create_account

from ..factories import CompoundFactory, UserFactory


def test_entries_read_in_words_with_links(client, login_as, db, now):
    admin = UserFactory(role="admin", display_name="系统管理员")
    user, _ = create_account(admin, now=now, username="li", display_name="李调度", role="official")
    compound = CompoundFactory(name="育英小区")
    record(admin, "compound", compound.id, "mode_changed", now=now, compound_id=compound.id,
           from_state="unmanaged", to_state="fallback")
    db.session.commit()
    login_as("official")
    html = client.get("/audit").get_data(as_text=True)
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "系统管理员" in table and "李调度" in table and "育英小区" in table
    for raw in ("user_created", "mode_changed", "unmanaged", "fallback"):
        assert raw not in table, raw
    assert f"/compounds/{compound.id}" in table
    assert f"/users/{user.id}" not in table  # officials may not open a user's page


def test_filters_by_action_record_who_and_date(client, login_as, db, now):
    admin = UserFactory(role="admin", display_name="甲管理员")
    other = UserFactory(role="official", display_name="乙科长")
    compound = CompoundFactory(name="印刷厂小区")
    record(admin, "compound", compound.id, "updated", now=now - timedelta(days=3), compound_id=compound.id)
    record(other, "compound", compound.id, "mode_changed", now=now, compound_id=compound.id)
    db.session.commit()
    login_as("admin")

    def rows(query):
        return client.get(f"/audit?{query}").get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]

    assert "乙科长" in rows("action=mode_changed") and "甲管理员" not in rows("action=mode_changed")
    assert "甲管理员" in rows("who=甲") and "乙科长" not in rows("who=甲")
    day = (now - timedelta(days=3)).date()
    assert "乙科长" not in rows(f"from={day}&to={day}") and "甲管理员" in rows(f"from={day}&to={day}")
    assert "印刷厂小区" in rows(f"entity_type=compound&entity_id={compound.id}")
    assert client.get("/audit?from=notadate&page=999999999").status_code == 200


def test_export_writes_text_never_formulas(client, login_as, db, now):
    compound = CompoundFactory(name="=HYPERLINK(\"http://x\")")
    record(None, "compound", compound.id, "updated", now=now, compound_id=compound.id, reason="=1+1")
    db.session.commit()
    login_as("admin")
    response = client.get("/audit/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert any("HYPERLINK" in str(v) for v in values)


def test_audit_page_statement_count_does_not_grow_with_rows(client, login_as, db, now, count_queries):
    admin = UserFactory(role="admin")
    login_as("admin")

    def counted():
        with count_queries() as counter:
            client.get("/audit")
        return counter.count

    for _ in range(3):
        record(admin, "user", admin.id, "user_updated", now=now)
    db.session.commit()
    few = counted()
    for _ in range(20):
        record(admin, "user", UserFactory().id, "user_updated", now=now)
        compound = CompoundFactory()
        record(admin, "compound", compound.id, "updated", now=now, compound_id=compound.id)
    db.session.commit()
    assert counted() == few
