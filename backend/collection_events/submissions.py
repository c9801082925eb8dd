"""Reading one scan as a crew's device sent it. Pure: no database.

Every field is typed, bounded and checked by a msgspec schema before any work is
done, then the few rules a schema cannot say (decimal weights, sane timestamps,
tag URLs on our own host) are checked here. The batch endpoint reads up to a
thousand events per request; msgspec was measured as the cheapest strict validator
on that path (docs/performance.md). Each refusal is a DomainError with a stable code:

* ``validation_error`` — a field of the wrong type, too long, with a NUL, a control
  character or a lone surrogate, missing, or outside its range, or a weight that is
  not a plain decimal of kilograms (`fields` says which);
* ``weight_out_of_range`` — a weight of 0 kg or less, or more than any bin holds;
* ``invalid_timestamp`` — `collected_at` not an ISO 8601 time with its offset, or a
  year or an offset no device clock can have;
* ``foreign_tag_host`` — a tag URL on another host than ours.
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backend.collection_events.models import CrewException, Source
from backend.collection_events.weights import MAX_WEIGHT_G, kg_to_grams
from backend.core.errors import DomainError

# Text a device sends: no NUL or other control character, no lone surrogate
# (PostgreSQL stores neither; a surrogate cannot even be encoded as UTF-8).
_PLAIN = r"^[^\x00-\x1f\x7f\ud800-\udfff]*$"
# The tag may carry the line end a QR scanner types after it; it is stripped.
_TAG_TEXT = r"^[^\x00\ud800-\udfff]*$"
_DECIMAL_TEXT = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")

MAX_GPS_ACCURACY_M = 100_000  # a position known to within 100 km says nothing useful anyway
TAG_MAX_LENGTH = 300  # a SUN URL is ~110 characters
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_UTC_OFFSET = timedelta(hours=14)  # Kiribati; PostgreSQL refuses more than ±15:59

PlainText = Annotated[str, msgspec.Meta(max_length=64, pattern=_PLAIN)]
Number = int | float | str | None

SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
ExceptionCode = Literal[("", *CrewException.values)]  # type: ignore[valid-type]


class _Event(msgspec.Struct, forbid_unknown_fields=False):
    """The wire shape of one scan; unknown keys are ignored (older and newer readers)."""

    id: uuid.UUID
    tag: Annotated[str, msgspec.Meta(min_length=1, max_length=TAG_MAX_LENGTH, pattern=_TAG_TEXT)]
    source: SourceCode  # type: ignore[valid-type]
    collected_at: Annotated[datetime, msgspec.Meta(tz=True)]
    weight_kg: Number = None
    exception_code: ExceptionCode | None = None
    lat: Number = None
    lng: Number = None
    scale_id: PlainText | None = None
    device_id: PlainText | None = None
    reader_uid: Annotated[str, msgspec.Meta(max_length=32, pattern=_PLAIN)] | None = None
    uid: Annotated[str, msgspec.Meta(max_length=32, pattern=_PLAIN)] | None = None  # older readers' name
    gps_accuracy_m: Annotated[int, msgspec.Meta(ge=0, le=MAX_GPS_ACCURACY_M)] | None = None
    photo_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ScanSubmission:
    id: uuid.UUID
    tag: str
    weight_g: int | None
    exception_code: str
    collected_at: datetime
    lat: Decimal | None
    lng: Decimal | None
    source: str
    scale_id: str
    reader_uid: str
    device_id: str = ""  # the truck's or phone's id, for tracing a faulty device
    gps_accuracy_m: int | None = None  # the phone's estimate of its position's error
    photo_id: uuid.UUID | None = None  # the photo the phone took for this scan, uploaded apart

    def fingerprint(self, *, tag_id: uuid.UUID, collector_id: int) -> str:
        """What makes a retry 'the same scan': everything but how the tag was spelled.

        Fields added since receipts were first stored join the list only when sent, so
        that the retry of a scan stored before them still matches its receipt."""
        canonical = [
            str(tag_id),
            collector_id,
            self.weight_g,
            self.exception_code,
            self.collected_at.timestamp(),
            None if self.lat is None else str(self.lat),
            None if self.lng is None else str(self.lng),
            self.source,
            self.scale_id,
            self.reader_uid,
            self.device_id,
        ]
        if self.gps_accuracy_m is not None:
            canonical.append(["gps_accuracy_m", self.gps_accuracy_m])
        if self.photo_id is not None:
            canonical.append(["photo_id", str(self.photo_id)])
        return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def _invalid(field: str, message: str, code: str = "validation_error") -> DomainError:
    return DomainError(
        code, _("Please check %(field)s: %(problem)s") % {"field": field, "problem": message}, fields={field: [message]}
    )


def _invalid_weight(message: str) -> DomainError:
    return _invalid("weight_kg", f"kilograms with at most three decimals: {message}")


def _invalid_timestamp(message: str) -> DomainError:
    return DomainError(
        "invalid_timestamp",
        _("Please check the collection time: %(problem)s") % {"problem": message},
        fields={"collected_at": [message]},
    )


_FIELD_IN_ERROR = re.compile(r"`\$\.(\w+)`|missing required field `(\w+)`")
_TIMESTAMP_HELP = "An ISO 8601 date and time with its UTC offset, e.g. 2026-11-02T07:30:00+09:00."


def _schema_error(error: msgspec.ValidationError) -> DomainError:
    """msgspec's message names the field (`$.reader_uid`); turn it into our codes."""
    text = str(error)
    match = _FIELD_IN_ERROR.search(text)
    field = (match.group(1) or match.group(2)) if match else "event"
    if field == "collected_at":
        return _invalid_timestamp(_TIMESTAMP_HELP)
    if field == "weight_kg":
        return _invalid_weight('A JSON number or a string such as "12.345".')
    if "missing required field" in text:
        return _invalid(field, "required")
    if "matching regex" in text:
        return _invalid(field, "no control characters, NUL or unpaired surrogates")
    return _invalid(field, text.split(" - at ")[0])


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _unencodable(raw: dict) -> DomainError:
    for key, value in raw.items():
        if isinstance(key, str) and not _encodable(key):
            return _invalid("event", "a field name with an unpaired surrogate")
        if isinstance(value, str) and not _encodable(value):
            if key == "collected_at":
                return _invalid_timestamp(_TIMESTAMP_HELP)
            return _invalid(str(key), "no control characters, NUL or unpaired surrogates")
    return _invalid("event", "text that is not valid Unicode")


def public_host() -> str:
    return _host_of(settings.PUBLIC_BASE_URL)


@cache
def _host_of(base_url: str) -> str:
    return (urlsplit(base_url).hostname or "").lower()


def _check_tag_host(tag: str) -> None:
    """A tag given as a URL must be one of ours: a foreign URL is never looked up."""
    # The URL as printed on our labels (the authority ends at the slash); a bare code or a typed manual code.
    if tag.startswith(settings.PUBLIC_BASE_URL + "/") or ("/" not in tag and ":" not in tag):
        return
    try:
        parts = urlsplit(tag)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _invalid("tag", "the tag URL, code or manual code is required") from None
    if parts.scheme not in ("http", "https") or not host:
        raise _invalid("tag", "the tag URL, code or manual code is required")
    if host != public_host():
        raise DomainError(
            "foreign_tag_host",
            _("This tag URL does not belong to this system."),
            fields={"tag": [f"a URL on {public_host()}"]},
        )


def _weight_g(raw: Number) -> int:
    try:
        grams = kg_to_grams(raw)
    except ValueError as error:
        raise _invalid_weight(str(error)) from None
    if grams <= 0:
        raise DomainError(
            "weight_out_of_range",
            _("The weight must be more than 0 kg."),
            fields={"weight_kg": ["must be more than 0"]},
        )
    if grams > MAX_WEIGHT_G:
        raise DomainError(
            "weight_out_of_range",
            _("The weight is more than any bin can hold."),
            fields={"weight_kg": [f"at most {MAX_WEIGHT_G // 1000} kg"]},
        )
    return grams


def _check_collected_at(collected_at: datetime) -> None:
    offset = collected_at.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise _invalid_timestamp("The UTC offset must be between -14:00 and +14:00.")
    if not EARLIEST_YEAR <= collected_at.year <= LATEST_YEAR:
        raise _invalid_timestamp(f"The year must be between {EARLIEST_YEAR} and {LATEST_YEAR}.")


def _coordinate(raw: Number, field: str, limit: int) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        if not _DECIMAL_TEXT.fullmatch(raw):
            raise _invalid(field, "must be a number")
        value = Decimal(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise _invalid(field, f"must be between -{limit} and {limit}")
        value = Decimal(repr(raw))
    else:
        value = Decimal(raw)
    if abs(value) > limit:
        raise _invalid(field, f"must be between -{limit} and {limit}")
    return value.quantize(Decimal("0.000001"))


_HEX_UID = re.compile(r"[0-9A-F]{0,20}")


def _reader_uid(event: _Event) -> str:
    uid = (event.reader_uid or event.uid or "").replace(":", "").upper()
    if not _HEX_UID.fullmatch(uid):
        raise _invalid("reader_uid", "the chip UID in hex")
    return uid


def parse_submission(raw: Any) -> ScanSubmission:
    """One event of a batch → ScanSubmission, or a DomainError saying what is wrong."""
    if not isinstance(raw, dict):
        raise DomainError("validation_error", _("Each event must be an object."))
    try:
        event = msgspec.convert(raw, _Event)
    except msgspec.ValidationError as error:
        raise _schema_error(error) from None
    except UnicodeEncodeError:
        # msgspec reads UUIDs, times, choices and keys as UTF-8, which an unpaired
        # surrogate cannot be; find the field only now, off the common path.
        raise _unencodable(raw) from None
    if event.id.int == 0:
        raise _invalid("id", "a UUID chosen by the device is required, not the nil UUID")
    if event.photo_id is not None and event.photo_id.int == 0:
        raise _invalid("photo_id", "a UUID chosen by the device, not the nil UUID")
    tag = event.tag.strip()
    if not tag:
        raise _invalid("tag", "the tag URL, code or manual code is required")
    _check_tag_host(tag)
    _check_collected_at(event.collected_at)

    exception_code = event.exception_code or ""
    if exception_code:
        if event.weight_kg not in (None, ""):
            raise _invalid("weight_kg", "a visit with an exception has no weight")
        weight_g = None
    else:
        if event.weight_kg in (None, ""):
            raise _invalid("weight_kg", "required unless exception_code is given")
        weight_g = _weight_g(event.weight_kg)

    return ScanSubmission(
        id=event.id,
        tag=tag,
        weight_g=weight_g,
        exception_code=exception_code,
        collected_at=event.collected_at,
        lat=_coordinate(event.lat, "lat", 90),
        lng=_coordinate(event.lng, "lng", 180),
        source=event.source,
        scale_id=event.scale_id or "",
        reader_uid=_reader_uid(event),
        device_id=event.device_id or "",
        gps_accuracy_m=event.gps_accuracy_m,
        photo_id=event.photo_id,
    )
