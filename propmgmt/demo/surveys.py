"""The demo's survey rounds: last quarter's, closed, answered at most compounds under fallback service, and
one open now with its first answers, so the overview, the public pages, the readiness and the assessment
show satisfaction. Rounds are opened through the services; the answers are written in bulk."""
import hashlib
import random
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import insert, select

from ..auth.models import User
from ..clock import local_to_utc, local_today
from ..compounds.models import Compound
from ..compounds.rooms import Room
from ..extensions import db
from ..surveys.models import Answer, Round, Score
from ..surveys.services import RoundData, ensure_questions, open_round, open_round_for, quarter_of, schedule_rounds

SEED = 20261203
COMMENTS = ["楼道比以前干净多了，感谢保洁师傅。", "垃圾分类督导员很认真，早上定时在桶站。",
            "希望垃圾清运再及时一些，晚上桶站有点满。", "反映的下水问题第二天就来修了，满意。",
            "绿化带里还有杂物，希望多清理。", "改造后小区变样了，希望长期保持。",
            "电动车乱停的问题还没解决。", "保洁时间能否提前到早上七点前？"]


def _overall(rng: random.Random, quality: float) -> int:
    """A household's overall score around the compound's quality (1-5)."""
    return max(1, min(5, round(rng.gauss(quality, 0.9))))


def _answers(rng, survey: Round, compounds: list[Compound], *, share: float, per_compound: tuple[int, int],
             start: datetime, end: datetime, quality: dict[int, float], rooms: dict[int, list[str]]) -> int:
    """Answers of `share` of the round's compounds, each household's scores near its compound's quality."""
    questions = survey.questions
    answers, scores = [], []
    for compound in compounds:
        if rng.random() > share:
            continue
        known = rooms.get(compound.id)
        count = min(rng.randint(*per_compound), max(1, (compound.households or 20) // 4))
        taken = set()
        for _n in range(count):
            building = rng.randint(1, max(1, compound.buildings or 4))
            room = rng.choice(known) if known else \
                f"{building}-{rng.randint(1, 3)}-{rng.randint(1, 6)}0{rng.randint(1, 4)}"
            if room in taken:
                continue
            taken.add(room)
            overall = _overall(rng, quality[compound.id])
            answers.append({"round_id": survey.id, "compound_id": compound.id, "room": room,
                            "room_verified": bool(known), "text": rng.choice(COMMENTS) if rng.random() < 0.2 else "",
                            "device_key": hashlib.sha256(f"demo:{survey.id}:{compound.id}:{room}".encode())
                            .hexdigest(),
                            "created_at": start + (end - start) * rng.random()})
            scores.append({q.id: overall if q.code == "overall" else max(1, min(5, overall + rng.choice((-1, 0, 0, 1))))
                           for q in questions})
    if not answers:
        return 0
    ids = list(db.session.scalars(insert(Answer).returning(Answer.id, sort_by_parameter_order=True), answers))
    db.session.execute(insert(Score), [{"answer_id": answer_id, "question_id": q, "score": s}
                                       for answer_id, given in zip(ids, scores) for q, s in given.items()])
    return len(ids)


def build_surveys(now: datetime) -> dict:
    """Two rounds (last quarter's, closed; one open now) with their answers; nothing when rounds exist."""
    if db.session.scalar(select(Round.id).limit(1)) is not None:
        return {"rounds": 0, "answers": 0}
    ensure_questions()
    rng = random.Random(SEED)
    today = local_today(now)
    _key, last_quarter_from, last_quarter_to = quarter_of(today - relativedelta(months=3))
    # As the scheduler opened it on the first day of the quarter's last month.
    schedule_rounds(local_to_utc(last_quarter_from, time(1)))
    past = db.session.scalar(select(Round).where(Round.starts_on == last_quarter_from, Round.origin == "quarterly"))
    current = None
    schedule_rounds(now)
    served = list(db.session.scalars(select(Compound).where(Compound.management_mode == "fallback")
                                     .order_by(Compound.id)))
    if served:
        current = open_round_for(served[0], today)
        if current is None:
            official = db.session.scalar(select(User).where(User.username == "official"))
            current = open_round(official, RoundData("冬季服务满意度调查", today - timedelta(days=2),
                                                     today + timedelta(days=27), "fallback"), now=now)
    quality = {c.id: rng.choice((4.3, 4.0, 3.8, 3.4, 2.6)) for c in served}
    rooms: dict[int, list[str]] = {}
    for compound_id, room in db.session.execute(select(Room.compound_id, Room.room)):
        rooms.setdefault(compound_id, []).append(room)
    count = 0
    if past is not None:
        count += _answers(rng, past, list(past.compounds), share=0.85, per_compound=(6, 24),
                          start=local_to_utc(last_quarter_from, time(8)), end=local_to_utc(last_quarter_to, time(20)),
                          quality=quality | {c.id: 3.8 for c in past.compounds if c.id not in quality}, rooms=rooms)
    if current is not None:
        started = max(local_to_utc(current.starts_on, time(8)), now - timedelta(days=2))
        count += _answers(rng, current, list(current.compounds), share=0.35, per_compound=(2, 8), start=started,
                          end=now - timedelta(minutes=5),
                          quality={c.id: quality.get(c.id, 3.8) + 0.2 for c in current.compounds}, rooms=rooms)
    db.session.flush()
    return {"rounds": int(past is not None) + int(current is not None), "answers": count}
