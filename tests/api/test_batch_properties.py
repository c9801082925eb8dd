"""The batch endpoint under arbitrary input: valid scans, their repeats and junk mixed.

Whatever the junk, every valid scan is stored exactly once, every junk event is
rejected with a code, no answer is a 5xx, and the grams stored are the grams sent.
"""

import json
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.collection_events.models import CollectionEvent

BATCH = "/api/v1/collections/batch/"
MAX_KG = 72  # a 60 L bin at 1.2 kg/L
SOURCES = ("nfc", "qr", "manual")
EXCEPTIONS = ("not_put_out", "contaminated", "overfilled", "bin_damaged", "no_access", "tag_unreadable")

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
junk_json = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
)
not_str = junk_json.filter(lambda value: not isinstance(value, str))
not_str_or_none = not_str.filter(lambda value: value is not None)
surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


SHORT_TEXT = st.text(max_size=10)


def with_bad_character(text_strategy=SHORT_TEXT):
    """A text with a NUL, a control character or a lone surrogate somewhere in it."""
    return st.tuples(text_strategy, st.sampled_from(["\x00", "\x1f", "\x7f"]) | surrogate, text_strategy).map(
        lambda parts: parts[0] + parts[1] + parts[2]
    )


def _is_whole_grams_in_range(number) -> bool:
    if type(number) not in (int, float):
        return False
    grams = Decimal(repr(number)) * 1000
    return grams == grams.to_integral_value() and 0 < grams <= MAX_KG * 1000


def _is_plain_kg(text: str) -> bool:
    match = re.fullmatch(r"-?([0-9]{1,8})(\.[0-9]{1,3})?", text)
    return bool(match) and len(text) <= 12 and 0 < float(text) <= MAX_KG


def _parses_as_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# For each field, values that no reading of the contract accepts.
JUNK_FIELDS = {
    "id": not_str | st.text().filter(lambda t: not _parses_as_uuid(t)) | st.just(str(uuid.UUID(int=0))),
    "tag": not_str | with_bad_character() | st.text(min_size=301, max_size=320) | st.just("https://evil.example/t/x"),
    "weight_kg": not_str.filter(lambda v: not _is_whole_grams_in_range(v))
    | st.text(max_size=15).filter(lambda t: not _is_plain_kg(t))
    | st.decimals(min_value=MAX_KG + 1, max_value=10**9, places=3).map(str),
    "collected_at": not_str
    | st.text(max_size=30)
    | with_bad_character(st.just("2026-11-28T10:00:00"))
    | st.sampled_from(["2026-11-28T10:00:00+20:00", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"]),
    "source": junk_json.filter(lambda v: v not in SOURCES),
    "exception_code": not_str_or_none | st.text(min_size=1).filter(lambda t: t not in EXCEPTIONS),
    "reader_uid": not_str_or_none | st.text(min_size=1).filter(lambda t: re.search(r"[^0-9A-Fa-f:]", t)),
    "scale_id": not_str_or_none | st.text(min_size=65, max_size=80) | with_bad_character(),
    "device_id": not_str_or_none | st.text(min_size=65, max_size=80) | with_bad_character(),
    "lat": st.lists(scalars, max_size=2) | st.booleans() | st.floats(min_value=90.001, max_value=1e9),
    "lng": st.dictionaries(st.text(max_size=3), scalars, max_size=2) | st.floats(max_value=-180.001, min_value=-1e9),
}


@st.composite
def valid_event(draw, tags):
    event = {
        # Not drawn: examples share one database, and drawn ids shrink to the same few values.
        "id": str(uuid.uuid4()),
        "tag": draw(st.sampled_from(tags)),
        "source": draw(st.sampled_from(SOURCES)),
        "collected_at": (timezone.now() - timedelta(minutes=draw(st.integers(1, 60 * 24 * 13)))).isoformat(),
    }
    if draw(st.booleans()):
        event["weight_kg"] = draw(st.integers(min_value=1, max_value=MAX_KG * 1000).map(lambda g: f"{g / 1000:.3f}"))
    else:
        event["exception_code"] = draw(st.sampled_from(EXCEPTIONS))
    if draw(st.booleans()):
        event["lat"], event["lng"] = draw(st.floats(-90, 90)), str(draw(st.integers(-180, 180)))
    if draw(st.booleans()):
        event["reader_uid"] = draw(st.sampled_from(["04A1B2C3D4E5F6", "04:a1:b2:c3:d4:e5:f6"]))
    return event


@st.composite
def junk_event(draw, tags):
    if draw(st.integers(0, 9)) == 0:
        return draw(not_str)  # not even an object
    event = draw(valid_event(tags))
    field = draw(st.sampled_from(sorted(JUNK_FIELDS)))
    if field in ("id", "tag", "source", "collected_at") and draw(st.booleans()):
        del event[field]  # a required field missing
        return event
    if field == "exception_code":
        event.setdefault("weight_kg", "1.000")  # an exception code with a weight is refused too
    if field == "weight_kg":
        event.pop("exception_code", None)  # else a missing weight would be right
    event[field] = draw(JUNK_FIELDS[field])
    return event


@st.composite
def batches(draw, tags):
    """Two batches in a row; items are valid scans, repeats of earlier ones, and junk."""
    sent_valid: list[dict] = []
    plan = []
    for _ in range(draw(st.integers(1, 24))):
        kind = draw(st.sampled_from(["valid", "valid", "repeat", "junk", "junk"]))
        if kind == "repeat" and sent_valid:
            plan.append(("repeat", draw(st.sampled_from(sent_valid))))
        elif kind == "junk":
            plan.append(("junk", draw(junk_event(tags))))
        else:
            event = draw(valid_event(tags))
            sent_valid.append(event)
            plan.append(("valid", event))
    cut = draw(st.integers(0, len(plan)))
    return plan[:cut], plan[cut:]


@pytest.fixture
def tag_references(f, tag):
    others = [f.TagFactory(bin__restaurant=tag.bin.restaurant) for _ in range(3)]
    return [tag.url, tag.code, others[0].url, others[1].manual_code_display, others[2].manual_code]


@pytest.mark.django_db
def test_valid_scans_stored_once_junk_rejected_never_a_5xx(api, collector, tag_references):
    crew = api.as_user(collector)

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(batches(tag_references))
    def check(plan):
        valid_ids, created, grams = set(), [], {}
        for batch in plan:
            if not batch:
                continue
            body = json.dumps({"events": [event for _, event in batch]})  # ASCII escapes, as devices send
            response = crew.post(BATCH, body, content_type="application/json")
            assert response.status_code == 200, response.content[:500]
            results = response.json()["results"]
            assert len(results) == len(batch)
            for (kind, event), result in zip(batch, results, strict=True):
                if kind == "junk":
                    assert result["status"] == "rejected", (event, result)
                    assert isinstance(result["error"]["code"], str) and result["error"]["code"]
                    continue
                assert result["id"] == event["id"]
                if event["id"] in valid_ids:
                    assert result["status"] == "duplicate", (event, result)
                else:
                    assert result["status"] == "created", (event, result)
                    valid_ids.add(event["id"])
                    created.append(event["id"])
                    weight = event.get("weight_kg")
                    grams[event["id"]] = 0 if weight is None else round(float(weight) * 1000)
        assert sorted(created) == sorted(valid_ids)
        stored = CollectionEvent.objects.filter(id__in=valid_ids)
        assert stored.count() == len(valid_ids)
        assert (stored.aggregate(total=Sum("weight_g"))["total"] or 0) == sum(grams.values())

    check()
