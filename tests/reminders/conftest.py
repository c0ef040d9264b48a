"""Real outside parties for the sender: an SMTP server (aiosmtpd) and a webhook receiver
(http.server), both on 127.0.0.1, each in its own thread; and a port where nothing listens.
"""
import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on (it was free a moment ago; used at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds per message, to make senders overlap

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A running SMTP server; the app is configured to send to it. Yields its Inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "reminders@propmgmt.test")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def smtp_down(app, monkeypatch, closed_port):
    """The app is configured to send mail to a port where nothing listens."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)


class Webhook:
    """What the webhook receiver got, and what it answers (status and JSON body)."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.answer = {"errcode": 0, "errmsg": "ok"}
        self.lock = threading.Lock()


@pytest.fixture
def webhook_server(app, monkeypatch):
    """A running HTTP server receiving JSON POSTs; PROPMGMT_WEBHOOK_URL points at it."""
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with hook.lock:
                hook.requests.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                      "idempotency_key": self.headers.get("Idempotency-Key"),
                                      "json": json.loads(body.decode("utf-8"))})
            answer = json.dumps(hook.answer).encode()
            self.send_response(hook.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?key=k"
    monkeypatch.setitem(app.config, "PROPMGMT_WEBHOOK_URL", url)
    monkeypatch.setitem(app.config, "PROPMGMT_WEBHOOK_FORMAT", "json")
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
