"""What a notification says: its kind and payload turned into a title and a body.

The outbox stores data, not text, so a row reads in the language of whoever sees it, and a
wording fix reaches rows already written. Times in payloads are UTC ISO strings; they are
shown in the district's time zone.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..clock import to_local
from .labels import SUBJECT_LABELS

MISSING = "—"

# kind -> (title, body); %(name)s placeholders are filled from the payload (see _values).
MESSAGES = {
    "assigned": (
        _l("Fallback service assigned: %(compound)s"),
        _l("%(compound)s is served by the fallback operator from %(start_date)s (decision %(decision_no)s)."),
    ),
    "review_due": (
        _l("Assignment review due: %(compound)s"),
        _l("The fallback assignment of %(compound)s (decision %(decision_no)s) is due for review on "
           "%(review_date)s."),
    ),
    "due_soon": (
        _l("Due soon: %(service)s at %(compound)s"),
        _l("%(service)s at %(compound)s is due in the window %(window)s."),
    ),
    "overdue": (
        _l("Not started: %(service)s at %(compound)s"),
        _l("The window %(window)s has begun and %(service)s at %(compound)s has not been started."),
    ),
    "task_rejected": (
        _l("Sent back for redo: %(service)s at %(compound)s"),
        _l("Your work of %(window)s was sent back: %(reason)s. Please redo it."),
    ),
    "complaint_sla": (
        _l("Acknowledge soon: case %(code)s at %(compound)s"),
        _l("Case %(code)s at %(compound)s must be acknowledged by %(deadline_local)s."),
    ),
    "complaint_sla_resolve": (
        _l("Resolve soon: case %(code)s at %(compound)s"),
        _l("Case %(code)s at %(compound)s must be resolved by %(deadline_local)s."),
    ),
    "complaint_ack_overdue": (
        _l("Not acknowledged in time: case %(code)s at %(compound)s"),
        _l("Case %(code)s at %(compound)s was due to be acknowledged by %(deadline_local)s."),
    ),
    "monthly_report": (
        _l("Monthly dispatch report ready: %(month)s"),
        _l("The dispatch report of %(month)s is ready: key figures, overdue and stuck items with their leaders."),
    ),
    "hotline_urged": (
        _l("Urged by 12345: case %(code)s at %(compound)s"),
        _l("The hotline urged ticket %(ticket)s (case %(code)s at %(compound)s), reminder %(count)s. "
           "You are the responsible leader or its dispatcher: please see that it is resolved."),
    ),
    "handover_firm_selected": (
        _l("Your firm is selected: %(compound)s"),
        _l("Your firm was selected to take over %(compound)s (contract from %(contract_start)s). The joint "
           "inspection comes next; follow the handover under “My handovers”."),
    ),
    "handover_ready_to_sign": (
        _l("Joint inspection ready to sign: %(compound)s"),
        _l("The joint inspection of %(compound)s is recorded and has no blocking defect: please check and sign it."),
    ),
    "handover_defect": (
        _l("Defect to fix by %(fix_by)s: %(compound)s"),
        _l("The joint inspection of %(compound)s found a defect: %(defect)s. Fixed by %(fixer)s by %(fix_by)s."),
    ),
    "complaint_overdue": (
        _l("Overdue: case %(code)s at %(compound)s"),
        _l("Case %(code)s at %(compound)s was due to be resolved by %(deadline_local)s and is still open."),
    ),
}
ESCALATIONS = {
    "dispatcher": (
        _l("Missed: %(service)s at %(compound)s"),
        _l("%(service)s at %(compound)s was not done in its window %(window)s. Please reassign it or follow up."),
    ),
    "leader": (
        _l("Escalated to you: %(service)s at %(compound)s"),
        _l("%(service)s at %(compound)s was missed in its window %(window)s and has not been made up. "
           "You are the responsible leader."),
    ),
}
FALLBACK = (_l("Notification"), _l("About %(subject)s no. %(id)s."))
FALLBACK_AT_COMPOUND = (_l("Notification"), _l("About %(subject)s no. %(id)s at %(compound)s."))


def render(notification) -> tuple[str, str]:
    """(title, body) in the current locale; an unknown kind or a broken payload still reads."""
    values = _values(notification)
    title, body = _templates(notification)
    try:
        return str(title) % values, str(body) % values
    except (KeyError, TypeError, ValueError):  # a msgid naming a key this payload lacks
        title, body = _fallback(values)
        return str(title) % values, str(body) % values


def _templates(notification):
    kind = notification.kind
    if kind in ("escalation", "escalation_leader"):
        level = (notification.payload or {}).get("level") or ("leader" if kind == "escalation_leader" else "dispatcher")
        return ESCALATIONS.get(level, ESCALATIONS["dispatcher"])
    if kind.startswith("hotline_urged_"):  # the hotline's 2nd, 3rd ... reminder of one case: a row each
        kind = "hotline_urged"
    return MESSAGES.get(kind) or _fallback(notification.payload or {})


def _fallback(payload: dict):
    return FALLBACK_AT_COMPOUND if payload.get("compound") not in (None, "", MISSING) else FALLBACK


def _values(notification) -> dict:
    payload = notification.payload or {}
    values = {key: str(value) for key, value in payload.items() if isinstance(value, (str, int, float))}
    for key in ("compound", "service", "decision_no", "start_date", "review_date"):
        values.setdefault(key, MISSING)
    values["window"] = window_text(payload.get("window_start"), payload.get("window_end"))
    values["subject"] = str(SUBJECT_LABELS.get(notification.subject_type, notification.subject_type))
    values["id"] = str(notification.subject_id)
    return values


def window_text(start: str | None, end: str | None) -> str:
    """'2026-11-25 07:00–09:00' in local time; the end's date is shown only when it differs."""
    start_at, end_at = _local(start), _local(end)
    if start_at is None:
        return MISSING
    text = start_at.strftime("%Y-%m-%d %H:%M")
    if end_at is None:
        return text
    same_day = end_at.date() == start_at.date()
    return f"{text}–{end_at.strftime('%H:%M' if same_day else '%Y-%m-%d %H:%M')}"


def _local(value: str | None) -> datetime | None:
    try:
        return to_local(datetime.fromisoformat(value)) if value else None
    except (TypeError, ValueError):
        return None
