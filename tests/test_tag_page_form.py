"""The tag page's form posts a scan id fixed when the page was drawn: a double submit
(a double tap on 'save', a resend after a dropped connection) stores one scan."""

import re

import pytest


def test_same_form_posted_twice_stores_one_scan(client, collector, tag):
    from backend.collection_events.models import CollectionEvent

    client.force_login(collector)
    page = client.get(f"/t/{tag.code}").content.decode()
    scan_id = re.search(r'name="id" value="([0-9a-f-]{36})"', page).group(1)
    scanned_at = re.search(r'name="scanned_at" value="([^"]+)"', page).group(1)
    form = {"id": scan_id, "scanned_at": scanned_at, "weight_kg": "30.2", "exception_code": ""}
    client.post(f"/t/{tag.code}", form)
    second = client.post(f"/t/{tag.code}", form, follow=True)
    assert "이미 저장된 스캔입니다" in second.content.decode()
    assert CollectionEvent.objects.get().weight_g == 30200


def test_page_for_a_collector_outside_the_service_area_offers_no_form(client, f, collector, unserved_district):
    far = f.TagFactory(bin__restaurant__district=unserved_district)
    client.force_login(collector)
    page = client.get(f"/t/{far.code}").content.decode()
    assert 'name="weight_kg"' not in page
    assert far.bin.restaurant.name not in page


def test_unknown_tag_is_404(client, db):
    assert client.get("/t/aaaaaaaaaaaaaaaa").status_code == 404


def post_weight(client, collector, tag, weight_kg):
    client.force_login(collector)
    page = client.get(f"/t/{tag.code}").content.decode()
    form = {
        "id": re.search(r'name="id" value="([0-9a-f-]{36})"', page).group(1),
        "scanned_at": re.search(r'name="scanned_at" value="([^"]+)"', page).group(1),
        "weight_kg": weight_kg,
        "exception_code": "",
    }
    return client.post(f"/t/{tag.code}", form, follow=True)


@pytest.mark.parametrize("weight", ["1_0", "2.5E+1", "1e5", "12.3456", "-5", "NaN"])
def test_the_page_reads_a_weight_as_strictly_as_the_api(client, collector, tag, weight):
    from backend.collection_events.models import CollectionEvent

    answer = post_weight(client, collector, tag, weight)
    assert answer.status_code == 200
    assert 'class="errorlist' in answer.content.decode()
    assert not CollectionEvent.objects.exists()


def test_a_weight_typed_with_spaces_is_still_read(client, collector, tag):
    from backend.collection_events.models import CollectionEvent

    post_weight(client, collector, tag, " 12.5 ")
    assert CollectionEvent.objects.get().weight_g == 12_500
