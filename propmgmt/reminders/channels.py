"""The outside channels: email over SMTP and a webhook POST (our JSON, or a WeCom/DingTalk group
robot). Each failure is a DeliveryError whose text says what went wrong, for the parked page.
"""
import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

WEBHOOK_FORMATS = ("json", "wecom", "dingtalk")
MAX_BYTES = 2048  # a group robot's limit on a message's content


def cut(text: str, limit: int = MAX_BYTES) -> str:
    """At most `limit` bytes of UTF-8, cut on a character boundary and ended with "…" when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit - len("…".encode())].decode("utf-8", errors="ignore") + "…"


class DeliveryError(Exception):
    """The channel refused or could not be reached; the row is retried later."""


class UnbuildableMessage(Exception):
    """The message cannot be made from its row (an address or a payload that does not encode): the
    row is parked with this reason at once, and the other rows are sent."""


class Mailer:
    """One SMTP connection for a sender's batch, opened on first use.

    When the server cannot be reached, the rest of the batch fails at once instead of waiting
    out the timeout again for every row.
    """

    def __init__(self, config):
        self.config = config
        self._smtp = None
        self._unreachable: str | None = None

    def send(self, to: str, subject: str, body: str, *, message_id: str | None = None) -> None:
        """`message_id` (e.g. notification-42) makes the Message-ID stable, so a message sent again
        after an interrupted attempt is recognisable as the same one."""
        if self._unreachable:
            raise DeliveryError(self._unreachable)
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            message = self._message(to, subject, body, message_id)
            message.as_bytes()  # encodes every header now, where a failure is this message's alone
        except Exception as error:  # the email library raises all sorts for a bad address
            raise UnbuildableMessage(f"the email could not be built for {to!r}: {error!r}") from error
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise DeliveryError(f"the mail server refused the message: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # the connection is unusable; the next row opens a new one
            raise DeliveryError(f"the mail server connection failed: {error}") from error

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _connect(self):
        c = self.config
        host, port = c.get("MAIL_SERVER", "localhost"), int(c.get("MAIL_PORT", 25))
        timeout = c["NOTIFY_TIMEOUT_SECONDS"]
        try:
            smtp = (smtplib.SMTP_SSL if c.get("MAIL_USE_SSL") else smtplib.SMTP)(host, port, timeout=timeout)
            if c.get("MAIL_USE_TLS") and not c.get("MAIL_USE_SSL"):
                smtp.starttls()
            if c.get("MAIL_USERNAME"):
                smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD", ""))
            return smtp
        except (smtplib.SMTPException, OSError) as error:
            self._unreachable = f"cannot use the mail server {host}:{port}: {error}"
            raise DeliveryError(self._unreachable) from error

    def _message(self, to: str, subject: str, body: str, message_id: str | None = None) -> EmailMessage:
        sender = self.config.get("MAIL_FROM", "propmgmt@localhost")
        domain = sender.rpartition("@")[2] or "localhost"
        message = EmailMessage()
        message["From"] = sender
        message["To"] = header_text(to)
        message["Subject"] = header_text(subject)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
        message.set_content(body)
        return message


def header_text(value) -> str:
    """Text for an email header: one line (CR, LF and other control characters become spaces), at
    most 250 characters. A name with a line break in it cannot end or forge a header."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(value)).split())[:250]


def webhook_body(fmt: str, *, title: str, text: str, notification, name: str = "", mobile: str = "") -> dict:
    """What the webhook receives: our own shape, or a group robot's text message.

    The robots @-mention the recipient by mobile number when the account has one.
    """
    if fmt in ("wecom", "dingtalk"):
        mobiles = [mobile] if mobile else []
        if fmt == "wecom":
            # WeCom shows the mentioned member itself: "@name" in the text as well would show the name twice.
            return {"msgtype": "text", "text": {"content": cut(f"{title}\n{text}"), "mentioned_mobile_list": mobiles}}
        at = f"\n@{mobile}" if mobile else ""  # DingTalk: the mobile in the text and in at.atMobiles
        return {"msgtype": "text", "text": {"content": cut(f"{title}\n{text}", MAX_BYTES - len(at.encode())) + at},
                "at": {"atMobiles": mobiles}}
    return {"id": notification.id, "kind": notification.kind, "title": title, "text": text,
            "subject_type": notification.subject_type, "subject_id": notification.subject_id,
            "recipient": {"user_id": notification.recipient_id, "name": name},
            "payload": notification.payload or {}}


def post_webhook(url: str, fmt: str, body: dict, *, timeout: float, key: str | None = None) -> None:
    """POSTs `body` as JSON; a robot's non-zero errcode counts as a failure, as does any non-2xx.

    `key` goes in an Idempotency-Key header: the same for every attempt at one message, so a
    receiver can drop a message sent again after an attempt whose outcome was lost.
    """
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("the webhook URL must start with http:// or https://")
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              **({"Idempotency-Key": key} if key else {})}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            answer = response.read(65536)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"the webhook answered HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(f"the webhook cannot be reached: {getattr(error, 'reason', error)}") from error
    if fmt in ("wecom", "dingtalk"):
        try:
            result = json.loads(answer or b"{}")
        except ValueError:
            result = {}
        if isinstance(result, dict) and result.get("errcode", 0) != 0:
            raise DeliveryError(f"the group robot refused: errcode {result.get('errcode')} {result.get('errmsg', '')}")
