"""The notice centre's pages: newest first with unread ones said in words, opening one
(here or from its email's link) marks it read with the time, the header counts the
unread, the owner's home shows the latest three."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.notifications.models import Notice

pytestmark = pytest.mark.django_db


def test_the_centre_lists_newest_first_and_says_which_are_unread(f, client, owner):
    now = timezone.now()
    f.NoticeFactory(recipient=owner, subject="먼저 온 안내", created_at=now - timedelta(days=2), read_at=now)
    f.NoticeFactory(recipient=owner, subject="새로 온 안내", created_at=now)
    f.NoticeFactory(subject="남의 안내")
    client.force_login(owner)
    page = client.get("/notices/").content.decode()
    assert page.index("새로 온 안내") < page.index("먼저 온 안내")
    assert "남의 안내" not in page
    assert page.count("새 알림") == 1 and page.count("status-notice-read") == 1


def test_the_centre_is_paginated(f, client, owner):
    for _ in range(25):
        f.NoticeFactory(recipient=owner)
    client.force_login(owner)
    first = client.get("/notices/").content.decode()
    second = client.get("/notices/?page=2").content.decode()
    assert first.count('<li class="notice') == 20 and second.count('<li class="notice') == 5
    assert "1 / 2" in first


def test_opening_a_notice_marks_it_read_with_the_time_once(f, client, owner, time_machine):
    notice = f.NoticeFactory(recipient=owner, subject="청구서 발행")
    client.force_login(owner)
    time_machine.move_to("2026-11-30T09:05:00+09:00", tick=False)
    page = client.get(f"/notices/{notice.id}/").content.decode()
    assert "청구서 발행" in page and "2026년 11월 30일 09:05" in page
    time_machine.move_to("2026-12-02T18:00:00+09:00", tick=False)
    client.get(f"/notices/{notice.id}/")
    notice.refresh_from_db()
    assert timezone.localtime(notice.read_at).strftime("%Y-%m-%d %H:%M") == "2026-11-30 09:05"


def test_someone_elses_notice_is_not_found_and_stays_unread(f, client, owner, other_owner):
    notice = f.NoticeFactory(recipient=other_owner)
    client.force_login(owner)
    assert client.get(f"/notices/{notice.id}/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_emails_link_asks_to_sign_in_first_then_opens_the_notice(f, client, owner):
    notice = f.NoticeFactory(recipient=owner)
    response = client.get(f"/notices/{notice.id}/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_header_counts_unread_notices_and_opening_one_lowers_it(f, client, owner):
    first, _second = f.NoticeFactory(recipient=owner), f.NoticeFactory(recipient=owner)
    f.NoticeFactory(recipient=owner, read_at=timezone.now())
    f.NoticeFactory()  # someone else's
    client.force_login(owner)
    assert '<span class="unread-count" data-testid="unread-count">2<' in client.get("/").content.decode()
    page = client.get(f"/notices/{first.id}/").content.decode()
    assert '<span class="unread-count" data-testid="unread-count">1<' in page


def test_the_header_count_is_one_query(f, client, owner):
    for _ in range(3):
        f.NoticeFactory(recipient=owner)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as queries:
        client.get("/notices/")
    counts = [q["sql"] for q in queries if "notifications_notice" in q["sql"] and "COUNT" in q["sql"]]
    # the page's own count of all notices, and the header's count of unread ones
    assert len(counts) == 2 and sum("read_at" in sql for sql in counts) == 1


def test_no_count_for_visitors_not_signed_in(client, tag):
    assert "unread-count" not in client.get(f"/t/{tag.code}").content.decode()


def test_the_owners_home_shows_the_latest_three(f, client, owner):
    now = timezone.now()
    for day in range(5):
        f.NoticeFactory(recipient=owner, subject=f"안내 {day}일 전", created_at=now - timedelta(days=day))
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert [f"안내 {day}일 전" in page for day in range(5)] == [True, True, True, False, False]
    assert "/notices/" in page


def test_a_linked_notices_page_leads_on_to_where_it_points(f, client, owner, settings):
    notice = Notice(recipient=owner, kind="invoice_issued", about="x", subject="청구서")
    notice.link = settings.PUBLIC_BASE_URL + "/billing/invoices/"
    notice.body = f"내역 확인과 납부: {notice.page_url}\n"
    notice.save()
    client.force_login(owner)
    page = client.get(notice.page_path).content.decode()
    assert 'href="/billing/invoices/"' in page  # the button, on whatever host serves the page
    assert notice.page_url not in page  # the body's link to this page now points on
