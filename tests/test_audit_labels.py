"""Every audit action the code records has a label on the timeline, and its values read as words."""
import ast
from pathlib import Path

from propmgmt.compounds.labels import TIMELINE_LABELS

PACKAGE = Path(__file__).resolve().parents[1] / "propmgmt"


def recorded_actions() -> set[str]:
    """The action of every audit entry written: record(actor, type, id, ACTION, ...), the complaints'
    _move(actor, case, transition, ACTION, ...), renovation's _record(actor, project, ACTION, ...) and bulk
    rows {"action": ACTION} of AuditEntry."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("record", "_move") and len(node.args) > 3 and isinstance(node.args[3], ast.Constant):
                    found.add(node.args[3].value)
                if name == "_record" and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
                    found.add(node.args[2].value)  # renovation's record-on-every-compound helpers
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "action" and isinstance(value, ast.Constant):
                        found.add(value.value)
    return found


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert len(actions) > 25  # the scan finds them (it would pass vacuously otherwise)
    assert sorted(actions - set(TIMELINE_LABELS)) == []


def test_the_timeline_shows_states_and_values_in_words(client, login_as, field_day):
    """A task started and completed offline, a case received: no raw key on the compound's page."""
    from propmgmt.audit.services import record
    from propmgmt.clock import utcnow

    compound, task = field_day["compound"], field_day["tasks"][0]
    now = utcnow()
    record(None, "task", task.id, "task_started", now=now, compound_id=compound.id, to_state="in_progress")
    record(None, "task", task.id, "task_completed", now=now, compound_id=compound.id, from_state="in_progress",
           to_state="done", changes={"offline": [None, False]})
    record(None, "complaint", 1, "problem_reported", now=now, compound_id=compound.id, to_state="received",
           changes={"category": [None, "garbage_not_collected"]})
    login_as("official")
    html = client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    timeline = html.split('class="timeline"')[1].split("</ol>")[0]
    for raw in ("task_started", "in_progress", "garbage_not_collected", "False", "offline"):
        assert raw not in timeline, raw
    assert "垃圾未清运" in timeline or "垃圾" in timeline


def test_a_cases_words_reach_only_the_roles_that_handle_or_oversee_cases(client, login_as, db):
    from propmgmt.audit.services import record
    from propmgmt.clock import utcnow

    from .factories import CompoundFactory

    compound = CompoundFactory(management_mode="fallback")
    record(None, "complaint", 1, "complaint_reopened", now=utcnow(), compound_id=compound.id,
           from_state="resolved", to_state="reopened", reason="我是张三，电话13912345678，楼道还是很脏")
    for role, sees in (("firm", False), ("operator", False), ("dispatcher", True), ("official", True)):
        login_as(role)
        html = client.get(f"/compounds/{compound.id}").get_data(as_text=True)
        assert ("13912345678" in html) is sees and ("张三" in html) is sees, role
        assert "居民要求重办" in html, role  # the state change itself is for everyone
        client.post_form("/logout", page="/compounds")
