"""Strict validators for one scan event, timed on a batch of 1,000 (in process, no database).

    .venv/bin/python bench/bench_validators.py [--events 1000] [--rounds 30]

The candidates check the same wire shape (types, lengths, no NUL / control character
/ lone surrogate, choices, an aware datetime, a UUID): msgspec (what
`backend/collection_events/submissions.py` uses), pydantic v2 (`pip install
pydantic==2.14.3` to include it; not a dependency of the project) and a DRF
serializer per event. Also timed: the whole `parse_submission` (schema and the rules
a schema cannot say). Prints CPU milliseconds per 1,000 events, best of the rounds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

import django

django.setup()

import msgspec  # noqa: E402
from rest_framework import serializers  # noqa: E402

from backend.collection_events import submissions  # noqa: E402

PLAIN = r"^[^\x00-\x1f\x7f\ud800-\udfff]*$"
SOURCES = ("nfc", "qr", "manual")
EXCEPTIONS = ("", "not_put_out", "contaminated", "overfilled", "bin_damaged", "no_access", "tag_unreadable")
KST = timezone(timedelta(hours=9))


def events(count: int) -> list[dict]:
    start = datetime(2026, 11, 2, 7, 0, tzinfo=KST)
    return [
        {
            "id": str(uuid.uuid4()),
            "tag": f"http://127.0.0.1:8000/t/{'abcdefghijklmnop'}",
            "weight_kg": f"{(n % 70) + 1}.{n % 1000:03d}",
            "collected_at": (start + timedelta(seconds=n)).isoformat(),
            "source": "nfc",
            "reader_uid": "04:A1:B2:C3:D4:E5:F6",
            "scale_id": "TRUCK-7",
            "device_id": "reader-7",
            "lat": 37.5551 + n / 1e6,
            "lng": "126.9101",
        }
        for n in range(count)
    ]


# --- msgspec: the schema submissions.py uses ------------------------------------------


def msgspec_schema(raw: dict) -> object:
    return msgspec.convert(raw, submissions._Event)


# --- pydantic v2 ------------------------------------------------------------------------


def pydantic_candidate():
    try:
        import pydantic
    except ImportError:
        return None
    from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

    Text = Annotated[StrictStr, Field(max_length=64, pattern=PLAIN)]
    Amount = StrictInt | StrictFloat | StrictStr | None

    class Event(BaseModel):
        # Rust's regex cannot name surrogates: the Python engine is needed for this check.
        model_config = ConfigDict(extra="ignore", strict=True, regex_engine="python-re")
        id: uuid.UUID
        tag: Annotated[StrictStr, Field(min_length=1, max_length=300, pattern=r"^[^\x00\ud800-\udfff]*$")]
        source: Literal["nfc", "qr", "manual"]
        collected_at: pydantic.AwareDatetime
        weight_kg: Amount = None
        exception_code: Literal[EXCEPTIONS] | None = None  # type: ignore[valid-type]
        lat: Amount = None
        lng: Amount = None
        scale_id: Text | None = None
        device_id: Text | None = None
        reader_uid: Annotated[StrictStr, Field(max_length=32, pattern=PLAIN)] | None = None

    # strict=True refuses str → UUID / datetime from Python objects; JSON-mode validation
    # of the already parsed dict is what a strict JSON reader would do.
    def parse(raw: dict) -> object:
        return Event.model_validate(raw, strict=False)

    return parse


# --- DRF serializer per event -------------------------------------------------------------


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Number(serializers.Field):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            raise serializers.ValidationError("a number")
        return data


class DrfEvent(serializers.Serializer):
    id = serializers.UUIDField()
    tag = StrictCharField(max_length=300, trim_whitespace=False)
    source = serializers.ChoiceField(choices=SOURCES)
    collected_at = serializers.DateTimeField(default_timezone=None)
    weight_kg = Number(required=False, allow_null=True)
    exception_code = serializers.ChoiceField(choices=EXCEPTIONS, required=False, allow_null=True)
    lat = Number(required=False, allow_null=True)
    lng = Number(required=False, allow_null=True)
    scale_id = StrictCharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    device_id = StrictCharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    reader_uid = StrictCharField(max_length=32, required=False, allow_null=True, allow_blank=True)


def drf_schema(raw: dict) -> object:
    form = DrfEvent(data=raw)
    form.is_valid(raise_exception=True)
    return form.validated_data


def best_ms(parse, batch, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for raw in batch:
            parse(raw)
        best = min(best, time.process_time() - started)
    return best * 1000 * 1000 / len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()
    batch = events(options.events)
    candidates = {
        "msgspec schema (chosen)": msgspec_schema,
        "pydantic v2 schema": pydantic_candidate(),
        "DRF serializer per event": drf_schema,
        "parse_submission: msgspec schema + our rules": submissions.parse_submission,
    }
    print(f"CPU ms per 1,000 events, best of {options.rounds} rounds of {options.events}:")
    for name, parse in candidates.items():
        if parse is None:
            print(f"  {name:48s} (not installed)")
            continue
        print(f"  {name:48s} {best_ms(parse, batch, options.rounds):8.2f}")


if __name__ == "__main__":
    main()
