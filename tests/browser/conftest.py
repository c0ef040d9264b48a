"""A live server on its own SQLite database with the demo district, and Debian's chromium."""
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig
from propmgmt import create_app
from propmgmt.clock import utcnow
from propmgmt.demo.seed import seed_demo
from propmgmt.extensions import db
from propmgmt.plans.generation import generate_tasks, horizon_end

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TABLET = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def live_db(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("live") / "live.sqlite3")


@pytest.fixture(scope="session")
def live_app(live_db, tmp_path_factory):
    """The demo district, with today's and tomorrow's tasks, on its own SQLite file."""
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{live_db}"
        LOGIN_MAX_FAILURES = 50
        UPLOAD_DIR = str(tmp_path_factory.mktemp("live-uploads"))

    app = create_app(Config)
    with app.app_context():
        upgrade()
        seed_demo("district", now=utcnow())
        db.session.commit()
        generate_tasks(horizon_end(utcnow(), 1), now=utcnow())
        db.session.commit()
        db.session.remove()
    return app


class Served:
    """The paths of the requests that reached the live server (not those a cache answered): what a
    tablet sends over the wire."""

    def __init__(self, wsgi_app):
        self.wsgi_app, self.paths, self.answers = wsgi_app, [], []  # answers: (path, status)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        self.paths.append(path)

        def answered(status, headers, exc_info=None):
            self.answers.append((path, int(status.split()[0])))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, answered)


@pytest.fixture(scope="session")
def served(live_app) -> Served:
    return Served(live_app.wsgi_app)


@pytest.fixture(scope="session")
def live_server(live_app, served):
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    assert executable, "chromium is missing: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_at(browser):
    """page_at(viewport) -> a fresh page; console errors are collected on page.errors."""
    pages = []

    def open_page(viewport=TABLET):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        pages.append(context)
        return page

    yield open_page
    for context in pages:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, username: str, password: str = "demo1234") -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():  # the answer (the next page, or the form again) has loaded
        page.click("button[type=submit]")


RECORDS = ("**/field/**", "**/assessment/**")  # the apps that queue their records offline


def _no_signal(route) -> None:
    if route.request.method == "GET":
        route.fallback()
    else:
        route.abort("internetdisconnected")


def lose_signal(context) -> None:
    """The tablet loses its signal. Chromium's offline emulation does not cover every request of a page a
    service worker controls (microsoft/playwright#2311: a record's POST could still reach the server), so
    the records sent meanwhile are also refused as a lost connection refuses them."""
    context.set_offline(True)
    for records in RECORDS:
        context.route(records, _no_signal)


def regain_signal(context) -> None:
    for records in RECORDS:
        context.unroute(records, _no_signal)
    context.set_offline(False)


def go_by_menu(page, text: str) -> None:
    """Clicks the menu bar's entry `text`, opening its group first when it is in one (navigation.MENU)."""
    entry = page.locator("nav.mainnav a", has_text=text).first
    group = page.locator("nav.mainnav details.navgroup", has=page.locator("a", has_text=text))
    if group.count() and not entry.is_visible():
        group.first.locator("summary").click()
    entry.click()


def wait_until(page, expression: str, timeout: float = 15) -> None:
    """Polls a JS expression (wait_for_function would need 'unsafe-eval', which our CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(200)


def open_windows(live_app, operator_name="operator", count=4, opened=timedelta(minutes=10),
                 left=timedelta(hours=3)) -> list[int]:
    """Moves the operator crew's next scheduled tasks to windows open now, so they can be done today."""
    from propmgmt.auth.models import User
    from propmgmt.plans.models import Task
    now = utcnow()
    with live_app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == operator_name))
        tasks = db.session.scalars(db.select(Task).where(Task.crew_id == user.crew_id, Task.status == "scheduled")
                                   .order_by(Task.window_start).limit(count)).all()
        for i, task in enumerate(tasks):
            task.window_start = now - opened + timedelta(seconds=i)
            task.window_end = now + left
        db.session.commit()
        ids = [t.id for t in tasks]
        db.session.remove()
    return ids
