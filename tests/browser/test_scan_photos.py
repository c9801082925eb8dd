"""The scan's photo on the pages that show it: the owner's home on a phone and the
official's review queue on a PC. The thumbnail loads (through the access-checked
view), and both pages stay usable (tests/browser/a11y.py)."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.test_scan_photo_pages import attach

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


@pytest.fixture
def scans(settings, tmp_path, f, tag, collector, official, owner):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for person in (official, owner):
        person.set_password(PASSWORD)
        person.save()
    held = f.CollectionEventFactory(
        tag=tag, collector=collector, status="held", collected_at=timezone.now() - timedelta(hours=1)
    )
    attach(held, collector)
    f.CollectionEventFactory(
        tag=tag,
        collector=collector,
        weight_g=None,
        exception_code="contaminated",
        status="not_collected",
        photo_id=uuid.uuid4(),
        collected_at=timezone.now() - timedelta(hours=2),
    )
    return held


def loaded(page, locator, timeout: float = 5.0) -> bool:
    """The image arrived and decoded. Thumbnails load lazily: scrolled to first, as a person
    reading down the page would."""
    locator.scroll_into_view_if_needed()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("(img) => img.complete && img.naturalWidth > 0", locator.element_handle()):
            return True
        time.sleep(0.05)
    return False


def test_the_owner_sees_the_photo_on_a_phone(phone, scans, owner):
    sign_in(phone, owner.username, PASSWORD, "/")
    thumbnail = phone.get_by_role("link", name="수거 사진").first
    expect(thumbnail).to_be_visible()
    expect(phone.get_by_text("사진 업로드 대기")).to_be_visible()
    assert loaded(phone, thumbnail.locator("img"))
    assert_usable(phone, "owner home with a scan photo and one to come")


def test_the_official_sees_the_photo_in_the_review_queue(desk, scans, official):
    sign_in(desk, official.username, PASSWORD, "/console/review/")
    thumbnail = desk.get_by_role("link", name="수거 사진")
    expect(thumbnail).to_be_visible()
    assert loaded(desk, thumbnail.locator("img"))
    assert_usable(desk, "review queue with a scan photo")
