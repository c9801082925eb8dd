"""`/api/v1/notices/`: each person's own notices, newest first; marking one read keeps
the first reading's time; someone else's notice is not found."""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notices/"


def read_url(notice) -> str:
    return f"/api/v1/notices/{notice.id}/read/"


@pytest.mark.parametrize("role", ["owner", "official", "collector", "other_owner"])
def test_each_person_lists_only_their_own_notices(f, api, owner, official, collector, other_owner, role, request):
    mine = {person: f.NoticeFactory(recipient=person) for person in (owner, official, collector, other_owner)}
    user = request.getfixturevalue(role)
    body = api.as_user(user).get(LIST).json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [str(mine[user].id)]


def test_newest_first_with_the_documented_fields(f, api, owner):
    now = timezone.now()
    old = f.NoticeFactory(recipient=owner, subject="지난주 안내", created_at=now - timedelta(days=7))
    new = f.NoticeFactory(recipient=owner, subject="오늘 안내", created_at=now)
    rows = api.as_user(owner).get(LIST).json()["results"]
    assert [row["id"] for row in rows] == [str(new.id), str(old.id)]
    assert rows[0]["title"] == "오늘 안내"
    assert {"id", "kind", "title", "body", "created_at", "read_at"} <= set(rows[0])
    assert rows[0]["read_at"] is None


def test_the_list_is_paginated(f, api, owner):
    for _ in range(3):
        f.NoticeFactory(recipient=owner)
    body = api.as_user(owner).get(LIST, {"page_size": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"]


def test_marking_read_keeps_the_first_time(f, api, owner, time_machine):
    notice = f.NoticeFactory(recipient=owner)
    time_machine.move_to("2026-11-30T09:00:00+09:00", tick=False)
    first = api.as_user(owner).post(read_url(notice))
    assert first.status_code == 200
    assert first.json()["read_at"].startswith("2026-11-30T09:00:00")

    time_machine.move_to("2026-12-01T10:00:00+09:00", tick=False)
    again = api.as_user(owner).post(read_url(notice))
    assert again.status_code == 200
    assert again.json()["read_at"] == first.json()["read_at"]
    notice.refresh_from_db()
    assert notice.read_at.isoformat().startswith("2026-11-30T00:00:00")  # stored in UTC


@pytest.mark.parametrize("reader", ["other_owner", "official", "collector"])
def test_someone_elses_notice_is_not_found_and_stays_unread(f, api, owner, reader, request):
    notice = f.NoticeFactory(recipient=owner)
    response = api.as_user(request.getfixturevalue(reader)).post(read_url(notice))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    notice.refresh_from_db()
    assert notice.read_at is None


def test_anonymous_is_asked_to_sign_in(f, api, owner):
    notice = f.NoticeFactory(recipient=owner)
    assert api.get(LIST).status_code == 401
    assert api.post(read_url(notice)).status_code == 401
