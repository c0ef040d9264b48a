"""Behind a reverse proxy (PROPMGMT_PROXY_COUNT): the client's address and scheme come from X-Forwarded-*."""
from flask import jsonify, request

from config import TestingConfig
from propmgmt import create_app
from propmgmt.auth.access import public


def _app(count: int):
    class Config(TestingConfig):
        PROXY_COUNT = count

    app = create_app(Config)

    @app.route("/_where")
    @public
    def where():
        return jsonify(address=request.remote_addr, scheme=request.scheme)

    return app


def test_proxy_headers_are_trusted_only_when_configured():
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    behind = _app(1).test_client().get("/_where", headers=headers).json
    assert behind == {"address": "203.0.113.7", "scheme": "https"}
    direct = _app(0).test_client().get("/_where", headers=headers).json
    assert direct == {"address": "127.0.0.1", "scheme": "http"}
