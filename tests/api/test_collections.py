"""POST /api/v1/collections/ and /batch/: every scan rule and error code."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.collection_events.models import CollectionEvent, ScanReceipt
from tests.api.scans import BATCH, URL, error_code, scan


class TestRecordOne:
    def test_stores_the_scan_with_the_weight_exactly_as_sent(self, crew, tag):
        body = scan(tag, weight_kg="12.345")
        response = crew.post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["id"] == body["id"]
        assert data["weight_kg"] == "12.345"
        assert data["bin"] == str(tag.bin_id)
        assert data["restaurant"] == str(tag.bin.restaurant_id)
        assert data["status"] == "billable"
        assert data["flags"] == []
        assert CollectionEvent.objects.get(id=body["id"]).weight_g == 12345

    def test_weight_as_a_json_number_is_not_rounded_through_float(self, crew, tag):
        response = crew.post(URL, scan(tag, weight_kg=0.1), format="json")
        assert response.json()["weight_kg"] == "0.100"
        assert response.json()["weight_g"] == 100

    @pytest.mark.parametrize("reference", ["url", "code", "manual", "manual_display", "manual_lowercase"])
    def test_tag_can_be_given_as_url_code_or_typed_manual_code(self, crew, tag, reference):
        value = {
            "url": tag.url,
            "code": tag.code,
            "manual": tag.manual_code,
            "manual_display": tag.manual_code_display,
            "manual_lowercase": tag.manual_code_display.lower(),
        }[reference]
        response = crew.post(URL, scan(tag, tag=value, source="manual"), format="json")
        assert response.status_code == 201, response.json()
        assert "manual_entry" in response.json()["flags"]

    def test_retry_with_same_body_answers_200_and_stores_nothing_new(self, crew, tag):
        body = scan(tag)
        first = crew.post(URL, body, format="json")
        again = crew.post(URL, body, format="json")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert CollectionEvent.objects.count() == 1

    def test_retry_spelling_the_tag_differently_is_still_the_same_scan(self, crew, tag):
        body = scan(tag)
        crew.post(URL, body, format="json")
        again = crew.post(URL, {**body, "tag": tag.manual_code_display}, format="json")
        assert again.status_code == 200

    def test_same_id_with_another_body_is_a_conflict(self, crew, tag):
        body = scan(tag)
        crew.post(URL, body, format="json")
        response = crew.post(URL, {**body, "weight_kg": "13.000"}, format="json")
        assert response.status_code == 409
        assert error_code(response) == "idempotency_conflict"
        assert CollectionEvent.objects.get(id=body["id"]).weight_g == 12345

    def test_retry_long_after_the_age_limit_is_still_a_duplicate(self, crew, tag):
        body = scan(tag)
        crew.post(URL, body, format="json")
        with time_machine.travel(timezone.now() + timedelta(days=30)):
            assert crew.post(URL, body, format="json").status_code == 200

    def test_unknown_tag(self, crew, tag):
        unknown = tag.url.replace(tag.code, "aaaaaaaaaaaaaaaa")
        response = crew.post(URL, scan(tag, tag=unknown), format="json")
        assert (response.status_code, error_code(response)) == (400, "unknown_tag")

    def test_typo_in_manual_code_is_caught_by_the_check_character(self, crew, tag):
        typo = ("1" if tag.manual_code[0] != "1" else "2") + tag.manual_code[1:]
        response = crew.post(URL, scan(tag, tag=typo, source="manual"), format="json")
        assert (response.status_code, error_code(response)) == (400, "manual_code_typo")

    def test_revoked_tag(self, crew, tag, official):
        tag.revoke(by=official, reason="lost")
        response = crew.post(URL, scan(tag), format="json")
        assert (response.status_code, error_code(response)) == (400, "tag_revoked")

    def test_scan_taken_before_the_revocation_is_accepted_when_synced_later(self, crew, tag, official):
        taken = timezone.now() - timedelta(hours=3)
        with time_machine.travel(taken + timedelta(hours=1)):
            tag.revoke(by=official, reason="damaged")
        response = crew.post(URL, scan(tag, collected_at=taken.isoformat()), format="json")
        assert response.status_code == 201, response.json()

    def test_tag_issue_time_does_not_bound_collected_at(self, crew, tag):
        before_issue = tag.issued_at - timedelta(days=3)
        response = crew.post(URL, scan(tag, collected_at=before_issue.isoformat()), format="json")
        assert response.status_code == 201

    @pytest.mark.parametrize("weight", ["0", "-1.5", "72.001", "99999999999999", "-99999999999999.5"])
    def test_weight_out_of_range(self, crew, tag, weight):
        # a 60 L bin at 1.2 kg/L holds at most 72 kg
        response = crew.post(URL, scan(tag, weight_kg=weight), format="json")
        assert (response.status_code, error_code(response)) == (400, "weight_out_of_range")

    def test_the_heaviest_plausible_weight_is_accepted(self, crew, tag):
        assert crew.post(URL, scan(tag, weight_kg="72.000"), format="json").status_code == 201

    @pytest.mark.parametrize("weight", ["12.3456", "abc", "", True, "NaN"])
    def test_malformed_weight(self, crew, tag, weight):
        response = crew.post(URL, scan(tag, weight_kg=weight), format="json")
        assert response.status_code == 400
        assert error_code(response) == "validation_error"
        assert "weight_kg" in response.json()["error"]["fields"]

    def test_collected_at_in_future(self, crew, tag):
        future = timezone.now() + timedelta(minutes=6)
        response = crew.post(URL, scan(tag, collected_at=future.isoformat()), format="json")
        assert (response.status_code, error_code(response)) == (400, "collected_at_in_future")

    def test_a_device_clock_a_little_ahead_is_tolerated(self, crew, tag):
        ahead = timezone.now() + timedelta(minutes=4)
        assert crew.post(URL, scan(tag, collected_at=ahead.isoformat()), format="json").status_code == 201

    def test_collected_at_too_old(self, crew, tag, settings):
        old = timezone.now() - timedelta(days=settings.SCAN_MAX_AGE_DAYS, minutes=1)
        response = crew.post(URL, scan(tag, collected_at=old.isoformat()), format="json")
        assert (response.status_code, error_code(response)) == (400, "collected_at_too_old")

    def test_collected_at_without_offset_is_refused(self, crew, tag):
        naive = timezone.now().replace(tzinfo=None).isoformat()
        response = crew.post(URL, scan(tag, collected_at=naive), format="json")
        assert response.status_code == 400
        assert "collected_at" in response.json()["error"]["fields"]

    @pytest.mark.parametrize("offset", ["+00:00", "+09:00", "-05:00", "Z"])
    def test_any_offset_is_kept_as_the_same_instant(self, crew, tag, offset):
        moment = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
        zone = datetime.fromisoformat("2026-01-01T00:00:00" + offset.replace("Z", "+00:00")).tzinfo
        body = scan(tag, collected_at=moment.astimezone(zone).isoformat().replace("+00:00", offset))
        assert crew.post(URL, body, format="json").status_code == 201
        assert CollectionEvent.objects.get(id=body["id"]).collected_at == moment

    def test_collector_outside_the_service_area_is_refused_as_if_the_tag_did_not_exist(
        self, crew, f, tag, unserved_district, official
    ):
        far_tag = f.TagFactory(bin__restaurant__district=unserved_district)
        far = crew.post(URL, scan(far_tag), format="json")
        unknown = crew.post(URL, scan(tag, tag=tag.url.replace(tag.code, "aaaaaaaaaaaaaaaa")), format="json")
        assert (far.status_code, error_code(far)) == (400, "unknown_tag")
        assert far.json() == unknown.json()
        assert not CollectionEvent.objects.exists()

    @pytest.mark.parametrize("persona", ["official", "owner", "stranger"])
    def test_only_collectors_record_scans(self, api, tag, persona, request):
        response = api.as_user(request.getfixturevalue(persona)).post(URL, scan(tag), format="json")
        assert (response.status_code, error_code(response)) == (403, "permission_denied")

    def test_anonymous_is_refused(self, api, tag):
        response = api.post(URL, scan(tag), format="json")
        assert (response.status_code, error_code(response)) == (401, "not_authenticated")

    def test_status_and_restaurant_sent_by_the_crew_are_ignored(self, crew, tag, f):
        elsewhere = f.RestaurantFactory()
        body = scan(tag, status="void", restaurant=str(elsewhere.id), bin=str(elsewhere.id))
        data = crew.post(URL, body, format="json").json()
        assert (data["status"], data["restaurant"]) == ("billable", str(tag.bin.restaurant_id))


class TestHoldWindowAndFlags:
    def test_second_scan_of_a_bin_within_the_hold_window_is_held(self, crew, tag):
        first = timezone.now() - timedelta(minutes=40)
        crew.post(URL, scan(tag, collected_at=first.isoformat()), format="json")
        second = crew.post(URL, scan(tag, collected_at=(first + timedelta(minutes=29)).isoformat()), format="json")
        assert second.json()["status"] == "held"
        assert "hold_window" in second.json()["flags"]

    def test_a_scan_after_the_window_is_billable(self, crew, tag):
        first = timezone.now() - timedelta(minutes=40)
        crew.post(URL, scan(tag, collected_at=first.isoformat()), format="json")
        later = crew.post(URL, scan(tag, collected_at=(first + timedelta(minutes=30)).isoformat()), format="json")
        assert later.json()["status"] == "billable"

    def test_a_late_synced_earlier_scan_is_held_too(self, crew, tag):
        now = timezone.now()
        crew.post(URL, scan(tag, collected_at=now.isoformat()), format="json")
        earlier = crew.post(URL, scan(tag, collected_at=(now - timedelta(minutes=10)).isoformat()), format="json")
        assert earlier.json()["status"] == "held"

    def test_two_scans_of_one_bin_in_one_batch(self, crew, tag):
        now = timezone.now()
        events = [scan(tag, collected_at=(now - timedelta(minutes=m)).isoformat()) for m in (5, 15)]
        crew.post(BATCH, {"events": events}, format="json")
        statuses = {str(e.id): e.status for e in CollectionEvent.objects.all()}
        # the earlier one (15 min ago) is billable, the later one is held
        assert statuses[events[1]["id"]] == "billable"
        assert statuses[events[0]["id"]] == "held"

    def test_scan_far_from_the_restaurant_is_stored_and_flagged(self, crew, tag):
        response = crew.post(URL, scan(tag, lat="37.565000", lng="126.910000"), format="json")  # ~1.1 km north
        assert response.status_code == 201
        assert "far_from_restaurant" in response.json()["flags"]
        assert 1000 < response.json()["distance_m"] < 1200

    def test_scan_at_the_restaurant_is_not_flagged(self, crew, tag):
        response = crew.post(URL, scan(tag, lat="37.555100", lng="126.910100"), format="json")
        assert response.json()["flags"] == []

    def test_reader_seeing_another_chip_is_flagged(self, crew, tag):
        tag.record_nfc_uid("04:A1:B2:C3:D4:E5:F6")
        response = crew.post(URL, scan(tag, reader_uid="04A1B2C3D4E5F7"), format="json")
        assert response.json()["flags"] == ["uid_mismatch"]


class TestVisitsWithoutWeighing:
    def test_exception_visit_is_stored_never_billed_and_tells_the_owner(
        self, crew, tag, mailoutbox, django_capture_on_commit_callbacks, eager_celery
    ):
        with django_capture_on_commit_callbacks(execute=True):
            body = scan(tag, exception_code="not_put_out")
            del body["weight_kg"]
            response = crew.post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "not_collected"
        assert response.json()["weight_kg"] is None
        assert len(mailoutbox) == 1
        assert "배출되지 않아" in mailoutbox[0].body
        assert mailoutbox[0].to == ["owner@example.org"]

    def test_exception_with_a_weight_is_refused(self, crew, tag):
        response = crew.post(URL, scan(tag, exception_code="contaminated"), format="json")
        assert response.status_code == 400

    def test_unknown_exception_code_is_refused(self, crew, tag):
        body = scan(tag, exception_code="ate_by_cat")
        del body["weight_kg"]
        assert crew.post(URL, body, format="json").status_code == 400


class TestBatch:
    def test_one_result_per_event_in_order_and_bad_events_block_none(self, crew, tag, f):
        revoked = f.TagFactory(bin__restaurant=tag.bin.restaurant)
        revoked.revoke(by=None, reason="lost")
        events = [
            scan(tag, collected_at=(timezone.now() - timedelta(hours=2)).isoformat()),
            scan(tag, tag="nonsense"),
            {"not": "an event"},
            scan(revoked),
            scan(tag, weight_kg="9999"),
        ]
        response = crew.post(BATCH, {"events": events}, format="json")
        assert response.status_code == 200
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["created", "rejected", "rejected", "rejected", "rejected"]
        assert [r.get("error", {}).get("code") for r in results] == [
            None,
            "unknown_tag",
            "validation_error",
            "tag_revoked",
            "weight_out_of_range",
        ]
        assert results[0]["id"] == events[0]["id"]
        assert CollectionEvent.objects.count() == 1

    def test_replayed_batch_is_all_duplicates(self, crew, tag, f):
        bins = [f.TagFactory(bin__restaurant=tag.bin.restaurant) for _ in range(5)]
        events = [scan(t) for t in bins]
        crew.post(BATCH, {"events": events}, format="json")
        again = crew.post(BATCH, {"events": events}, format="json").json()["results"]
        assert {r["status"] for r in again} == {"duplicate"}
        assert CollectionEvent.objects.count() == 5 == ScanReceipt.objects.count()

    def test_same_id_twice_in_one_batch(self, crew, tag):
        body = scan(tag)
        results = crew.post(BATCH, {"events": [body, body, {**body, "weight_kg": "1"}]}, format="json").json()
        assert [r["status"] for r in results["results"]] == ["created", "duplicate", "rejected"]
        assert results["results"][2]["error"]["code"] == "idempotency_conflict"
        assert CollectionEvent.objects.count() == 1

    def test_more_than_a_thousand_events_is_refused_before_any_work(self, crew, tag):
        events = [scan(tag) for _ in range(1001)]
        response = crew.post(BATCH, {"events": events}, format="json")
        assert (response.status_code, error_code(response)) == (400, "batch_too_large")
        assert not CollectionEvent.objects.exists()

    @pytest.mark.parametrize("body", [{}, {"events": "x"}, [], {"events": None}])
    def test_malformed_batch(self, crew, body):
        response = crew.post(BATCH, body, format="json")
        assert (response.status_code, error_code(response)) == (400, "validation_error")

    def test_empty_batch_has_nothing_to_answer(self, crew):
        assert crew.post(BATCH, {"events": []}, format="json").json() == {"results": []}

    def test_query_count_does_not_grow_with_the_batch(self, crew, tag, f):
        def queries_for(n):
            tags = [f.TagFactory(bin__restaurant=tag.bin.restaurant) for _ in range(n)]
            events = [scan(t) for t in tags] + [scan(t, weight_kg="1000") for t in tags]  # half rejected
            with CaptureQueriesContext(connection) as queries:
                response = crew.post(BATCH, {"events": events}, format="json")
            assert response.status_code == 200
            return len(queries)

        assert queries_for(3) == queries_for(60)


def test_the_sending_device_is_recorded_and_part_of_the_scan(crew, tag):
    body = scan(tag, device_id="truck-12", scale_id="cas-7")
    data = crew.post(URL, body, format="json").json()
    assert (data["device_id"], data["scale_id"]) == ("truck-12", "cas-7")
    response = crew.post(URL, {**body, "device_id": "truck-13"}, format="json")
    assert (response.status_code, error_code(response)) == (409, "idempotency_conflict")
