"""Every form of every page gets hostile values: no 500, nothing half-written, nothing unescaped.

The forms are read from the pages themselves (so a new form is fuzzed without touching this file)
and posted back as the role that may use them: once with every field hostile, and once per field
with the rest as the page filled them in. A refused submission (4xx, or an error message) must
leave every table as it was; an accepted one stores the text as given and the pages show it escaped.
(A form shown again with its errors at 200 is not recognised as a refusal; its writes are not checked.)
"""
import io
import itertools
from urllib.parse import urlsplit

import pytest
from sqlalchemy import String, select, text

from propmgmt.extensions import db as _db

from ..factories import PASSWORD
from ..test_access import ACCESS, PUBLIC
from .world import build_world, extra_pages, forms_on, route_values, url_for_rule

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE = {
    "long": "长" * 10_000,
    "script": SCRIPT,
    "nul": "a\x00b",
    "emoji": "🧹🏚️👩‍👩‍👧‍👦",
    "mojibake": "鍥涘窛",  # 四川 as GBK bytes read as UTF-8, and back: what a wrong import looks like
    "latin1": "ËÄ´¨",  # the same bytes read as Latin-1
    "negative": "-1",
    "huge": "99999999999999999999999",
    "nan": "NaN",
    "infinity": "Infinity",
    "superscript": "²",
    "bad_date": "2026-02-30",
    "empty": "",
}
FILES = {"gbk.csv": "小区名称,户数\n印刷厂小区,-5\n".encode("gbk"), "nul.csv": b"a,b\n\x00\x00,1\n",
         "script.csv": f"{SCRIPT},{'长' * 5000}\n".encode(), "empty.xlsx": b""}
# Rows these tables gain on a refused submission are the refusal's own record, not half-done work.
REFUSAL_RECORDS = {"login_attempt", "report_hit"}
# Signing in and out between submissions starts and ends sessions: not the submissions' work.
SIGN_IN_RECORDS = {"user_session"}
# Routes the world gives a real object (a consultation, a supervision note, a survey round and its questions):
# they must be attacked on that object, not only answer 404.
REAL_OBJECT_ROUTES = ("residents_renovation.consult", "renovation_voice.close", "renovation_voice.plan_change",
                      "renovation_voice.answer", "survey_public.answer", "surveys.close", "surveys.edit",
                      "surveys.question_active")


def _role_for(endpoint: str) -> str | None:
    allowed = ACCESS[endpoint]
    if allowed == PUBLIC:
        return None
    for role in ("admin", "operator", "firm"):
        if role in allowed:
            return role
    return sorted(allowed)[0]


def snapshot() -> dict[str, object]:
    """Every table's rows (left out: the records a refusal or a sign-in makes itself), to compare."""
    tables = [t for t in _db.metadata.sorted_tables if t.name not in REFUSAL_RECORDS | SIGN_IN_RECORDS]
    quote = _db.engine.dialect.identifier_preparer.quote
    if _db.engine.dialect.name == "postgresql":  # one statement, not one per table: a round trip each
        return dict(_db.session.execute(text(" UNION ALL ".join(
            f"SELECT '{t.name}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {quote(t.name)} r"
            for t in tables))).all())
    # SQLite: each table's rows as one string, in one statement (no rows through Python).
    rows = {t.name: " || ',' || ".join(f"quote({quote(c.name)})" for c in t.columns) for t in tables}
    return dict(_db.session.execute(text(" UNION ALL ".join(
        f"SELECT '{name}', (SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {quote(name)} ORDER BY 1))"
        for name, row in rows.items()))).all())


class Fuzzer:
    def __init__(self, app, client, world):
        self.app, self.client, self.world = app, client, world
        self.values = route_values(world)
        self.role: str | None = None
        self.failures: list[str] = []
        self.requests = 0
        self.statuses: dict[str, set[int]] = {}  # endpoint -> the statuses its posts answered
        self.before = None
        self.escaped_pages = 0

    def sign_in(self, role: str | None):
        self.client.post("/logout")
        if role:
            response = self.client.post("/login", data={"username": self.world[role].username, "password": PASSWORD})
            assert response.status_code == 302, role
        self.role = role

    def crawl(self, roles) -> dict[str, list]:
        """action path -> the forms posting there, from every page each role can open about each object."""
        forms: dict[str, list] = {}
        for role in roles:
            self.sign_in(role)
            seen = set()
            for rule in self.app.url_map.iter_rules():
                allowed = ACCESS[rule.endpoint]
                if ("GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")) or "photo" in rule.rule
                        or rule.endpoint == "auth.logout" or not (allowed == PUBLIC or role in allowed)):
                    continue
                for values in self.values.values():  # the page of every object the routes act on
                    url = url_for_rule(rule, {"*": values})
                    if url in seen:
                        continue
                    seen.add(url)
                    response = self.client.get(url)
                    html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
                    if SCRIPT in html:
                        self.failures.append(f"GET {url} as {role or 'anonymous'}: the script is in the page unescaped")
                    self.escaped_pages += ESCAPED in html
                    if response.status_code == 200:
                        for form in forms_on(url, html):
                            forms.setdefault(urlsplit(form.action).path, []).append(form)
            for url in extra_pages(self.world) if role else ():
                html = self.client.get(url).get_data(as_text=True)
                for form in forms_on(url, html):
                    forms.setdefault(urlsplit(form.action).path, []).append(form)
            self.sign_in(None)
        return forms

    def post(self, url: str, data: dict, where: str, files: dict | None = None, endpoint: str = ""):
        if self.role and self.client.get_cookie("session") is None:
            self.sign_in(self.role)
        before = self.before = self.before or snapshot()  # still valid after a refusal: it changed nothing
        payload = dict(data)
        for name, (filename, content) in (files or {}).items():
            payload[name] = (io.BytesIO(content), filename)
        self.requests += 1
        try:
            response = self.client.post(url, data=payload, content_type="multipart/form-data" if files else None)
        except Exception as error:  # TESTING propagates what would be a 500
            _db.session.rollback()
            self.failures.append(f"{where}: {type(error).__name__}: {str(error)[:300]}")
            self.before = None
            return
        self.statuses.setdefault(endpoint, set()).add(response.status_code)
        if response.status_code >= 500:
            self.failures.append(f"{where}: {response.status_code}")
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if SCRIPT in body:
            self.failures.append(f"{where}: the script is in the page unescaped")
        with self.client.session_transaction() as session:
            refused_by_message = any(category == "error" for category, _ in session.pop("_flashes", []))
        if response.status_code >= 400 or refused_by_message:
            after = snapshot()
            changed = [name for name in before if before[name] != after[name]]
            if changed:
                self.failures.append(f"{where}: refused ({response.status_code}) but wrote to {changed}")
                self.before = None
        else:
            self.before = None  # accepted: the next request starts from a new state
        if "/login" in response.headers.get("Location", ""):
            self.sign_in(self.role)


def _variants(form_fields: dict[str, list[str]], files: list[str], one_at_a_time: bool = True):
    """(label, data, files): every field hostile at once, then one field at a time among defaults."""
    defaults = {name: values for name, values in form_fields.items() if name != "csrf_token"}
    for kind, value in HOSTILE.items():
        data = {name: value for name in defaults}
        upload = {name: (f"{kind}.csv", value.encode("utf-8", "surrogatepass")) for name in files}
        yield kind, data, upload
    for filename, content in FILES.items():
        if files:
            yield filename, defaults, {name: (filename, content) for name in files}
    others = itertools.cycle([kind for kind in HOSTILE if kind not in ("script", "emoji")])
    for name in defaults if one_at_a_time else ():
        for kind in ("script", "emoji", next(others)):
            yield f"{name}={kind}", defaults | {name: HOSTILE[kind]}, {}


@pytest.fixture
def fuzzer(app, client, db, setting, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # what is fuzzed here is the form, not its token
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 10_000)  # the sign-in form is fuzzed too
    return Fuzzer(app, client, build_world(db, setting, app.config["UPLOAD_DIR"]))


@pytest.mark.timeout(900)  # every form of the app, hundreds of posts: 140 s on a quiet machine, 300-420 s busy
def test_every_form_survives_hostile_input(app, fuzzer):
    forms = fuzzer.crawl(["admin", "operator", "firm_user", None])
    every_field = {}
    for found in forms.values():
        for form in found:
            every_field.update(form.fields)
    posted = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        url = url_for_rule(rule, fuzzer.values)
        found = forms.get(urlsplit(url).path, [])
        fields = {name: values for form in found for name, values in form.fields.items()}
        files = sorted({name for form in found for name in form.files})
        role = _role_for(rule.endpoint)
        fuzzer.sign_in({"operator": "operator", "firm": "firm_user"}.get(role, role))
        for label, data, upload in _variants(fields or every_field, files, one_at_a_time=bool(fields)):
            fuzzer.post(url, data, f"POST {url} as {role or 'anonymous'} [{label}]", upload, rule.endpoint)
        posted.add(rule.endpoint)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)
    assert {e: fuzzer.statuses[e] for e in REAL_OBJECT_ROUTES if fuzzer.statuses[e] <= {404}} == {}
    assert len(posted) >= 40 and fuzzer.requests > 600

    # What was accepted is stored as typed, and every page shows it as text.
    for kind in ("script", "emoji", "mojibake"):
        assert _stored_verbatim(HOSTILE[kind]), kind
    fuzzer.crawl(["admin", "operator", "firm_user", None])
    assert fuzzer.escaped_pages > 0
    assert not fuzzer.failures, "\n".join(fuzzer.failures)


def _stored_verbatim(text: str) -> list[str]:
    """table.column of every text column of the domain that holds exactly `text`."""
    found = []
    for table in _db.metadata.sorted_tables:
        if table.name in ("login_attempt", "audit_entry", "field_submission"):
            continue  # records of the attempt, not what a page shows
        for column in table.columns:
            if isinstance(column.type, String) and _db.session.scalar(
                    select(column).where(column == text).limit(1)) is not None:
                found.append(f"{table.name}.{column.name}")
    return found
