"""Photos from outside cost bounded memory and CPU: probed before decoding, decoded reduced, within one budget."""
import io
import subprocess
import sys
import textwrap
from html import escape
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from propmgmt.complaints.models import Complaint, ComplaintPhoto
from propmgmt.photos import FULL_SIZE, REQUEST_PIXEL_BUDGET, PhotoRejected, read_photos

from ..residents.conftest import in_chinese

ROOT = Path(__file__).resolve().parents[2]
SIDE = 6320  # 39.9 megapixels: just under the per-photo limit, as in the attack


def _encoded(fmt: str, side: int = SIDE, color=(200, 30, 30), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), color).save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def huge_jpeg() -> bytes:
    return _encoded("JPEG", quality=50)


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    return _encoded("PNG")  # ~130 KB on the wire, 120 MB once decoded


def _uploads(*blobs: bytes) -> list[FileStorage]:
    return [FileStorage(io.BytesIO(blob), filename=f"{n}.jpg") for n, blob in enumerate(blobs, 1)]


def test_a_huge_png_is_refused_before_it_is_decoded(client, app, db, field_day, huge_png):
    code = field_day["compound"].public_code
    data = {"category": "sewage_overflow", "description": "污水外溢",
            "csrf_token": client.csrf_token(f"/r/{code}/report"),
            "photos": [(io.BytesIO(huge_png), f"{n}.png") for n in range(4)]}
    response = client.post(f"/r/{code}/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert escape(in_chinese(app, "The image has too many pixels.")) in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    assert db.session.scalar(select(func.count()).select_from(ComplaintPhoto)) == 0


def test_a_large_camera_jpeg_is_decoded_reduced_and_kept_upright(huge_jpeg):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: "rotate 90° clockwise to view"
    Image.new("RGB", (4000, 3000), (10, 120, 10)).save(buffer, "JPEG", exif=exif)
    turned, square = read_photos(_uploads(buffer.getvalue(), huge_jpeg), limit=4)
    assert turned.size == (1200, FULL_SIZE)  # upright: portrait, at most FULL_SIZE on its longer side
    assert square.size == (FULL_SIZE, FULL_SIZE) and square.mode == "RGB"


def test_five_camera_photos_at_once_fit_the_budget_as_they_decode_at_half_size():
    # A 4:3 phone photo (4000 × 3000) is decoded at 2000 × 1500 by the JPEG's own scaling, then shrunk
    # to FULL_SIZE: 3 M pixels each, not 12 M (five of those would be over the request's budget).
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (40, 90, 160)).save(buffer, "JPEG", quality=80)
    camera = buffer.getvalue()
    assert 5 * 4000 * 3000 > REQUEST_PIXEL_BUDGET
    photos = read_photos(_uploads(*[camera] * 5), limit=5)
    assert [photo.size for photo in photos] == [(FULL_SIZE, 1200)] * 5


def test_photos_over_the_request_budget_together_are_refused_by_name_of_none(huge_jpeg):
    # Each 40 MP JPEG decodes at half size (10 M pixels): six of them are over the request's budget.
    count = REQUEST_PIXEL_BUDGET // (SIDE // 2) ** 2 + 1
    with pytest.raises(PhotoRejected) as refused:
        read_photos(_uploads(*[huge_jpeg] * count), limit=count)
    assert "too large together" in str(refused.value.message)


def test_a_bad_file_among_good_ones_is_named_and_nothing_is_decoded(huge_jpeg):
    with pytest.raises(PhotoRejected) as refused:
        read_photos(_uploads(huge_jpeg, b"GIF89a not really"), limit=4)
    assert str(refused.value.message).startswith("2.jpg: ")


def test_too_many_files_are_refused_before_any_is_read(huge_jpeg):
    with pytest.raises(PhotoRejected):
        read_photos(_uploads(*[huge_jpeg] * 5), limit=4)


@pytest.mark.slow
def test_four_huge_photos_cost_the_worker_little_memory_and_it_is_given_back(tmp_path, huge_jpeg):
    """The attack: four 40 MP photos in one report. Measured in a fresh process, peak and after."""
    photo = tmp_path / "huge.jpg"
    photo.write_bytes(huge_jpeg)
    script = textwrap.dedent(f"""
        import io, resource
        from werkzeug.datastructures import FileStorage
        from propmgmt.photos import read_photos

        def rss_mb():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024

        data = open({str(photo)!r}, "rb").read()
        before_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        before = rss_mb()
        images = read_photos([FileStorage(io.BytesIO(data), filename="p.jpg") for _ in range(4)], limit=4)
        del images
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(peak - max(before_peak, before), rss_mb() - before)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    peak_growth, kept = map(int, result.stdout.split())
    # Decoded whole, the four would take 4 × 120 MB at once; reduced, one at a time, ~30 MB.
    assert peak_growth < 100, f"peak grew by {peak_growth} MB"
    assert kept < 30, f"{kept} MB kept after the photos were let go"
