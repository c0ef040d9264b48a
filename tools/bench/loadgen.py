"""The load generator behind `flask --app app load`: closed-loop virtual users over plain
http.client, in a few processes (one Python process alone would be the bottleneck against the
hello-world ceiling), each recording every request's latency by endpoint.

Nothing here knows Flask or the database: the command (load.py) hands over signed-in sessions,
task ids and public codes, and gets back one Stats per endpoint.
"""
import gzip
import http.client
import io
import json
import multiprocessing
import random
import re
import statistics
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

USER_AGENT = "propmgmt-load/1 (tablet)"  # one per session: Flask-Login's "strong" protection checks it
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
# The day page's task links as field.js reads them (a.task-link[data-v]), and its day (the report page's version)
TASK_LINK = re.compile(rb'<a\b[^>]*\bclass="task-link"[^>]*>')
HREF, DATA_V = re.compile(rb'\bhref="([^"]+)"'), re.compile(rb'\bdata-v="([^"]*)"')
DATA_DAY = re.compile(rb'\bdata-day="([^"]*)"')
REPORT_PAGE = "/field/report"
PAGES_HEADERS = {"Accept": "*/*"}  # as fetch() asks
TIMEOUT = 60  # seconds; gunicorn's own timeout kills a worker at 60 s anyway


class LoadError(Exception):
    pass


@dataclass
class Session:
    """A signed-in user as the client holds it: cookies, and for operators the page's CSRF token
    and the tasks this session may complete (each handed to exactly one session)."""
    username: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    tasks: list[tuple[int, list[str]]] = field(default_factory=list)  # (task id, checklist items)
    versions: dict[str, str] = field(default_factory=dict)  # the tablet's offline cache: page -> version
    day_page: bytes = b""  # the browser's copy of /field and its ETag, sent back as If-None-Match
    day_etag: str = ""
    first_visit_ms: float | None = None  # the first visit's GET /field/pages, made at sign-in

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def take(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
            else:  # an emptied cookie is a removed one
                self.cookies.pop(name.strip(), None)


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    samples: list[str] = field(default_factory=list)  # a few failures, for the report
    not_modified: int = 0  # answered 304: the browser's copy was current

    def add(self, other: "Stats") -> None:
        self.latencies_ms += other.latencies_ms
        self.failures += other.failures
        self.not_modified += other.not_modified
        self.samples += other.samples[: max(0, 5 - len(self.samples))]

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.failures

    def percentile(self, p: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


class Client:
    """One keep-alive-if-possible connection (gunicorn's sync workers close it after each response)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)

    def request(self, method: str, path: str, session: Session | None = None, body: bytes | None = None,
                headers: dict | None = None, decode: bool = False) -> tuple[int, bytes, http.client.HTTPResponse]:
        """(status, body, response); the body as sent (compressed) unless `decode`."""
        sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate, br",
                "Accept": "text/html,application/xhtml+xml", **(headers or {})}
        if session is not None and session.cookies:
            sent["Cookie"] = session.cookie_header()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new one
            raise
        if session is not None:
            session.take(response)
        if response.will_close:
            self.connection.close()
        if decode:
            data = _decoded(data, response.headers.get("Content-Encoding", ""))
        return response.status, data, response


def _decoded(data: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        import brotli
        return brotli.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    return data


def sign_in(host: str, port: int, username: str, password: str, *, operator: bool) -> Session:
    """POST /login as the browser does (with the form's CSRF token); operators then open /field for
    the page's CSRF token, which the tablet's script sends with every submission."""
    client, session = Client(host, port), Session(username)
    status, body, _r = client.request("GET", "/login", session, decode=True)
    token = CSRF_INPUT.search(body) if status == 200 else None
    if token is None:
        raise LoadError(f"GET /login answered {status} without a CSRF token")
    form = f"username={username}&password={password}&csrf_token={token.group(1).decode()}".encode()
    status, _b, response = client.request("POST", "/login", session, form, {
        "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{host}:{port}/login"})
    if status != 302 or "/login" in (response.headers.get("Location") or ""):
        raise LoadError(f"signing in as {username} failed: {status}")
    if operator:
        status, body, response = client.request("GET", "/field", session, decode=True)
        token = CSRF_META.search(body) if status == 200 else None
        if token is None:
            raise LoadError(f"GET /field as {username} answered {status} without a CSRF token")
        session.csrf = token.group(1).decode()
        session.day_page, session.day_etag = body, response.headers.get("ETag") or ""
        warm_cache(lambda address: _first_pages(client, session, address), session, body)
    return session


def _first_pages(client: Client, session: Session, address: str) -> bytes:
    """The first visit's GET /field/pages (every page of the day), timed into the session."""
    started = time.perf_counter()
    status, data, _r = client.request("GET", address, session, headers=PAGES_HEADERS, decode=True)
    if status != 200 or b'"pages":' not in data.replace(b" ", b""):
        raise LoadError(f"{address} as {session.username} answered {status}: {data[:200]!r}")
    session.first_visit_ms = (time.perf_counter() - started) * 1000
    return data


def warm_cache(fetch, session: Session, day_page: bytes) -> None:
    """What field.js warmCache() does after a day page: one GET /field/pages for the task pages (and the
    report page) whose version differs from the copy this tablet's cache holds, none if none does; the
    cache then holds the versions of the pages it got. `fetch(address)`: the answer's body, or None."""
    address, kept, stale = stale_pages(day_page, session.versions)
    if address is not None:
        data = fetch(address)
        if data is not None:
            try:
                kept.update({url: stale[url] for url in json.loads(data)["pages"] if url in stale})
            except (ValueError, KeyError, TypeError):
                pass
    session.versions = kept


def sample_photo() -> bytes:
    """A photo as the tablet sends it: its script scales to 1,600 px and encodes JPEG at 0.8."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(7)
    image = Image.effect_noise((1600, 1200), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):  # some shapes, so it compresses like a picture and not like noise
        x, y = rng.randrange(1600), rng.randrange(1200)
        draw.rectangle((x, y, x + rng.randrange(50, 400), y + rng.randrange(50, 300)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: image/jpeg\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


@dataclass
class Plan:
    """What one client process runs: its virtual users, each with its own operators."""
    host: str
    port: int
    mix: dict[str, int]  # endpoint label -> weight; labels from ENDPOINTS
    users: list[list[Session]]  # per virtual user, the operator sessions it owns
    official: Session | None
    public_codes: list[str]
    start_at: float  # time.time() when every process starts sending
    warmup: float
    duration: float
    seed: int = 0


FIELD, PAGES, COMPLETE, OVERSIGHT, PUBLIC, HELLO = (
    "GET /field", "GET /field/pages", "POST /field/tasks/<id>/complete", "GET /oversight", "GET /r/<public_code>",
    "GET / (bare Flask)")
ENDPOINTS = (FIELD, PAGES, COMPLETE, OVERSIGHT, PUBLIC)  # PAGES follows FIELD as the tablet sends it


def stale_pages(day_page: bytes, held: dict[str, str]) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """field.js warmCache() over a day page: (the /field/pages address to ask, or None when every page
    is current; the versions still current; the stale pages with their new versions). `held`: the
    versions of the pages the tablet's cache holds (page path -> data-v)."""
    links = {}
    for tag in TASK_LINK.findall(day_page):
        href, version = HREF.search(tag), DATA_V.search(tag)
        if href and version:
            links[urlsplit(href.group(1).decode()).path] = version.group(1).decode()
    day = DATA_DAY.search(day_page)
    links[REPORT_PAGE] = day.group(1).decode() if day else ""  # the report page's list is the day's compounds
    kept = {url: v for url, v in links.items() if held.get(url) == v}
    stale = {url: v for url, v in links.items() if held.get(url) != v}
    if not stale:
        return None, kept, {}
    ids = [url.rsplit("/", 1)[-1] for url in stale if url != REPORT_PAGE]
    return "/field/pages?ids=" + ",".join(ids) + ("&report=1" if REPORT_PAGE in stale else ""), kept, stale


class VirtualUser:
    def __init__(self, plan: Plan, operators: list[Session], rng: random.Random, photo: bytes, index: int = 0):
        self.plan, self.operators, self.rng, self.photo = plan, operators, rng, photo
        self.index = index  # which endpoint of the mix this user measures first
        self.client = Client(plan.host, plan.port)
        self.official = Session(plan.official.username, dict(plan.official.cookies)) if plan.official else None
        self.stats: dict[str, Stats] = {}

    def next_request(self, label: str):
        """(method, path, session, body, headers, check) for one request of this kind."""
        if label == FIELD:  # as the browser asks again for the page it holds
            session = self.rng.choice(self.operators)
            asks_again = {"If-None-Match": session.day_etag} if session.day_etag else None
            return "GET", "/field", session, None, asks_again, None
        if label == OVERSIGHT:
            return "GET", "/oversight", self.official, None, None, None
        if label == PUBLIC:
            return "GET", f"/r/{self.rng.choice(self.plan.public_codes)}", None, None, None, None
        if label == HELLO:
            return "GET", "/", None, None, None, None
        # A completion as the tablet's offline queue sends it: every checklist item ticked, one photo.
        with_tasks = [s for s in self.operators if s.tasks]
        if not with_tasks:
            raise LoadError("no task left to complete (raise --operators, or rebuild the database)")
        session = self.rng.choice(with_tasks)
        task_id, checklist = session.tasks.pop()
        key = uuid.uuid4().hex
        body, content_type = multipart(
            [("check", item) for item in checklist] +
            [("note", ""), ("key", key), ("offline", "0"),
             ("device_time", datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"))],
            [("photos", "photo-1.jpg", self.photo)])
        headers = {"Content-Type": content_type, "Accept": "application/json", "X-CSRFToken": session.csrf,
                   "X-Idempotency-Key": key, "Referer": f"http://{self.plan.host}:{self.plan.port}/field"}
        return "POST", f"/field/tasks/{task_id}/complete", session, body, headers, b'"status":"done"'

    def run(self) -> None:
        plan = self.plan
        labels, weights = list(plan.mix), list(plan.mix.values())
        measure_from = plan.start_at + plan.warmup
        stop_at = measure_from + plan.duration
        while time.time() < plan.start_at:
            time.sleep(0.01)
        # The first measured requests go round the mix, each user starting at its own endpoint, so a
        # short run on a busy machine still measures every endpoint; then the mix's weights decide.
        first_round = labels[self.index % len(labels):] + labels[:self.index % len(labels)]
        while time.time() < stop_at:
            if first_round and time.time() >= measure_from:
                label = first_round.pop(0)
            else:
                label = self.rng.choices(labels, weights)[0]
            try:
                method, path, session, body, headers, expect = self.next_request(label)
            except LoadError as error:
                self._failed(label, time.time(), str(error))
                time.sleep(0.1)
                continue
            data = self._send(label, method, path, session, body, headers, expect,
                              decode=expect is not None or label == FIELD)
            if label == FIELD and data is not None:
                warm_cache(lambda address, session=session: self._send(
                    PAGES, "GET", address, session, None, PAGES_HEADERS, b'"pages":', decode=True), session, data)

    def _send(self, label, method, path, session, body, headers, expect, *, decode) -> bytes | None:
        """One request, timed and counted under `label` once the warm-up is over; its (decoded) body
        when it succeeded, else None."""
        measure_from = self.plan.start_at + self.plan.warmup
        started_wall, started = time.time(), time.perf_counter()
        data = None
        revalidated = False
        try:
            status, data, response = self.client.request(method, path, session, body, headers, decode=decode)
            if label == FIELD and status == 200:  # the browser keeps the page with its version
                session.day_page, session.day_etag = data, response.headers.get("ETag") or ""
            elif label == FIELD and status == 304 and session.day_page:  # and shows the copy it holds
                status, data, revalidated = 200, session.day_page, True
            problem = None if status == 200 else f"{status} {path}"
            if problem is None and expect is not None and expect not in data.replace(b" ", b""):
                problem = f"{status} {path}: {data[:200]!r}"
        except (OSError, http.client.HTTPException) as error:
            problem = f"{type(error).__name__} {path}: {error}"
        elapsed_ms = (time.perf_counter() - started) * 1000
        if started_wall >= measure_from:  # warming up: not counted
            if problem is None:
                stats = self.stats.setdefault(label, Stats())
                stats.latencies_ms.append(elapsed_ms)
                stats.not_modified += revalidated
            else:
                self._failed(label, started_wall, problem)
        return data if problem is None else None

    def _failed(self, label: str, when: float, problem: str) -> None:
        if when < self.plan.start_at + self.plan.warmup:
            return
        stats = self.stats.setdefault(label, Stats())
        stats.failures += 1
        if len(stats.samples) < 5:
            stats.samples.append(problem)


def run_plan(plan: Plan) -> dict[str, Stats]:
    """Runs one process's virtual users in threads until the plan's end; merged stats by endpoint."""
    photo = sample_photo() if COMPLETE in plan.mix else b""
    users = [VirtualUser(plan, operators, random.Random(plan.seed * 1000 + n), photo, index=n)
             for n, operators in enumerate(plan.users)]
    threads = [threading.Thread(target=user.run, daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged: dict[str, Stats] = {}
    for user in users:
        for label, stats in user.stats.items():
            merged.setdefault(label, Stats()).add(stats)
    return merged


def _process_main(plan: Plan, queue) -> None:
    try:
        queue.put(("ok", run_plan(plan)))
    except BaseException as error:  # the parent reports it
        queue.put(("error", f"{type(error).__name__}: {error}"))


def run_processes(plans: list[Plan]) -> dict[str, Stats]:
    """One process per plan (forked: the sessions are already in memory); merged stats."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_process_main, args=(plan, queue), daemon=True) for plan in plans]
    for process in processes:
        process.start()
    merged: dict[str, Stats] = {}
    errors = []
    deadline = max(p.start_at + p.warmup + p.duration for p in plans) + TIMEOUT + 30
    for _ in processes:
        kind, result = queue.get(timeout=max(1.0, deadline - time.time()))
        if kind == "error":
            errors.append(result)
            continue
        for label, stats in result.items():
            merged.setdefault(label, Stats()).add(stats)
    for process in processes:
        process.join(timeout=10)
    if errors:
        raise LoadError("a load process failed: " + "; ".join(errors))
    return merged


def split(items: list, parts: int) -> list[list]:
    """`items` dealt round-robin into `parts` lists."""
    return [items[n::parts] for n in range(parts)]


COLUMNS = (("endpoint", "<", 32), ("requests", ">", 9), ("req/s", ">", 8), ("p50 ms", ">", 7),
           ("p95 ms", ">", 7), ("p99 ms", ">", 7), ("failures", ">", 8), ("app p50", ">", 8), ("app p95", ">", 8))


def table(rows: list[tuple[str, Stats] | None], duration: float,
          app_ms: dict[str, list[float]] | None = None) -> list[str]:
    """The report's lines: a header, then one line per (label, stats); None draws a rule.
    `app_ms`: per label, the server's own times (its request log), for the last two columns."""
    def line(cells):
        return "  ".join(f"{cell:{align}{width}}" for cell, (_n, align, width) in zip(cells, COLUMNS)).rstrip()

    rule = line(["-" * width for _n, _a, width in COLUMNS])
    lines = [line([name for name, _a, _w in COLUMNS]), rule]
    for row in rows:
        if row is None:
            lines.append(rule)
            continue
        label, stats = row
        app = Stats((app_ms or {}).get(label, []))
        lines.append(line([label, f"{stats.requests:,}", f"{stats.requests / duration:,.1f}",
                           *(f"{stats.percentile(p):,.0f}" if stats.latencies_ms else "-" for p in (50, 95, 99)),
                           f"{stats.failures:,}",
                           *(f"{app.percentile(p):,.0f}" if app.latencies_ms else "-" for p in (50, 95))]))
    return lines


def total(stats: dict[str, Stats]) -> Stats:
    merged = Stats()
    for item in stats.values():
        merged.add(item)
    return merged
