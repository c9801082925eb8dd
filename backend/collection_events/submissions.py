"""Reading one scan as a crew's device sent it. Pure: no database.

The batch endpoint reads up to a thousand of these per request, so this is plain
Python rather than a DRF serializer per event (docs/performance.md).
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.collection_events.models import CrewException, Source
from backend.collection_events.weights import kg_to_grams
from backend.core.errors import DomainError

_SOURCES = frozenset(Source.values)
_EXCEPTIONS = frozenset(CrewException.values)


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

    def fingerprint(self, *, tag_id: uuid.UUID, collector_id: int) -> str:
        """What makes a retry 'the same scan': everything but how the tag was spelled."""
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
        return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def _invalid(field: str, message: str, code: str = "validation_error") -> DomainError:
    return DomainError(code, f"입력값을 확인해 주세요: {field}. {message}", fields={field: [message]})


def _coordinate(raw: Any, field: str, limit: int) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise _invalid(field, "must be a number")
    try:
        value = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
    except (InvalidOperation, TypeError):
        raise _invalid(field, "must be a number") from None
    if not value.is_finite() or abs(value) > limit:
        raise _invalid(field, f"must be between -{limit} and {limit}")
    return value.quantize(Decimal("0.000001"))


def parse_submission(raw: Any) -> ScanSubmission:
    """One event of a batch → ScanSubmission, or a DomainError saying what is wrong."""
    if not isinstance(raw, dict):
        raise DomainError("validation_error", "각 스캔은 객체여야 합니다. Each event must be an object.")
    try:
        event_id = uuid.UUID(str(raw["id"]))
    except (KeyError, ValueError, TypeError, AttributeError):
        raise _invalid("id", "a UUID chosen by the device is required") from None

    tag = raw.get("tag")
    if not isinstance(tag, str) or not tag.strip():
        raise _invalid("tag", "the tag URL, code or manual code is required")

    source = raw.get("source")
    if source not in _SOURCES:
        raise _invalid("source", f"one of {', '.join(sorted(_SOURCES))}")

    exception_code = raw.get("exception_code") or ""
    if exception_code and exception_code not in _EXCEPTIONS:
        raise _invalid("exception_code", f"one of {', '.join(sorted(_EXCEPTIONS))}")

    weight_raw = raw.get("weight_kg")
    if exception_code:
        if weight_raw not in (None, ""):
            raise _invalid("weight_kg", "a visit with an exception has no weight")
        weight_g = None
    else:
        if weight_raw in (None, ""):
            raise _invalid("weight_kg", "required unless exception_code is given")
        try:
            weight_g = kg_to_grams(weight_raw)
        except ValueError as error:
            raise _invalid("weight_kg", str(error)) from None
        if weight_g <= 0:
            raise DomainError(
                "weight_out_of_range",
                "무게는 0보다 커야 합니다. The weight must be more than 0 kg.",
                fields={"weight_kg": ["must be more than 0"]},
            )

    collected_raw = raw.get("collected_at")
    try:
        collected_at = datetime.fromisoformat(collected_raw)
    except (TypeError, ValueError):
        raise _invalid(
            "collected_at", "an ISO 8601 date and time with offset, e.g. 2026-11-02T07:30:00+09:00"
        ) from None
    if collected_at.utcoffset() is None:
        raise _invalid("collected_at", "the time must carry its UTC offset, e.g. +09:00")

    scale_id = raw.get("scale_id") or ""
    reader_uid = (raw.get("reader_uid") or raw.get("uid") or "").replace(":", "").upper()
    if not isinstance(scale_id, str) or len(scale_id) > 64:
        raise _invalid("scale_id", "at most 64 characters")
    device_id = raw.get("device_id") or ""
    if not isinstance(device_id, str) or len(device_id) > 64:
        raise _invalid("device_id", "at most 64 characters")
    if len(reader_uid) > 20 or any(c not in "0123456789ABCDEF" for c in reader_uid):
        raise _invalid("reader_uid", "the chip UID in hex")

    return ScanSubmission(
        id=event_id,
        tag=tag.strip(),
        weight_g=weight_g,
        exception_code=exception_code,
        collected_at=collected_at,
        lat=_coordinate(raw.get("lat"), "lat", 90),
        lng=_coordinate(raw.get("lng"), "lng", 180),
        source=source,
        scale_id=scale_id,
        reader_uid=reader_uid,
        device_id=device_id,
    )
