"""Operations of the assessment: a new policy version, a spot check, a rectification's life.

Each checks its rule, changes the models, writes the audit entry and flushes; the caller commits.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..assignments.models import Assignment
from ..audit.services import record
from ..auth.roles import ASSESSMENT_POLICY_EDITORS, RECTIFICATION_VERIFIERS, SPOT_CHECKERS
from ..compounds.models import Compound
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..orgs.models import crew_compound
from ..photos import store_photo
from . import policy as rules
from .models import AssessmentPolicy, Rectification, SpotCheck, SpotCheckItem, SpotCheckPhoto
from .months import month_start
from .queries import policy_row_for

FAR_AWAY_M = 2000  # a check-in further than this from the compound is accepted, and flagged
NOTE_MAX = 500


def save_policy(actor, document: dict, *, effective_month: date, note: str = "", now: datetime,
                frozen_through: date | None = None) -> AssessmentPolicy:
    """A new version of the sheet and payment rule, judging months from `effective_month` on.

    `frozen_through`: the last month with an approved statement; a version may not reach back into it.
    """
    if getattr(actor, "role", None) not in ASSESSMENT_POLICY_EDITORS:
        raise Forbidden(_l("Only district officials may change the assessment policy."))
    rules.parse(document)
    effective_month = month_start(effective_month)
    if frozen_through is not None and effective_month <= frozen_through:
        raise DomainError(_l("The statement of %(month)s is approved: a new policy can apply from the month after "
                             "it.", month=frozen_through.strftime("%Y-%m")), field="effective_month")
    version = (db.session.scalar(select(func.max(AssessmentPolicy.version))) or 0) + 1
    row = AssessmentPolicy(version=version, effective_month=effective_month, document=document,
                           note=note.strip()[:NOTE_MAX], created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(row)
    db.session.flush()
    record(actor, "assessment_policy", row.id, "assessment_policy_saved", now=now,
           changes={"version": [version - 1 or None, version], "effective_month": [None, effective_month.isoformat()]})
    return row


@dataclass
class CheckIn:
    checked_at: datetime
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None


@dataclass
class Finding:
    item_code: str
    defects: int
    note: str = ""
    photos: tuple = ()  # decoded images (photos.read_photos)


def distance_m(lat1, lon1, lat2, lon2) -> int:
    """Great-circle distance in metres (haversine; plenty for "more than 2 km away")."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * 6_371_000 * math.asin(math.sqrt(a)))


def crew_of(compound_id: int) -> int | None:
    """The crew that serves the compound: its open assignment's, else the first crew listing it."""
    crew_id = db.session.scalar(select(Assignment.crew_id).where(
        Assignment.compound_id == compound_id, Assignment.status == "active"))
    return crew_id or db.session.scalar(select(crew_compound.c.crew_id).where(
        crew_compound.c.compound_id == compound_id).order_by(crew_compound.c.crew_id).limit(1))


KEY_MAX = 64


def _check_with_key(key: str) -> SpotCheck | None:
    return db.session.scalar(select(SpotCheck).where(SpotCheck.idempotency_key == key)
                             .execution_options(populate_existing=True))


def _first_result(actor, check: SpotCheck) -> SpotCheck:
    """The check a key made the first time, for a replay of it: nothing new is written."""
    if check.inspector_id != actor.id:
        raise Forbidden(_l("This submission belongs to someone else."))
    check.replayed = True
    return check


def record_spot_check(actor, compound: Compound, check_in: CheckIn, findings: list[Finding], *, now: datetime,
                      upload_dir: str, key: str | None = None, note: str = "") -> SpotCheck:
    """抽查: the items found, each failed one a rectification for the compound's crew.

    `key` (the phone's idempotency key) makes a resend apply once: a lost answer, a queue syncing
    twice, two requests at the same moment. A replay returns the first check (`replayed` set) and
    writes nothing, whatever it carries this time.
    """
    if getattr(actor, "role", None) not in SPOT_CHECKERS:
        raise Forbidden(_l("Only inspectors and officials may spot-check a compound."))
    key = (key or "").strip() or None
    if key is not None and len(key) > KEY_MAX:
        raise DomainError(_l("The request has no valid idempotency key."), field="key")
    done = _check_with_key(key) if key else None
    if done is not None:
        return _first_result(actor, done)
    row = policy_row_for(now)
    if row is None:
        raise DomainError(_l("There is no assessment policy yet; an official must set one first."))
    policy = rules.parse(row.document)
    findings = [f for f in findings if f.item_code in {item.code for item in policy.spot_items}]
    if not findings:
        raise DomainError(_l("Answer at least one item of the score sheet."), field="items")
    for finding in findings:
        if finding.defects < 0 or finding.defects > 99:
            raise DomainError(_l("Defects are counted from 0 to 99."), field=f"defects_{finding.item_code}")
        if finding.defects and not finding.photos:
            raise DomainError(_l("Take a photo of the defect."), field=f"defects_{finding.item_code}")
    if check_in.checked_at > now + timedelta(minutes=10):
        raise DomainError(_l("The device's time is ahead of ours; check the clock and check in again."),
                          field="checked_at")
    if check_in.accuracy_m is not None and check_in.accuracy_m < 0:
        raise DomainError(_l("The location's accuracy cannot be negative."), field="accuracy_m")
    distance = None
    if None not in (check_in.latitude, check_in.longitude, compound.latitude, compound.longitude):
        distance = distance_m(check_in.latitude, check_in.longitude, compound.latitude, compound.longitude)
    check = SpotCheck(compound_id=compound.id, policy_id=row.id, inspector_id=actor.id,
                      checked_at=check_in.checked_at, recorded_at=now, latitude=check_in.latitude,
                      longitude=check_in.longitude, accuracy_m=check_in.accuracy_m, distance_m=distance,
                      far_away=distance is not None and distance > FAR_AWAY_M, note=note.strip()[:NOTE_MAX],
                      idempotency_key=key)
    try:
        with db.session.begin_nested():  # the key's unique index: the twin sent at the same moment waits here
            db.session.add(check)
            db.session.flush()
    except IntegrityError:
        done = _check_with_key(key) if key else None
        if done is None:
            raise
        return _first_result(actor, done)
    crew_id = crew_of(compound.id)
    deadline = now + timedelta(days=policy.rectification_days)
    for finding in findings:
        item = policy.item(finding.item_code)
        found = SpotCheckItem(check_id=check.id, item_code=item.code, defects=finding.defects,
                              points=item.spot_points(finding.defects), note=finding.note.strip()[:NOTE_MAX])
        db.session.add(found)
        db.session.flush()
        for image in finding.photos:
            stored = store_photo(image, upload_dir, f"spot_checks/{check.id}")
            db.session.add(SpotCheckPhoto(item_id=found.id, path=stored.path, thumb_path=stored.thumb_path,
                                          created_at=now))
        if finding.defects:
            db.session.add(Rectification(compound_id=compound.id, check_item_id=found.id, crew_id=crew_id,
                                         description=found.note or item.name, deadline=deadline, created_at=now))
    db.session.flush()
    record(actor, "spot_check", check.id, "spot_check_recorded", now=now, compound_id=compound.id,
           changes={"defects": [None, sum(f.defects for f in findings)]}
           | ({"distance_m": [None, distance]} if check.far_away else {}))
    return check


def _rectification(rectification_id: int) -> Rectification:
    found = db.session.get(Rectification, rectification_id)
    if found is None:
        raise NotFound(_l("There is no such rectification."))
    return found


def _move(rectification: Rectification, from_state: str, values: dict) -> None:
    """A conditional UPDATE: of two people acting at once, the second finds the state moved on."""
    moved = db.session.execute(update(Rectification).where(Rectification.id == rectification.id,
                                                            Rectification.status == from_state).values(**values))
    if moved.rowcount != 1:
        db.session.refresh(rectification)
        raise Conflict(_l("Someone else has just changed this rectification; look at it again."))
    db.session.refresh(rectification)


def report_fixed(actor, rectification_id: int, *, note: str = "", now: datetime) -> Rectification:
    """The operator of the compound's crew says it is fixed."""
    rectification = _rectification(rectification_id)
    if actor.role != "operator" or rectification.crew_id is None or actor.crew_id != rectification.crew_id:
        raise Forbidden(_l("Only the compound's crew can report this rectification fixed."))
    if rectification.status != "open":
        raise Conflict(_l("This rectification is not open."))
    _move(rectification, "open", {"status": "fixed", "fixed_at": now, "fixed_by_id": actor.id,
                                  "fix_note": note.strip()[:NOTE_MAX]})
    record(actor, "rectification", rectification.id, "rectification_fixed", now=now,
           compound_id=rectification.compound_id, from_state="open", to_state="fixed")
    return rectification


def verify_rectification(actor, rectification_id: int, *, accept: bool, reason: str = "",
                         now: datetime) -> Rectification:
    """An inspector or dispatcher accepts the fix, or sends it back (open again, the fix time cleared)."""
    if getattr(actor, "role", None) not in RECTIFICATION_VERIFIERS:
        raise Forbidden(_l("Only inspectors and dispatchers may verify a rectification."))
    rectification = _rectification(rectification_id)
    if rectification.status != "fixed":
        raise Conflict(_l("Only a rectification reported fixed can be verified."))
    if not accept and not reason.strip():
        raise DomainError(_l("Say what is still wrong."), field="reason")
    values = ({"status": "verified", "verified_at": now, "verified_by_id": actor.id} if accept else
              {"status": "open", "fixed_at": None, "fixed_by_id": None})
    _move(rectification, "fixed", values)
    record(actor, "rectification", rectification.id, "rectification_verified" if accept else "rectification_reopened",
           now=now, compound_id=rectification.compound_id, from_state="fixed", to_state=values["status"],
           reason=reason.strip()[:NOTE_MAX])
    return rectification
