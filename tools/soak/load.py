"""The operators' tablets: each signs in, opens its day and completes its crew's open tasks through
the field app's sync endpoint, with an idempotency key per record, as the offline queue does. A record
without an answer (a killed worker, the database restarting) is sent again with the same key until
it is answered; some are sent again after their answer, or twice at once, to test the replay path.
"""
import http.client
import io
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text

from ..bench.loadgen import multipart

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')
RETRY_STATUSES = (502, 503, 504)


@dataclass
class Response:
    started: float
    finished: float
    method: str
    path: str
    status: int | None  # None: no answer (connection refused, reset or timed out)
    body: bytes = b""
    headers: dict = field(default_factory=dict)


@dataclass
class Record:
    """One completion as the tablet queued it, and its final answer."""
    key: str
    task_id: int
    user_id: int
    tries: int = 0
    status: int | None = None
    body: bytes = b""
    replayed: int = 0
    replay_mismatches: int = 0
    race_mismatches: int = 0
    raced: bool = False


class Traffic:
    """Every request of every tablet, for the 5xx count, and every record sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.responses: list[Response] = []
        self.records: list[Record] = []

    def add(self, response: Response) -> None:
        with self.lock:
            self.responses.append(response)


def photo_bytes() -> bytes:
    from PIL import Image
    image = Image.new("RGB", (160, 120), (90, 140, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()



class Tablet:
    """One operator's tablet: its own cookies, like a browser."""

    def __init__(self, port: int, username: str, password: str, traffic: Traffic):
        self.port, self.username, self.password, self.traffic = port, username, password, traffic
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.time()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            for value in answer.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            response = Response(started, time.time(), method, path, answer.status, data, dict(answer.headers))
        except (OSError, http.client.HTTPException):
            response = Response(started, time.time(), method, path, None)
        finally:
            connection.close()
        self.traffic.add(response)
        return response

    def _token(self, response: Response) -> None:
        match = CSRF_RE.search(response.body.decode("utf-8", "replace"))
        if match:
            self.csrf = match.group(1) or match.group(2)

    def sign_in(self, until: float) -> bool:
        while time.time() < until:
            page = self.request("GET", "/login")
            if page.status == 200:
                self._token(page)
                body = (f"username={self.username}&password={self.password}&csrf_token={self.csrf}").encode()
                answer = self.request("POST", "/login", body,
                                      {"Content-Type": "application/x-www-form-urlencoded"})
                if answer.status == 302:
                    day = self.request("GET", "/field")
                    if day.status == 200:
                        self._token(day)
                        return True
            time.sleep(0.5)
        return False

    def open_day(self) -> None:
        day = self.request("GET", "/field")
        if day.status == 200:
            self._token(day)

    def send(self, record: Record, checklist: list[str], photo: bytes) -> Response:
        fields = [("csrf_token", self.csrf), ("note", "soak")] + [("check", item) for item in checklist]
        body, content_type = multipart(fields, [("photos", "evidence.jpg", photo)])
        return self.request("POST", f"/field/tasks/{record.task_id}/complete", body, {
            "Content-Type": content_type, "Accept": "application/json", "X-Idempotency-Key": record.key,
            "X-CSRFToken": self.csrf})


def _answered(response: Response) -> bool:
    """A final answer: anything but no answer, a 5xx to retry, or 'the same key is being processed'."""
    if response.status is None or response.status in RETRY_STATUSES:
        return False
    return not (response.status == 409 and b"already being processed" in response.body)


class Crew:
    """The tablets of one crew; they share the crew's open tasks (each task goes to one tablet)."""

    def __init__(self, crew_id: int, engine, clock, options, traffic, rng):
        self.crew_id, self.engine, self.clock = crew_id, engine, clock
        self.options, self.traffic, self.rng = options, traffic, rng
        self.taken: set[int] = set()
        self.lock = threading.Lock()

    def open_tasks(self) -> list[tuple[int, list[str]]]:
        """The crew's tasks whose window has opened, not done yet (what /field lists as to do now)."""
        now = self.clock.now()
        with self.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT t.id, s.checklist FROM task t LEFT JOIN service_standard s ON s.id = t.standard_id "
                "WHERE t.crew_id = :crew AND t.status IN ('scheduled', 'in_progress') "
                "AND t.window_start <= :now AND t.window_end > :now ORDER BY t.window_start, t.id"),
                {"crew": self.crew_id, "now": now}).all()
        return [(task_id, checklist if isinstance(checklist, list) else []) for task_id, checklist in rows]

    def take(self, task_id: int) -> bool:
        with self.lock:
            if task_id in self.taken:
                return False
            self.taken.add(task_id)
            return True


def run_tablet(crew: Crew, tablet: Tablet, user_id: int, stop: threading.Event, give_up_at: list[float],
               photo: bytes) -> None:
    """Works until `stop`; then keeps resending unanswered records until `give_up_at[0]`."""
    rng = random.Random(crew.rng.random())
    if not tablet.sign_in(until=give_up_at[0]):
        return
    pending: list[tuple[Record, list[str]]] = []
    tasks: list = []
    while not stop.is_set() or (pending and time.time() < give_up_at[0]):
        if not stop.is_set():
            tablet.open_day()
            tasks = []
            try:
                tasks = crew.open_tasks()
            except Exception:  # the database is restarting: the tablet just has nothing new
                tasks = []
            for task_id, checklist in tasks:
                if crew.take(task_id):
                    record = Record(key=uuid.uuid4().hex, task_id=task_id, user_id=user_id)
                    with crew.traffic.lock:
                        crew.traffic.records.append(record)
                    pending.append((record, checklist))
                    break  # one at a time, as an operator works
        still = []
        for record, checklist in pending:
            _deliver(crew, tablet, record, checklist, photo, rng)
            if record.status is None:
                still.append((record, checklist))
        pending = still
        time.sleep(0.3 if pending else 0.2 if tasks else 1.0)


def _deliver(crew, tablet, record, checklist, photo, rng) -> None:
    record.tries += 1
    if record.tries == 1 and rng.random() < crew.options.race_share:  # the queue syncs twice at once
        record.raced = True
        answers = []
        twin = threading.Thread(target=lambda: answers.append(tablet.send(record, checklist, photo)))
        twin.start()
        answers.append(tablet.send(record, checklist, photo))
        twin.join()
        final = [a for a in answers if _answered(a)]
        if len({(a.status, a.body) for a in final}) > 1:  # one record, two different answers
            record.race_mismatches += 1
        response = final[0] if final else answers[0]
    else:
        response = tablet.send(record, checklist, photo)
    if response.status == 400 and b"csrf" in response.body:  # the session went away: sign in again
        tablet.sign_in(until=time.time() + 30)
        return
    if not _answered(response):
        return
    record.status, record.body = response.status, response.body
    if response.status == 200 and rng.random() < crew.options.replay_share:  # the answer was "lost"
        again = tablet.send(record, checklist, photo)
        while not _answered(again) and time.time() < response.finished + 30:
            time.sleep(0.3)
            again = tablet.send(record, checklist, photo)
        if _answered(again):
            record.replayed += 1
            if (again.status, again.body) != (response.status, response.body):
                record.replay_mismatches += 1
