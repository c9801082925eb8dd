"""Crews' scales: registered by officials (pages and API), and the flags a weighing
gets when its scale is unregistered or past its legal inspection (정기검사), which holds
it in the officials' review queue."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.collection_events.models import CollectionEvent, Scale

pytestmark = pytest.mark.django_db
BATCH = "/api/v1/collections/batch/"
HOURS_AGO = (timezone.now() - timedelta(hours=3)).isoformat()  # outside the other scan's hold window


def scan(tag, **overrides):
    return {
        "id": str(uuid.uuid4()),
        "tag": tag.url,
        "weight_kg": "12.345",
        "collected_at": timezone.now().isoformat(),
        "source": "nfc",
        **overrides,
    }


@pytest.fixture
def scale(official, collector):
    return Scale.objects.create(
        municipality=official.municipality,
        hauler=collector.hauler,
        serial="MAPO-TRUCK-07",
        model="CAS HB-150",
        inspected_on=timezone.localdate() - timedelta(days=100),
    )


def flags_of(api, collector, *events):
    response = api.as_user(collector).post(BATCH, {"events": list(events)}, format="json")
    assert response.status_code == 200, response.content
    return [CollectionEvent.objects.get(id=event["id"]).flags for event in events]


def test_a_weighing_from_an_unregistered_scale_is_flagged(api, collector, tag, scale):
    assert flags_of(api, collector, scan(tag, scale_id="UNKNOWN-1")) == [["unregistered_scale"]]


def test_a_weighing_from_a_registered_scale_in_inspection_is_not_flagged(api, collector, tag, scale):
    assert flags_of(api, collector, scan(tag, scale_id=scale.serial)) == [[]]


def test_a_weighing_after_the_inspection_lapsed_is_flagged(api, collector, tag, scale, settings):
    settings.SCALE_INSPECTION_VALID_DAYS = 30
    assert flags_of(api, collector, scan(tag, scale_id=scale.serial)) == [["scale_inspection_due"]]


def test_a_scan_naming_no_scale_or_weighing_nothing_is_not_judged(api, collector, tag, scale):
    no_scale = scan(tag)
    visit = scan(tag, weight_kg=None, exception_code="not_put_out", scale_id="UNKNOWN-1")
    assert flags_of(api, collector, no_scale, visit) == [[], []]


def test_another_municipalitys_scale_of_the_same_id_does_not_count(api, f, collector, tag, stranger):
    hauler = f.HaulerFactory(municipality=stranger.municipality)
    Scale.objects.create(
        municipality=stranger.municipality, hauler=hauler, serial="SHARED-1", inspected_on=timezone.localdate()
    )
    assert flags_of(api, collector, scan(tag, scale_id="SHARED-1")) == [["unregistered_scale"]]


def test_the_scales_are_read_once_per_batch(api, f, collector, tag, scale):
    def queries_for(n):
        tags = [f.TagFactory(bin__restaurant=tag.bin.restaurant) for _ in range(n)]
        events = [scan(t, scale_id=scale.serial if i % 2 else f"OTHER-{i}") for i, t in enumerate(tags)]
        with CaptureQueriesContext(connection) as queries:
            assert api.as_user(collector).post(BATCH, {"events": events}, format="json").status_code == 200
        return len(queries)

    queries_for(1)  # the first as_user() creates the crew's API token
    assert queries_for(3) == queries_for(40)


def test_flagged_weighings_are_held_in_the_review_queue(client, api, official, collector, tag, scale):
    unregistered, fine = scan(tag, scale_id="UNKNOWN-1"), scan(tag, scale_id=scale.serial, collected_at=HOURS_AGO)
    flags_of(api, collector, unregistered, fine)
    assert CollectionEvent.objects.get(id=fine["id"]).status == "billable"
    client.force_login(official)
    html = client.get(reverse("review:held")).content.decode()
    assert html.count('data-testid="held-scan"') == 1
    assert "UNKNOWN-1" in html and "등록되지 않은 저울로 계량함" in html
    # Voided from the queue, with a reason.
    response = client.post(
        reverse("review:held"), {"events": [unregistered["id"]], "decision": "void", "reason": "미등록 저울"}
    )
    assert response.status_code == 302
    assert CollectionEvent.objects.get(id=unregistered["id"]).status == "void"
    assert 'data-testid="held-scan"' not in client.get(reverse("review:held")).content.decode()


class TestPages:
    def form(self, collector, **fields):
        return {
            "serial": "MAPO-TRUCK-08",
            "model": "CAS HB-150",
            "hauler": str(collector.hauler_id),
            "inspected_on": str(timezone.localdate() - timedelta(days=10)),
            "change_reason": "신규 차량 배치",
            **fields,
        }

    def test_an_official_registers_a_scale_and_sees_its_history(self, client, official, collector):
        client.force_login(official)
        response = client.post(reverse("scales:list"), self.form(collector))
        scale = Scale.objects.get(serial="MAPO-TRUCK-08")
        assert response.status_code == 302 and response.url == reverse("scales:detail", args=[scale.id])
        html = client.get(response.url).content.decode()
        assert "MAPO-TRUCK-08" in html and "신규 차량 배치" in html and "저울 MAPO-TRUCK-08을(를) 등록했습니다" in html
        assert "MAPO-TRUCK-08" in client.get(reverse("scales:list")).content.decode()

    def test_a_new_inspection_date_is_saved_with_its_reason(self, client, official, collector, scale):
        client.force_login(official)
        today = timezone.localdate()
        response = client.post(
            reverse("scales:detail", args=[scale.id]),
            {
                "model": scale.model,
                "hauler": str(scale.hauler_id),
                "inspected_on": str(today),
                "change_reason": "정기검사",
            },
        )
        assert response.status_code == 302
        scale.refresh_from_db()
        assert scale.inspected_on == today
        record = scale.history.latest()
        assert (record.history_user, record.history_change_reason) == (official, "정기검사")
        html = client.get(reverse("scales:detail", args=[scale.id])).content.decode()
        assert "inspected_on" in html  # the changed field, in the history

    def test_the_same_id_twice_is_refused_with_the_reason(self, client, official, collector, scale):
        client.force_login(official)
        response = client.post(reverse("scales:list"), self.form(collector, serial=scale.serial))
        assert response.status_code == 400
        assert "이미 등록되어 있습니다" in response.content.decode()
        assert Scale.objects.count() == 1

    def test_an_inspection_in_the_future_is_refused(self, client, official, collector):
        client.force_login(official)
        tomorrow = str(timezone.localdate() + timedelta(days=2))
        response = client.post(reverse("scales:list"), self.form(collector, inspected_on=tomorrow))
        assert response.status_code == 400 and "정기검사일이 오늘 이후입니다" in response.content.decode()

    def test_weighings_by_scale(self, client, api, official, collector, tag, scale):
        mine, other = scan(tag, scale_id=scale.serial, weight_kg="7.5"), scan(tag, scale_id="OTHER", weight_kg="3.25")
        flags_of(api, collector, mine, other)
        client.force_login(official)
        html = client.get(reverse("scales:weighings"), {"scale": scale.serial}).content.decode()
        assert "7.5" in html and "3.25" not in html
        html = client.get(reverse("scales:weighings"), {"scale": "OTHER"}).content.decode()
        assert "3.25" in html and "등록되지 않은 저울" in html

    @pytest.mark.parametrize("persona", ["owner", "collector"])
    def test_owners_and_crews_are_refused(self, client, persona, request, scale, collector):
        client.force_login(request.getfixturevalue(persona))
        for url in [reverse("scales:list"), reverse("scales:detail", args=[scale.id]), reverse("scales:weighings")]:
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("scales:list"), self.form(collector)).status_code == 403
        assert Scale.objects.count() == 1

    def test_another_municipalitys_official_gets_404_and_sees_none(self, client, api, stranger, collector, tag, scale):
        flags_of(api, collector, scan(tag, scale_id=scale.serial, weight_kg="7.5"))
        client.force_login(stranger)
        assert client.get(reverse("scales:detail", args=[scale.id])).status_code == 404
        assert scale.serial not in client.get(reverse("scales:list")).content.decode()
        assert "7.5" not in client.get(reverse("scales:weighings"), {"scale": scale.serial}).content.decode()


class TestApi:
    def test_an_official_registers_and_lists_scales(self, api, official, collector):
        client = api.as_user(official)
        body = {"serial": "MAPO-9", "model": "AND", "hauler": str(collector.hauler_id), "inspected_on": "2026-01-05"}
        response = client.post("/api/v1/scales/", {**body, "change_reason": "신규"}, format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["serial"], data["inspection_valid_through"]) == ("MAPO-9", str(date(2026, 1, 5) + timedelta(730)))
        assert Scale.objects.get().history.latest().history_change_reason == "신규"
        assert [row["serial"] for row in client.get("/api/v1/scales/").json()["results"]] == ["MAPO-9"]
        again = client.post("/api/v1/scales/", body, format="json")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "scale_exists")

    def test_a_hauler_of_another_municipality_is_refused(self, api, official, other_collector):
        body = {"serial": "X-1", "hauler": str(other_collector.hauler_id), "inspected_on": "2026-01-05"}
        response = api.as_user(official).post("/api/v1/scales/", body, format="json")
        # Answered like an id that does not exist: nothing says the hauler is elsewhere.
        assert (response.status_code, response.json()["error"]["code"]) == (400, "does_not_exist")

    @pytest.mark.parametrize("persona", ["owner", "collector"])
    def test_owners_and_crews_neither_register_nor_see_scales(self, api, persona, request, scale, collector):
        client = api.as_user(request.getfixturevalue(persona))
        body = {"serial": "X-2", "hauler": str(collector.hauler_id), "inspected_on": "2026-01-05"}
        assert client.post("/api/v1/scales/", body, format="json").status_code == 403
        assert client.get("/api/v1/scales/").json()["results"] == []
