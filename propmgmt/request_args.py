"""Reading list filters from the query string: bad values are ignored, never an error."""
from datetime import date

from flask import request


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


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
