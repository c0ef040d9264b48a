"""The Chinese catalogue covers every message in the code and templates, and is compiled."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "propmgmt" / "translations" / "zh" / "LC_MESSAGES"
METHODS = [("propmgmt/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS,
                             directory_filter=lambda path: not Path(path).name.startswith((".", "__")))
    return {message[2] if isinstance(message[2], str) else message[2][0] for message in found}


def test_every_message_has_a_chinese_translation():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="zh")
    translated = {message.id for message in catalogue if message.id and message.string}
    missing = _source_messages() - translated
    assert not missing, f"run `make translations` and translate: {sorted(missing)}"


def test_compiled_catalogue_is_up_to_date():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        po = {m.id: m.string for m in read_po(handle, locale="zh") if m.id and m.string}
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    assert po == mo, "run `make translations` to compile messages.mo"
