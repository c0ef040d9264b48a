"""Photo evidence: checked by content, re-encoded (which drops EXIF and its GPS), thumbnailed."""
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # larger is refused before decoding: a "decompression bomb"
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
FULL_SIZE = 1600
THUMB_SIZE = 320


Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class PhotoRejected(DomainError):
    status_code = 400
    code = "bad_photo"


@dataclass
class StoredPhoto:
    path: str
    thumb_path: str


def _decode(data: bytes) -> Image.Image:
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_l("The photo is larger than 8 MB."), field="photos")
    if not data:
        raise PhotoRejected(_l("The photo is empty."), field="photos")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoRejected(_l("Only photos (JPEG, PNG, WebP) can be uploaded."), field="photos")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoRejected(_l("The image has too many pixels."), field="photos")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_l("The image has too many pixels."), field="photos")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(_l("This file is not a readable photo."), field="photos")
    return ImageOps.exif_transpose(image).convert("RGB")


def check_photo(data: bytes) -> Image.Image:
    """The decoded image, or PhotoRejected with a message for the operator."""
    return _decode(data)


def store_photo(image: Image.Image, upload_dir: str, owner: int | str) -> StoredPhoto:
    """Writes the re-encoded JPEG and its thumbnail; returns paths relative to upload_dir.

    `owner` is a task id, or a sub-folder such as "complaints/12".
    """
    relative = f"tasks/{owner}" if isinstance(owner, int) else owner
    folder = Path(upload_dir) / relative
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    full = image.copy()
    full.thumbnail((FULL_SIZE, FULL_SIZE))
    full.save(folder / f"{name}.jpg", "JPEG", quality=82, optimize=True)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
    thumb.save(folder / f"{name}-t.jpg", "JPEG", quality=75)
    return StoredPhoto(f"{relative}/{name}.jpg", f"{relative}/{name}-t.jpg")
