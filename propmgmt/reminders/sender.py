"""Sending the outbox: claim due rows, deliver them, record each result. A scheduler job.

Any number of senders may run at once. Rows are claimed in one short transaction (on
PostgreSQL through SELECT ... FOR UPDATE SKIP LOCKED, so senders pass each other by; on SQLite
the write lock serialises the claims) that commits before anything is sent, so no two senders
hold one row. A claim older than NOTIFY_CLAIM_TIMEOUT_MINUTES belongs to a sender that stopped:
it counts as a failed attempt and the row is taken up again.

This function owns its transactions: it commits the claim, then each result.
"""
import time
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, select, update
from sqlalchemy.exc import OperationalError

from ..auth.models import User
from ..clock import clock_speed
from ..extensions import db
from ..outbox.models import Notification
from .channels import WEBHOOK_FORMATS, DeliveryError, Mailer, UnbuildableMessage, post_webhook, webhook_body
from .messages import render
from .robots import Item, forget_old_sends, messages_for, robots_for, signed_url, take_slot

INTERRUPTED = "the sender stopped while sending; tried again"
MAX_RETRY_MINUTES = 24 * 60
# Claimed rows are read as plain rows, which the per-row commits leave as they are.
CLAIMED = (Notification.id, Notification.kind, Notification.channel, Notification.subject_type,
           Notification.subject_id, Notification.recipient_id, Notification.recipient_key,
           Notification.payload, Notification.attempts)


def send_due_notifications(now: datetime, *, batch_size: int = 200) -> dict:
    """Sends what is due at `now`, batch after batch, for at most half the claim timeout.

    Returns counts: sent, failed (will be retried), parked (gave up), recovered (claims of a
    stopped sender taken back).
    """
    config = current_app.config
    counts = {"sent": 0, "failed": 0, "parked": 0, "recovered": _recover_interrupted(now, config)}
    forget_old_sends(now)
    db.session.commit()
    deadline = time.monotonic() + config["NOTIFY_CLAIM_TIMEOUT_MINUTES"] * 60 / 2
    mailer = Mailer(config)
    try:
        while time.monotonic() < deadline:
            token = uuid.uuid4().hex
            rows = _claim(now, batch_size, token)
            db.session.commit()
            if not rows:
                break
            _deliver(rows, token, now, config, mailer, counts, deadline)
            if len(rows) < batch_size:
                break
    finally:
        mailer.close()
    return counts


def _due(now: datetime):
    return and_(Notification.status.in_(("pending", "failed")), Notification.next_attempt_at <= now)


def _claim(now: datetime, limit: int, token: str) -> list:
    """Marks up to `limit` due rows as this sender's, oldest first.

    Two statements in one transaction: the SELECT locks its rows on PostgreSQL (skipping rows
    another sender holds), and on SQLite the transaction holds the write lock from its BEGIN
    IMMEDIATE. (One UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) is not
    the same: PostgreSQL may run that subquery more than once and claim more than n rows.)
    """
    ids = db.session.scalars(
        select(Notification.id).where(_due(now)).order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit).with_for_update(skip_locked=True)).all()
    if not ids:
        return []
    db.session.execute(
        update(Notification).where(Notification.id.in_(ids), _due(now))  # re-checked: still due
        .values(status="sending", claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False))
    return db.session.execute(
        select(*CLAIMED).where(Notification.claim_token == token).order_by(Notification.id)).all()


def _recover_interrupted(now: datetime, config) -> int:
    """Rows left 'sending' by a sender that stopped: a failed attempt each, due again at once.

    The timeout is how long a live sender may hold a claim, real time: under an accelerated
    clock (a soak run) it is that many real minutes of simulated time.
    """
    attempts = Notification.attempts + 1
    timeout = timedelta(minutes=config["NOTIFY_CLAIM_TIMEOUT_MINUTES"]) * clock_speed()
    return db.session.execute(
        update(Notification)
        .where(Notification.status == "sending", Notification.claimed_at <= now - timeout)
        .values(status=case((attempts >= config["NOTIFY_MAX_ATTEMPTS"], "parked"), else_="failed"),
                attempts=attempts, last_error=INTERRUPTED, next_attempt_at=now, claim_token=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def _deliver(rows, token, now, config, mailer, counts, deadline) -> None:
    # In-app rows need no delivery: being marked sent puts them in the user's centre.
    in_app = [row.id for row in rows if row.channel == "in_app"]
    if in_app:
        counts["sent"] += _finish(token, in_app, status="sent", sent_at=now)
    outside = [row for row in rows if row.channel != "in_app"]
    users = _recipients(outside)
    robots = robots_for([row for row in outside if row.channel == "webhook"], users)
    db.session.commit()  # no transaction stays open while waiting on a mail server or a webhook
    by_robot: dict[int, list] = {}
    for row in outside:
        if row.id in robots:
            by_robot.setdefault(robots[row.id].id, []).append(row)
    outside = [row for row in outside if row.id not in robots]
    for group in by_robot.values():
        if time.monotonic() >= deadline:
            _release(token, [r.id for r in group])
            db.session.commit()
            continue
        _deliver_to_robot(robots[group[0].id], group, token, now, config, users, counts)
    for index, row in enumerate(outside):
        if time.monotonic() >= deadline:  # leave the rest to the next run rather than hold them
            _release(token, [r.id for r in outside[index:]])
            db.session.commit()
            return
        try:
            _send_one(row, users.get(row.recipient_id), config, mailer)
        except DeliveryError as error:
            outcome = _record_failure(row, token, str(error), now, config)
            if outcome:
                counts[outcome] += 1
            db.session.commit()
        except UnbuildableMessage as error:  # the message itself is wrong: it fails alone, retrying cannot help
            current_app.logger.warning("notification %s cannot be built: %s", row.id, error)
            counts["parked"] += _finish(token, [row.id], status="parked", attempts=row.attempts + 1,
                                        last_error=str(error)[:2000])
            db.session.commit()
        else:
            counts["sent"] += _record_delivered(token, row.id, now, deadline)


def _deliver_to_robot(robot, rows, token, now, config, users, counts) -> None:
    """A robot's rows of this batch: one text message, or markdown digests of the burst; each message takes a
    slot of the robot's 20 a minute first (the slot is recorded before the POST). Rows past the limit wait
    for the next free slot without counting an attempt.

    A robot takes no idempotency key: a sender that dies between the POST and recording it sends that
    message again after the claim timeout (the one duplicate that cannot be avoided)."""
    items, unbuildable = [], []
    for row in rows:
        user = users.get(row.recipient_id)
        try:
            with force_locale((user.locale if user else None) or "zh"):
                title, text = render(row)
        except Exception as error:  # this row's alone
            unbuildable.append((row, f"the message could not be built: {error!r}"))
            continue
        items.append(Item(row.id, title, text, (user.phone or "") if user else ""))
    for row, reason in unbuildable:
        counts["parked"] += _finish(token, [row.id], status="parked", attempts=row.attempts + 1, last_error=reason)
    with force_locale("zh"):
        heading = str(_l("%(n)d reminders", n=len(items)))
    by_id = {row.id: row for row in rows}
    messages = messages_for(robot, items, heading) if items else []
    for index, (body, ids) in enumerate(messages):
        wait_until = take_slot(robot.id, now, len(ids))
        if wait_until is not None:
            rest = [i for _, later in messages[index:] for i in later]
            db.session.execute(update(Notification).where(Notification.id.in_(rest), Notification.claim_token == token)
                               .values(status=case((Notification.attempts > 0, "failed"), else_="pending"),
                                       claim_token=None, next_attempt_at=wait_until)
                               .execution_options(synchronize_session=False))
            db.session.commit()
            return
        db.session.commit()
        try:
            post_webhook(signed_url(robot.url, robot.secret), robot.platform, body,
                         timeout=config["NOTIFY_TIMEOUT_SECONDS"])
        except DeliveryError as error:
            for row_id in ids:
                outcome = _record_failure(by_id[row_id], token, str(error), now, config)
                if outcome:
                    counts[outcome] += 1
            db.session.commit()
            continue
        counts["sent"] += _finish(token, ids, status="sent", sent_at=now, last_error="")
        db.session.commit()


def _record_delivered(token: str, row_id: int, now: datetime, deadline: float) -> int:
    """Records a delivery, waiting out a database that blinks (a restart): while this sender
    holds the claim, a message that went out is not sent again because its result was lost.
    Only a sender that dies between delivery and this commit can cause a second delivery."""
    while True:
        try:
            changed = _finish(token, [row_id], status="sent", sent_at=now, last_error="")
            db.session.commit()
            return changed
        except OperationalError:
            db.session.rollback()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def _recipients(rows) -> dict:
    ids = {row.recipient_id for row in rows if row.recipient_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(select(
        User.id, User.username, User.display_name, User.phone, User.locale).where(User.id.in_(ids)))}


def _send_one(row, user, config, mailer: Mailer) -> None:
    try:
        with force_locale((user.locale if user else None) or "zh"):  # the reader's language, as on the pages
            title, text = render(row)
    except Exception as error:  # any failure to build the text is this row's alone
        raise UnbuildableMessage(f"the message could not be built: {error!r}") from error
    if row.channel == "email":
        mailer.send(row.recipient_key, title, text, message_id=f"notification-{row.id}")
    elif row.channel == "webhook":
        url, fmt = config.get("PROPMGMT_WEBHOOK_URL"), config.get("PROPMGMT_WEBHOOK_FORMAT", "json")
        if not url:
            raise DeliveryError("no webhook URL is configured (PROPMGMT_WEBHOOK_URL)")
        if fmt not in WEBHOOK_FORMATS:
            raise DeliveryError(f"PROPMGMT_WEBHOOK_FORMAT must be one of {', '.join(WEBHOOK_FORMATS)}, not {fmt!r}")
        name, mobile = ((user.display_name or user.username), user.phone) if user else ("", "")
        try:
            body = webhook_body(fmt, title=title, text=text, notification=row, name=name, mobile=mobile)
        except Exception as error:
            raise UnbuildableMessage(f"the webhook message could not be built: {error!r}") from error
        post_webhook(url, fmt, body, timeout=config["NOTIFY_TIMEOUT_SECONDS"], key=f"notification-{row.id}")
    else:
        raise DeliveryError(f"unknown channel {row.channel!r}")


def _record_failure(row, token: str, error: str, now: datetime, config) -> str | None:
    """Retries after 1, 2, 4, 8 ... times NOTIFY_RETRY_MINUTES (at most a day); parks after
    NOTIFY_MAX_ATTEMPTS."""
    attempts = row.attempts + 1
    outcome = "parked" if attempts >= config["NOTIFY_MAX_ATTEMPTS"] else "failed"
    delay = timedelta(minutes=min(config["NOTIFY_RETRY_MINUTES"] * 2 ** min(attempts - 1, 20), MAX_RETRY_MINUTES))
    changed = _finish(token, [row.id], status=outcome, attempts=attempts, last_error=error[:2000],
                      next_attempt_at=now + delay)
    return outcome if changed else None


def _finish(token: str, ids: list[int], **values) -> int:
    """Records a result, only for rows this sender still holds (a stopped claim may be retaken)."""
    return db.session.execute(
        update(Notification).where(Notification.id.in_(ids), Notification.claim_token == token,
                                   Notification.status == "sending")
        .values(claim_token=None, **values).execution_options(synchronize_session=False)
    ).rowcount


def _release(token: str, ids: list[int]) -> None:
    """Hands unsent rows back, as they were before the claim."""
    db.session.execute(
        update(Notification).where(Notification.id.in_(ids), Notification.claim_token == token)
        .values(status=case((Notification.attempts > 0, "failed"), else_="pending"), claim_token=None)
        .execution_options(synchronize_session=False))
