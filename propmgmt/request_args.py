"""Reading ids from URLs and list filters from the query string: bad values are ignored, never an error."""
from datetime import date

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL's int4, and SQLite refuses anything past 2**63


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id past the column's range is no page (404), not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def choice_arg(name: str, allowed) -> str | None:
    value = request.args.get(name)
    return value if value in allowed else None


def text_arg(name: str, max_length: int = 60) -> str:
    return request.args.get(name, "").strip()[:max_length]


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
