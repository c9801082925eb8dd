"""`/reports/trends/`, `/reports/service/`, `/reports/money/`: what an official reads on
them, the default year of months, a wrong number said on the page, and English with no
Korean left outside names marked lang="ko"."""

from datetime import date

import pytest
from django.conf import settings

from backend.analytics.ranges import DateRange
from backend.analytics.report_pages import default_range
from backend.restaurants.models import Restaurant
from tests.analytics.conftest import seoul
from tests.analytics.test_officials_reports import invoice
from tests.owner.test_language import korean_outside_lang_ko

pytestmark = pytest.mark.django_db
PAGES = ["/reports/trends/", "/reports/service/", "/reports/money/"]
OCTOBER = "?from=2026-10-01&to=2026-10-31"


@pytest.fixture
def october(restaurant, tag, scan):
    Restaurant.objects.filter(id=restaurant.id).update(created_at=seoul(2024, 1, 1))
    scan(tag, seoul(2026, 10, 20, 7), 30_000)
    scan(tag, seoul(2026, 10, 22, 7), None)
    invoice(restaurant, date(2026, 10, 1), total=12_340, paid=2_340, due=date(2026, 11, 1), status="overdue")


def test_the_default_range_is_a_year_of_months_to_the_end_of_this_one():
    assert default_range(date(2026, 11, 15)) == DateRange(date(2025, 12, 1), date(2026, 11, 30))


def test_each_page_shows_the_figures_with_their_units(client, official, restaurant, october):
    client.force_login(official)
    trends = client.get(f"/reports/trends/{OCTOBER}").content.decode()
    assert "0.97 kg" in trends  # 30 kg at one restaurant over October's 31 days
    assert f'href="/console/restaurants/{restaurant.id}/"' in trends  # idle since 20 October
    service = client.get(f"/reports/service/{OCTOBER}").content.decode()
    assert "미배출" in service
    money = client.get(f"/reports/money/{OCTOBER}").content.decode()
    assert "청구액 12,340원" in money and "미수액 10,000원" in money


def test_a_wrong_number_is_said_on_the_page(client, official, october):
    client.force_login(official)
    response = client.get(f"/reports/trends/{OCTOBER}&idle_days=0&limit=abc")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("1부터") == 2  # both numbers, each with its own message
    assert 'value="14"' in page and 'value="20"' in page  # the defaults are shown meanwhile


@pytest.mark.parametrize("url", PAGES)
def test_a_day_not_on_the_calendar_is_kept_marked_and_no_report_shown(client, official, october, url):
    client.force_login(official)
    page = client.get(f"{url}?from=2026-02-29&to=2026-03-01").content.decode()
    assert '<div role="alert" id="range-error">' in page and "2026-02-29" in page
    assert 'value="2026-02-29" required aria-invalid="true" aria-describedby="range-error"' in page
    assert 'value="2026-03-01" required>' in page
    assert "<table" not in page and "download" not in page


@pytest.mark.parametrize("url", PAGES)
def test_in_english_no_korean_is_left_unmarked(client, official, october, url):
    client.force_login(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url + OCTOBER).content.decode()
    assert '<html lang="en">' in page
    assert korean_outside_lang_ko(page) == []


def test_service_headers_state_their_unit_once(client, official, october):
    client.force_login(official)
    korean = client.get(f"/reports/service/{OCTOBER}").content.decode()
    assert (
        '<th scope="col" class="num">방문(건)</th>' in korean and "미수거 신고(건)" in korean and "미배출(건)" in korean
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/reports/service/{OCTOBER}").content.decode()
    assert '<th scope="col" class="num">Visits</th>' in english
    assert "(reports)" not in english and "Visits with no bin put out" in english


@pytest.mark.parametrize("url", PAGES)
def test_owners_and_crews_are_refused(client, owner, collector, url):
    for persona in (owner, collector):
        client.force_login(persona)
        assert client.get(url).status_code == 403
