"""Every owner page at 200 % text size on a 360 px phone: nothing scrolls sideways and no
text is cut (WCAG 2.1 1.4.4 Resize text, 1.4.10 Reflow), in Korean and in English.

How 200 % is emulated: a viewport 180 CSS px wide and 370 high at twice the device
pixel ratio. That is what zooming a 360 × 740 phone to 200 % gives the page: the
browser divides the screen's width by the zoom, so the layout, the media queries and
`width=device-width` all see 180 CSS px, and each CSS px is drawn twice as large.
Setting `document.documentElement.style.zoom = 2` instead would be dishonest here: the
viewport stays 360 CSS px wide, media queries do not change, and Chromium's non-standard
`zoom` scales the page's boxes after layout in ways real zoom does not, so a page could
pass that check and still scroll sideways on a zoomed phone (or fail it and not).

"Cut" text: a text fragment drawn beyond the screen's left or right edge, or an element
that clips or scrolls its own content sideways (overflow other than visible with
`scrollWidth > clientWidth`), which hides part of a word or a figure.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from backend.billing.models import Invoice
from backend.payments import services as payments
from backend.restaurants.models import Restaurant
from tests.billing.conftest import seoul
from tests.browser.test_tag_page import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "two-hundred-percent-1"
ZOOMED_PHONE = {"width": 180, "height": 370}  # 360 × 740 at 200 %
PHONE = {"width": 360, "height": 740}

CUT_TEXT = (Path(__file__).parent / "cut_text.js").read_text(encoding="utf-8")


@pytest.fixture
def zoomed(chromium, live_server):
    yield from _phone(chromium, live_server, ZOOMED_PHONE, device_scale_factor=2)


@pytest.fixture
def phone(chromium, live_server):
    """The same phone at 100 %: 360 CSS px, where no rule of the narrow layout applies."""
    yield from _phone(chromium, live_server, PHONE, device_scale_factor=1)


def _phone(chromium, live_server, viewport, *, device_scale_factor):
    context = chromium.new_context(
        viewport=viewport,
        device_scale_factor=device_scale_factor,
        locale="ko-KR",
        base_url=live_server.url,
        has_touch=True,
        # Not Chromium's mobile emulation: a phone's browser widens the layout viewport to
        # fit a page that overflows (and shrinks the text back down), which would hide the
        # very overflow measured here. The pages say width=device-width, so on the phone
        # the layout is 180 CSS px wide exactly as here whenever they fit.
        is_mobile=False,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def owner_pages(f, owner, official, collector, restaurant, old_bin, tag, tariff, scan, bill):
    """Every owner page, each with content: an invoice of October to pay, today's
    pickup (open to dispute), similar restaurants to compare with, notices."""
    owner.set_password(PASSWORD)
    owner.save()
    Restaurant.objects.filter(id=restaurant.id).update(business_type="korean", floor_area_m2=Decimal("50"))
    for day in (3, 10, 17):
        scan(old_bin, seoul(2026, 10, day, 5), 10_000 + day)
    bill("2026-10")
    invoice = Invoice.objects.get(restaurant=restaurant)
    order = payments.create_payment_order(invoice=invoice, by=owner)
    today = scan(old_bin, timezone.now() - timedelta(hours=1), 12_345)
    for kg in (7, 8, 9, 8, 7):
        peer = f.RestaurantFactory(district=restaurant.district, business_type="korean", floor_area_m2=Decimal("45"))
        scan(f.BinFactory(restaurant=peer), timezone.now() - timedelta(hours=2), kg * 1000)
    return [
        "/",
        "/my/bins/",
        "/my/pickups/",
        f"/my/pickups/{today.id}/",
        f"/disputes/new/{today.id}/",
        "/disputes/",
        "/my/comparison/",
        "/billing/invoices/",
        f"/billing/invoices/{invoice.id}/",
        f"/payments/sandbox/{order.id}/",
        f"/payments/wallet/{restaurant.id}/",
        "/notices/",
        "/notices/settings/",
        "/handover/",
    ]


def _sign_in(page) -> None:
    page.goto("/login/?next=/")
    page.locator("input[name=username]").fill("owner")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/")


def _overflows(page, pages, *, screenshots: str | None = None) -> list[str]:
    """Each owner page in Korean, then in English (the header's switch): what scrolls
    sideways or is cut."""
    problems = []
    for language in ("ko", "en"):
        if language == "en":
            page.locator("form.language-switch button[value=en]").click()
            page.wait_for_function("() => document.documentElement.lang === 'en'")
        for number, path in enumerate(pages, 1):
            response = page.goto(path)
            assert response.ok, f"{path}: {response.status}"
            sideways = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if sideways > 0:
                problems.append(f"[{language}] {path}: scrolls sideways by {sideways}px")
            problems += [f"[{language}] {path}: {cut}" for cut in page.evaluate(CUT_TEXT)]
            if screenshots:
                name = "-".join(p for p in path.split("/") if 0 < len(p) < 30) or "home"
                shoot(page, f"{screenshots}-{language}-{number:02d}-{name}")
    return problems


def test_every_owner_page_reflows_at_200_percent(zoomed, owner_pages):
    _sign_in(zoomed)
    assert zoomed.evaluate("() => [window.innerWidth, window.devicePixelRatio]") == [180, 2]
    problems = _overflows(zoomed, owner_pages, screenshots="zoom-200")
    assert not problems, "at 200 % on a 360 px phone:\n" + "\n".join(problems)


def test_every_owner_page_fits_a_360_px_phone_in_both_languages(phone, owner_pages):
    _sign_in(phone)
    assert phone.evaluate("() => window.innerWidth") == 360
    problems = _overflows(phone, owner_pages)
    assert not problems, "on a 360 px phone:\n" + "\n".join(problems)
