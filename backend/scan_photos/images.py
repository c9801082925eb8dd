"""Reading a photo a crew uploaded, and writing the copy we keep. No database.

Pillow reads the bytes themselves (never the file name or the Content-Type the
phone claims): JPEG, PNG and WebP are read; anything else is refused with
`photo_type_not_allowed`. A file that claims more pixels than any phone's camera
takes (a decompression bomb), or that ends early or is corrupt, is refused with
`photo_unreadable` before it is decoded. What is kept is a new JPEG of at most
PHOTO_MAX_SIDE pixels a side, drawn from the pixels alone: no EXIF, no GPS
position, no ICC profile or comment of the original survives.
"""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.core.errors import DomainError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
PHOTO_MAX_SIDE = 1600
PHOTO_QUALITY = 82
# A phone's full-resolution photo is 12 to 50 megapixels (the crew app sends 1280 px
# a side); decoding more would hold hundreds of megabytes for one request.
MAX_PIXELS = 50_000_000


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    jpeg: bytes
    width: int
    height: int


def type_not_allowed() -> DomainError:
    return DomainError(
        "photo_type_not_allowed",
        _("The photo must be a JPEG, PNG or WebP image."),
        fields={"image": ["JPEG, PNG or WebP"]},
        status_code=415,
    )


def unreadable(why: str) -> DomainError:
    return DomainError(
        "photo_unreadable",
        _("The photo could not be read."),
        fields={"image": [why]},
    )


def reencode(data: bytes, *, max_side: int = PHOTO_MAX_SIDE) -> StoredPhoto:
    """The JPEG we store for `data`, or a DomainError saying why there is none."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return _reencode(data, max_side)


def _reencode(data: bytes, max_side: int) -> StoredPhoto:
    try:
        # `formats` keeps Pillow's other decoders (and their bugs) out of reach.
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        raise type_not_allowed() from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise unreadable("too many pixels") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise unreadable("corrupt image") from None
    with image:
        if image.width * image.height > MAX_PIXELS or image.width == 0 or image.height == 0:
            raise unreadable("too many pixels")
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            pixels = _rgb(upright)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise unreadable("too many pixels") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError):
            raise unreadable("corrupt or truncated image") from None
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A fresh image holds pixels only: nothing of the original's metadata (`info`) can follow.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return StoredPhoto(jpeg=out.getvalue(), width=clean.width, height=clean.height)


def _rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; a transparent background becomes white, as the photo would be shown."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
