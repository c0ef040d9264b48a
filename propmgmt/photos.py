"""Photo evidence: checked by content, re-encoded (which drops EXIF and its GPS), thumbnailed.

Decoding is the expensive part and anonymous people can send photos, so it is bounded before it
starts: each file's header is read first (format and size, no pixels), a request's files together
must fit one pixel budget, JPEGs are decoded already reduced (the DCT's own 1/2–1/8 scaling), and
other formats, which phones do not take pictures in, are refused above a screenshot's size.
"""
import ctypes
import ctypes.util
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from .errors import DomainError
from .extensions import db

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # larger is refused before decoding: a "decompression bomb"
# A screenshot or a drawing is a few megapixels; only cameras make larger, and they make JPEGs.
MAX_PIXELS_NOT_JPEG = 12_000_000
# What one request may decode in all (pixels after the JPEG reduction): six phone photos are ~18 M.
REQUEST_PIXEL_BUDGET = 48_000_000
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


@dataclass
class _Probe:
    data: bytes
    format: str
    decoded_pixels: int  # what decoding will cost, after the JPEG reduction


def _probe(data: bytes) -> _Probe:
    """Reads the header only: the format, the size, and what decoding will cost."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_l("The photo is larger than 8 MB."), field="photos")
    if not data:
        raise PhotoRejected(_l("The photo is empty."), field="photos")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoRejected(_l("Only photos (JPEG, PNG, WebP) can be uploaded."), field="photos")
            limit = MAX_PIXELS if probe.format == "JPEG" else MAX_PIXELS_NOT_JPEG
            if probe.width * probe.height > limit:
                raise PhotoRejected(_l("The image has too many pixels."), field="photos")
            if probe.format == "JPEG":
                probe.draft("RGB", _fitted(probe.size, FULL_SIZE))  # changes only the size it will decode to
            return _Probe(data, probe.format, probe.width * probe.height)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_l("The image has too many pixels."), field="photos")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(_l("This file is not a readable photo."), field="photos")


def _decode(probe: _Probe) -> Image.Image:
    """The image at most FULL_SIZE on its longer side, upright, RGB; the large decode is let go at once."""
    try:
        if probe.format != "JPEG":
            with Image.open(io.BytesIO(probe.data)) as checking:
                checking.verify()  # the chunks' checksums, before the pixels
        # Not closed: the file is in memory, and closing it would drop the pixels (a copy of them cost
        # more than encoding the thumbnail).
        image = Image.open(io.BytesIO(probe.data))
        if image.format == "JPEG":
            image.draft("RGB", _fitted(image.size, FULL_SIZE))
        image.thumbnail((FULL_SIZE, FULL_SIZE), reducing_gap=2.0)  # decodes, then shrinks in place
        image.load()  # a photo that fits already is decoded here
        ImageOps.exif_transpose(image, in_place=True)
        return image.convert("RGB") if image.mode != "RGB" else image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_l("The image has too many pixels."), field="photos")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(_l("This file is not a readable photo."), field="photos")


def _fitted(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled to at most `longest` on its longer side (unchanged if it fits already)."""
    scale = min(1.0, longest / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _scaled(image: Image.Image, longest: int) -> Image.Image:
    """A copy at most `longest` on its longer side: whole factors by averaging blocks of pixels
    (Image.reduce, a few milliseconds), only the rest resampled; thumbnail()'s default resamples
    from twice the size, which was ten times the cost for the same 320 px thumbnail."""
    size = _fitted(image.size, longest)
    return image.copy() if size == image.size else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def check_photo(data: bytes) -> Image.Image:
    """The decoded image, or PhotoRejected with a message for the operator."""
    return _decode(_probe(data))


def read_photos(uploads, *, limit: int) -> list[Image.Image]:
    """A request's uploaded photos, decoded within the request's budget; PhotoRejected names the file.

    Every file is read (at most MAX_BYTES of it) and probed before any is decoded, so a request
    that cannot be served costs no decoding at all.
    """
    files = [upload for upload in uploads if upload and upload.filename]
    if len(files) > limit:
        raise PhotoRejected(_l("At most %(n)d photos at a time.", n=limit), field="photos")
    probes = []
    for upload in files:
        try:
            probes.append(_probe(upload.stream.read(MAX_BYTES + 1)))
        except PhotoRejected as error:  # say which one, so the sender knows which to choose again
            raise PhotoRejected(_l("%(name)s: %(message)s", name=upload.filename, message=error.message),
                                field="photos") from error
    if sum(probe.decoded_pixels for probe in probes) > REQUEST_PIXEL_BUDGET:
        raise PhotoRejected(_l("These photos are too large together: send fewer or smaller ones."),
                            field="photos")
    try:
        images = []
        for upload, probe in zip(files, probes, strict=True):
            try:
                images.append(_decode(probe))
            except PhotoRejected as error:
                raise PhotoRejected(_l("%(name)s: %(message)s", name=upload.filename, message=error.message),
                                    field="photos") from error
        return images
    finally:
        _return_memory()


def _return_memory() -> None:
    """Gives the large decode buffers back to the system (glibc keeps freed memory otherwise)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (musl, macOS): nothing to trim
        return None


_libc = _load_libc()


class StorageUnavailable(DomainError):
    status_code = 503
    code = "storage_unavailable"


def store_photo(image: Image.Image, upload_dir: str, owner: int | str) -> StoredPhoto:
    """Writes the re-encoded JPEG and its thumbnail; returns paths relative to upload_dir.

    `owner` is a task id, or a sub-folder such as "complaints/12". The files belong to the current
    transaction: if it rolls back, they are removed (see `_forget_files_of_a_failed_transaction`).
    """
    relative = f"tasks/{owner}" if isinstance(owner, int) else owner
    folder = Path(upload_dir) / relative
    name = uuid.uuid4().hex
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Not optimize=True: its second pass over the Huffman tables more than doubled the encoding
        # time for files 6 % smaller.
        full = image if max(image.size) <= FULL_SIZE else _scaled(image, FULL_SIZE)
        _save(full, folder / f"{name}.jpg", quality=82)
        _save(_scaled(full, THUMB_SIZE), folder / f"{name}-t.jpg", quality=75)
    except OSError as error:  # a full disk or a folder that cannot be written: nothing is kept
        raise StorageUnavailable(_l("The photo could not be saved: the server's storage is full or cannot be "
                                    "written. Nothing was kept; please try again later."),
                                 field="photos") from error
    return StoredPhoto(f"{relative}/{name}.jpg", f"{relative}/{name}-t.jpg")


def _save(image: Image.Image, path: Path, **options) -> None:
    db.session.connection()  # the transaction the file belongs to has begun, so its end is seen
    db.session.info.setdefault(_WRITTEN, []).append(path)  # before writing: a half-written file goes too
    image.save(path, "JPEG", **options)


_WRITTEN = "photo_files_written"


@event.listens_for(Session, "after_commit")
def _keep_files_of_a_committed_transaction(session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_files_of_a_failed_transaction(session, previous_transaction) -> None:
    """A refused report or a failed completion leaves no photo without its row."""
    if previous_transaction.parent is not None:
        return  # a savepoint: the files stay with the transaction around it
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
