"""Reading ids from URLs and list filters from the query string: bad values are ignored, never an error."""
from datetime import date

from flask import request
from werkzeug.routing import IntegerConverter

from .database import MAX_INTEGER as MAX_ID  # ids are INTEGER columns


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id past the column's range is no page (404), not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def as_id(value: str | None) -> int | None:
    """An id from a form or a query string: ASCII digits within the id column's range, else None."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= MAX_ID else None


def coerce_id(value) -> int:
    """`coerce=` of a form's id choice: ValueError (the form's "not a valid choice") unless as_id reads it."""
    number = as_id(str(value))  # the choices' own ints as well as the submitted text
    if number is None:
        raise ValueError(value)
    return number


MAX_PAGE = 100_000  # past the last page a list is empty; past this the offset overflows the database


def page_arg() -> int:
    """The list page asked for (?page=), from 1 to MAX_PAGE: a huge or unreadable one never reaches SQL."""
    value = as_id(request.args.get("page"))
    return min(value, MAX_PAGE) if value else 1


def int_arg(name: str) -> int | None:
    return as_id(request.args.get(name))


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
