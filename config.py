"""Configuration classes, read from the environment (see README "Configuration")."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'propmgmt.sqlite3'}"


class Config:
    """Development defaults: one SQLite file under instance/, so `make run` needs nothing else."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_default()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A database that hangs must not hang the pages: PostgreSQL connections give up after
    # DATABASE_CONNECT_TIMEOUT seconds, and a request's statements after REQUEST_STATEMENT_TIMEOUT_MS
    # (propmgmt/database.py; the page then answers 503). Jobs and commands have no statement limit.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("PROPMGMT_DB_CONNECT_TIMEOUT", "3"))
    REQUEST_STATEMENT_TIMEOUT_MS = int(os.environ.get("PROPMGMT_REQUEST_STATEMENT_TIMEOUT_MS", "5000"))
    PROPMGMT_TZ = os.environ.get("PROPMGMT_TZ", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = PROPMGMT_TZ
    LANGUAGES = ("zh", "en")
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; tablets work offline for hours
    SESSION_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)  # operators' tablets (see auth.views.login)
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    UPLOAD_DIR = os.environ.get("PROPMGMT_UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Sign-in throttling: this many failures for one username or address within the window.
    LOGIN_MAX_FAILURES = int(os.environ.get("PROPMGMT_LOGIN_MAX_FAILURES", "5"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("PROPMGMT_LOGIN_WINDOW_MINUTES", "15"))
    PAGE_SIZE = 50
    COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript", "text/javascript", "application/json",
                          "text/calendar"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    # Scheduling (see README "Scheduler"): how far ahead tasks exist, and the reminder policy.
    PROPMGMT_HORIZON_DAYS = int(os.environ.get("PROPMGMT_HORIZON_DAYS", "14"))
    REMIND_DUE_SOON_MINUTES = int(os.environ.get("PROPMGMT_REMIND_DUE_SOON_MINUTES", "30"))
    REMIND_OVERDUE_MINUTES = int(os.environ.get("PROPMGMT_REMIND_OVERDUE_MINUTES", "30"))
    ESCALATE_DISPATCHER_AFTER_HOURS = float(os.environ.get("PROPMGMT_ESCALATE_DISPATCHER_AFTER_HOURS", "0"))
    ESCALATE_LEADER_AFTER_HOURS = float(os.environ.get("PROPMGMT_ESCALATE_LEADER_AFTER_HOURS", "24"))
    REMIND_LOOKBACK_HOURS = float(os.environ.get("PROPMGMT_REMIND_LOOKBACK_HOURS", "6"))
    # Notifications (README "Configuration"): email over SMTP, a webhook (JSON or a WeCom/DingTalk
    # group robot), and the outbox's retry policy.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_FROM = os.environ.get("MAIL_FROM", "propmgmt@localhost")
    PROPMGMT_WEBHOOK_URL = os.environ.get("PROPMGMT_WEBHOOK_URL", "")
    PROPMGMT_WEBHOOK_FORMAT = os.environ.get("PROPMGMT_WEBHOOK_FORMAT", "json")  # json | wecom | dingtalk
    NOTIFY_MAX_ATTEMPTS = int(os.environ.get("PROPMGMT_NOTIFY_MAX_ATTEMPTS", "5"))
    NOTIFY_RETRY_MINUTES = float(os.environ.get("PROPMGMT_NOTIFY_RETRY_MINUTES", "1"))
    NOTIFY_TIMEOUT_SECONDS = float(os.environ.get("PROPMGMT_NOTIFY_TIMEOUT_SECONDS", "10"))
    NOTIFY_CLAIM_TIMEOUT_MINUTES = float(os.environ.get("PROPMGMT_NOTIFY_CLAIM_TIMEOUT_MINUTES", "10"))
    SQLITE_BUSY_TIMEOUT_MS = 10000
    # Operations (README "Production"): /metrics for admins or this bearer token; /healthz turns 503
    # when a scheduler is expected and no job has succeeded for this long.
    PROPMGMT_METRICS_TOKEN = os.environ.get("PROPMGMT_METRICS_TOKEN", "")
    SCHEDULER_EXPECTED = os.environ.get("PROPMGMT_SCHEDULER_EXPECTED", "0").lower() in ("1", "true", "yes")
    SCHEDULER_MAX_AGE_SECONDS = int(os.environ.get("PROPMGMT_SCHEDULER_MAX_AGE_SECONDS", "300"))
    # /healthz says "cannot write" when the database's or the uploads' disk has less free than this.
    STORAGE_RESERVE_MB = int(os.environ.get("PROPMGMT_STORAGE_RESERVE_MB", "100"))
    PROXY_COUNT = int(os.environ.get("PROPMGMT_PROXY_COUNT", "0"))  # reverse proxies in front (X-Forwarded-*)
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite:///:memory:"
    WTF_CSRF_ENABLED = True  # tests post real tokens, as a browser does
    LOGIN_MAX_FAILURES = 5
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast in tests only
    PROPMGMT_WEBHOOK_URL = ""  # tests that need one start their own server


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    SCHEDULER_EXPECTED = os.environ.get("PROPMGMT_SCHEDULER_EXPECTED", "1").lower() in ("1", "true", "yes")

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with a guessable key or a throwaway database."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        # An accelerated clock (propmgmt/clock.py) would make real tasks due and missed at once:
        # only a soak run, which sets PROPMGMT_CLOCK_SOAK=1 on its own database, may use one.
        if os.environ.get("PROPMGMT_CLOCK_START") and os.environ.get("PROPMGMT_CLOCK_SOAK") != "1":
            raise RuntimeError("PROPMGMT_CLOCK_START (an accelerated clock) is for soak runs only, "
                               "not production (see README \"Soak\")")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """Pick the config class named by PROPMGMT_ENV (development unless told otherwise)."""
    name = os.environ.get("PROPMGMT_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown PROPMGMT_ENV {name!r}; use one of {', '.join(CONFIGS)}")
