"""The QR poster prints without missing-glyph boxes: every character it draws is in the font it embeds,
and it names the sections of the residents' page it leads to."""
import shutil
import subprocess

import pytest
from fontTools.ttLib import TTCollection

TOOLS = ("pdftotext", "pdffonts", "pdftoppm", "fc-match")
pytestmark = pytest.mark.skipif(not all(shutil.which(tool) for tool in TOOLS),
                                reason="poppler-utils and fontconfig are installed by `make system-packages`")


def _cjk_cmap() -> set[int]:
    """The code points of the face app.css's print section and poster.css name (Noto Sans CJK SC)."""
    found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", "Noto Sans CJK SC"], capture_output=True, text=True,
                           check=True).stdout
    path, index = found.split("|")
    font = TTCollection(path).fonts[int(index or 0)]
    return set(font.getBestCmap())


@pytest.fixture
def poster(client, field_day, login_as, tmp_path):
    login_as("official")
    path = tmp_path / "poster.pdf"
    path.write_bytes(client.get(f"/r/{field_day['compound'].public_code}/poster.pdf").data)
    return path


def test_every_character_the_poster_draws_is_in_its_font(poster, tmp_path):
    text = subprocess.run(["pdftotext", str(poster), "-"], capture_output=True, text=True, check=True).stdout
    drawn = {ch for ch in text if not ch.isspace()}
    assert "扫" in drawn and "·" in drawn  # the separators that came out as boxes before
    missing = sorted(ch for ch in drawn if ord(ch) not in _cjk_cmap())
    assert not missing, f"not in Noto Sans CJK SC: {missing}"
    fonts = subprocess.run(["pdffonts", str(poster)], capture_output=True, text=True, check=True).stdout
    assert all("Noto-Sans-CJK" in line for line in fonts.splitlines()[2:]), fonts  # no fallback font drawn
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(poster), str(tmp_path / "page")], check=True, timeout=60)
    assert len(list(tmp_path.glob("page*.png"))) == 1


def test_the_poster_names_what_the_residents_page_shows(poster, client, field_day):
    text = subprocess.run(["pdftotext", str(poster), "-"], capture_output=True, text=True, check=True).stdout
    page = client.get(f"/r/{field_day['compound'].public_code}").get_data(as_text=True)
    for heading in ("谁在服务本小区", "服务安排", "近 30 天服务记录", "报告问题", "查询办理进度"):
        assert heading in page and heading in text
    assert field_day["compound"].name in text and "扫码" in text
