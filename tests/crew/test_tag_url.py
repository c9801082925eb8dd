"""A crew member's phone opening a tag's URL lands in the crew app's weighing screen with
the URL whole, so the scan goes through the phone's outbox (kept with no signal, sent
once) and an NFC chip's SUN parameters reach the server with it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings


def weighing_screen(response):
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/crew/weigh"
    return {key: values[0] for key, values in parse_qs(target.query).items()}


def test_a_crew_opening_a_tag_url_is_sent_to_the_weighing_screen(client, collector, tag):
    client.force_login(collector)
    screen = weighing_screen(client.get(f"/t/{tag.code}"))
    assert screen == {"tag": f"{settings.PUBLIC_BASE_URL}/t/{tag.code}", "source": "qr"}


def test_the_sun_parameters_of_a_tap_go_along_and_count_as_nfc(client, collector, tag):
    client.force_login(collector)
    sun_query = "picc_data=EF963FF7828658A599F3041510E5BB80&cmac=94EED9EE65337086"
    screen = weighing_screen(client.get(f"/t/{tag.code}?{sun_query}"))
    assert screen == {"tag": f"{settings.PUBLIC_BASE_URL}/t/{tag.code}?{sun_query}", "source": "nfc"}


def test_a_crew_off_the_route_gets_the_app_too_and_no_restaurant_name(client, f, collector, unserved_district):
    # Whether the scan counts is judged with the scan (unknown_tag for a bin off the route).
    far = f.TagFactory(bin__restaurant__district=unserved_district)
    client.force_login(collector)
    response = client.get(f"/t/{far.code}")
    weighing_screen(response)
    assert far.bin.restaurant.name not in response["Location"]


def test_the_owner_still_sees_the_history_and_a_stranger_that_the_bin_is_registered(client, owner, tag):
    assert client.get(f"/t/{tag.code}").status_code == 200
    client.force_login(owner)
    page = client.get(f"/t/{tag.code}")
    assert page.status_code == 200 and tag.bin.restaurant.name in page.content.decode()


@pytest.mark.django_db
def test_unknown_tag_is_404(client):
    assert client.get("/t/aaaaaaaaaaaaaaaa").status_code == 404
