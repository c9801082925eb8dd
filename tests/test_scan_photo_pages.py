"""The photo a crew took with a scan, where people review the scan: the official's
review queue and the owner's pages (home, the tag's history). A thumbnail that opens
the photo through the access-checked view; "사진 업로드 대기" while a photo the phone
named has not arrived."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from backend.collection_events.models import ScanPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def attach(event, by):
    from django.core.files.base import ContentFile

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 0, 0)).save(out, format="JPEG")
    photo = ScanPhoto(event=event, sha256="0" * 64, width=64, height=48, bytes=len(out.getvalue()), uploaded_by=by)
    photo.image.save("photo.jpg", ContentFile(out.getvalue()), save=False)
    photo.save()
    return photo


@pytest.fixture
def scans(f, tag, collector):
    """A held weighing with its photo, and a missed pickup whose photo has not arrived."""
    held = f.CollectionEventFactory(
        tag=tag, collector=collector, status="held", collected_at=timezone.now() - timedelta(hours=1)
    )
    attach(held, collector)
    waiting = f.CollectionEventFactory(
        tag=tag,
        collector=collector,
        weight_g=None,
        exception_code="contaminated",
        status="not_collected",
        photo_id=uuid.uuid4(),
        collected_at=timezone.now() - timedelta(hours=2),
    )
    return {"held": held, "waiting": waiting}


def thumbnails(html: str) -> list[str]:
    return re.findall(r'<a class="tap scan-photo" href="([^"]+)"', html)


def test_the_official_sees_the_held_scans_photo(client, official, scans):
    client.force_login(official)
    html = client.get("/console/review/").content.decode()
    assert thumbnails(html) == [f"/api/v1/collections/{scans['held'].id}/photo/"]
    assert 'alt="수거 사진' in html
    assert client.get(thumbnails(html)[0]).status_code == 200  # the link opens for them


def test_the_owner_sees_the_photo_and_what_is_still_to_come(client, owner, tag, scans):
    client.force_login(owner)
    for page in ("/", f"/t/{tag.code}"):
        html = client.get(page).content.decode()
        assert thumbnails(html) == [f"/api/v1/collections/{scans['held'].id}/photo/"], page
        assert html.count("사진 업로드 대기") == 1, page
    assert client.get(f"/api/v1/collections/{scans['held'].id}/photo/").status_code == 200


def test_another_owner_sees_neither(client, other_owner, scans):
    client.force_login(other_owner)
    html = client.get("/").content.decode()
    assert not thumbnails(html) and "사진 업로드 대기" not in html
    assert client.get(f"/api/v1/collections/{scans['held'].id}/photo/").status_code == 404


def test_review_queue_reads_photos_in_a_fixed_number_of_queries(client, official, scans, f, tag, collector):
    client.force_login(official)
    client.get("/console/review/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get("/console/review/")
    for hours in range(3, 8):
        more = f.CollectionEventFactory(
            tag=tag, collector=collector, status="held", collected_at=timezone.now() - timedelta(hours=hours)
        )
        attach(more, collector)
    with CaptureQueriesContext(connection) as after:
        html = client.get("/console/review/").content.decode()
    assert len(thumbnails(html)) == 6
    assert len(after) == len(before)
