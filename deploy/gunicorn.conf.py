"""gunicorn settings for `make serve` and the systemd unit (deploy/systemd/propmgmt-web.service)."""
import os

bind = os.environ.get("PROPMGMT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = 60
graceful_timeout = 30
accesslog = None  # the app writes one JSON line per request, with its request id
errorlog = "-"
# The reverse proxy on this machine sets X-Forwarded-Proto; the app's ProxyFix (PROPMGMT_PROXY_COUNT)
# takes the client address from X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """A stopped worker's request metrics stay counted; its live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
