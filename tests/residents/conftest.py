"""The field's compound in fallback with today's tasks, reused for the residents' window."""
import io

import pytest
from flask_babel import force_locale, gettext


def in_chinese(app, message: str, **values) -> str:
    """What a resident reads: the message through the zh catalogue (English until it is translated)."""
    with app.test_request_context(), force_locale("zh"):
        return gettext(message, **values)


def report(client, code: str, *, address="10.0.0.1", photo: bytes | None = None, **fields):
    data = {"category": "sewage_overflow", "description": "3号楼门口污水外溢", "contact_phone": "13903531234",
            "csrf_token": client.csrf_token(f"/r/{code}/report"), **fields}
    if photo is not None:
        data["photos"] = (io.BytesIO(photo), "p.jpg")
    return client.post(f"/r/{code}/report", data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def compound(field_day):
    return field_day["compound"]
