"""The outside parties the reminders go to: an SMTP server (aiosmtpd) and a webhook receiver, both
local, both counting what they get by outbox row (the Message-ID, the webhook's Idempotency-Key)."""
import json
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE_ID_RE = re.compile(r"<notification-(\d+)@")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receipts:
    """Outbox row id -> how many times it arrived, per channel."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"email": Counter(), "webhook": Counter()}
        self.unreadable = Counter()

    def add(self, channel: str, notification_id: int | None) -> None:
        with self.lock:
            if notification_id is None:
                self.unreadable[channel] += 1
            else:
                self.counts[channel][notification_id] += 1


class _SmtpHandler:
    def __init__(self, receipts: Receipts):
        self.receipts = receipts

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy
        message = message_from_bytes(envelope.content, policy=policy.default)
        match = MESSAGE_ID_RE.search(message.get("Message-ID", ""))
        self.receipts.add("email", int(match.group(1)) if match else None)
        return "250 Message accepted for delivery"


class Receivers:
    """Starts both on 127.0.0.1 (free ports); `environ()` points the app at them."""

    def __init__(self):
        self.receipts = Receipts()
        self._smtp = None
        self._http = None
        self._thread = None

    def start(self) -> "Receivers":
        from aiosmtpd.controller import Controller  # a test requirement: make soak installs it
        self._smtp = Controller(_SmtpHandler(self.receipts), hostname="127.0.0.1", port=free_port())
        self._smtp.start()
        receipts = self.receipts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    key = int(self.headers.get("Idempotency-Key", "").removeprefix("notification-"))
                    notification_id = key if key == int(json.loads(body.decode("utf-8"))["id"]) else None
                except (ValueError, KeyError, TypeError):
                    notification_id = None
                receipts.add("webhook", notification_id)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()
        return self

    def environ(self) -> dict[str, str]:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self._smtp.port), "MAIL_FROM": "reminders@soak.invalid",
                "PROPMGMT_WEBHOOK_URL": f"http://127.0.0.1:{self._http.server_address[1]}/hook",
                "PROPMGMT_WEBHOOK_FORMAT": "json"}

    def stop(self) -> None:
        if self._smtp:
            self._smtp.stop()
        if self._http:
            self._http.shutdown()
            self._http.server_close()
