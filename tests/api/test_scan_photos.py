"""PUT/GET /api/v1/collections/{id}/photo/: a crew attaches the photo it took to its own
scan; whoever sees the scan sees the photo. Every refusal has its code."""

import io
import uuid

import pytest
from django.core.cache import cache
from PIL import Image

from tests.api.scans import BATCH, URL, error_code, scan
from tests.billing.conftest import bill, old_bin, seoul, tariff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def picture(fmt="JPEG", size=(640, 480), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def with_gps_exif() -> bytes:
    """A JPEG carrying the camera's EXIF: make, and a GPS position (GPSInfo)."""
    image = Image.new("RGB", (800, 600), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 33.0, 18.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (126.0, 54.0, 36.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test's own premise
    return data


def photo_path(event_id) -> str:
    return f"/api/v1/collections/{event_id}/photo/"


def upload(client, event_id, data: bytes, name="photo.jpg"):
    file = io.BytesIO(data)
    file.name = name
    return client.put(photo_path(event_id), {"image": file}, format="multipart")


@pytest.fixture
def recorded(crew, tag):
    """A scan the crew recorded (an exception, with the photo it named)."""
    body = scan(tag, weight_kg=None, exception_code="contaminated", photo_id=str(uuid.uuid4()))
    response = crew.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_first_upload_stores_a_jpeg_and_the_scan_shows_it(crew, recorded):
    response = upload(crew, recorded["id"], picture("PNG", size=(3000, 2000)))
    assert response.status_code == 201, response.json()
    photo = response.json()
    assert photo["id"] == recorded["photo_id"]  # the phone's own id, for its outbox
    assert (photo["width"], photo["height"]) == (1600, 1067)  # shrunk to 1600 px a side
    scan_now = crew.get(f"{URL}{recorded['id']}/").json()
    assert scan_now["photo_url"].endswith(photo_path(recorded["id"]))
    served = crew.get(photo_path(recorded["id"]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "no-store"  # another person's evidence: no cache keeps it
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "JPEG"


def test_a_scan_without_a_photo_says_null(crew, recorded):
    assert crew.get(f"{URL}{recorded['id']}/").json()["photo_url"] is None


def test_the_stored_photo_has_no_exif_and_no_gps(crew, recorded):
    assert upload(crew, recorded["id"], with_gps_exif()).status_code == 201
    from backend.collection_events.models import ScanPhoto

    stored = ScanPhoto.objects.get(event_id=recorded["id"])
    with stored.image.open("rb") as file:
        data = file.read()
    kept = Image.open(io.BytesIO(data))
    assert not kept.getexif() and "exif" not in kept.info
    assert b"PhoneMaker" not in data and b"Exif" not in data
    # and its file name says nothing of the scan or the photo
    assert recorded["id"] not in stored.image.name and str(stored.id) not in stored.image.name


def test_the_same_bytes_again_is_the_same_photo(crew, recorded):
    data = picture()
    first = upload(crew, recorded["id"], data)
    again = upload(crew, recorded["id"], data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_other_bytes_are_refused(crew, recorded):
    assert upload(crew, recorded["id"], picture()).status_code == 201
    response = upload(crew, recorded["id"], picture(color=(0, 0, 255)))
    assert (response.status_code, error_code(response)) == (409, "photo_already_attached")


def test_a_scan_that_named_no_photo_id_takes_one_too(crew, tag):
    recorded = crew.post(URL, scan(tag), format="json").json()
    response = upload(crew, recorded["id"], picture("WEBP"))
    assert response.status_code == 201 and response.json()["id"]


def test_a_phone_reusing_a_photo_id_still_gets_its_photo_stored(crew, tag):
    reused = str(uuid.uuid4())
    first = crew.post(URL, scan(tag, photo_id=reused), format="json").json()
    second = crew.post(URL, scan(tag, photo_id=reused), format="json").json()
    assert upload(crew, first["id"], picture()).json()["id"] == reused
    response = upload(crew, second["id"], picture(color=(1, 2, 3)))
    assert response.status_code == 201 and response.json()["id"] != reused


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"GIF89a" + b"\x00" * 100, 415, "photo_type_not_allowed"),
        (b"%PDF-1.7 not a photo", 415, "photo_type_not_allowed"),
        (picture("GIF"), 415, "photo_type_not_allowed"),
        (picture("BMP"), 415, "photo_type_not_allowed"),
        (picture(size=(1200, 900))[:2000], 400, "photo_unreadable"),  # truncated
    ],
    ids=["gif-header", "pdf", "gif", "bmp", "truncated-jpeg"],
)
def test_what_is_not_a_readable_photo_is_refused(crew, recorded, data, status, code):
    response = upload(crew, recorded["id"], data)
    assert (response.status_code, error_code(response)) == (status, code)
    assert crew.get(photo_path(recorded["id"])).status_code == 404


def test_a_decompression_bomb_is_refused_before_it_is_decoded(crew, recorded):
    # 10,000 x 10,000 pixels of one colour: a few kilobytes of PNG, 300 MB decoded.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < 100_000
    response = upload(crew, recorded["id"], bomb.getvalue())
    assert (response.status_code, error_code(response)) == (400, "photo_unreadable")


def test_a_photo_over_the_limit_is_refused(settings, crew, recorded):
    settings.SCAN_PHOTO_MAX_BYTES = 50_000
    response = upload(crew, recorded["id"], picture(size=(2000, 2000), quality=100) + b"\0" * 60_000)
    assert (response.status_code, error_code(response)) == (413, "photo_too_large")


def test_a_photo_just_over_the_limit_in_a_small_form_is_refused(settings, crew, recorded):
    data = picture()
    settings.SCAN_PHOTO_MAX_BYTES = len(data) - 1  # the form's length passes; the file does not
    response = upload(crew, recorded["id"], data)
    assert (response.status_code, error_code(response)) == (413, "photo_too_large")


def test_a_body_too_large_is_refused_from_its_length_before_reading(settings, crew, recorded):
    settings.SCAN_PHOTO_MAX_BYTES = 1000
    response = crew.generic(
        "PUT",
        photo_path(recorded["id"]),
        b"x" * 10,
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH="1500000",
    )
    assert (response.status_code, error_code(response)) == (413, "photo_too_large")


def test_no_file_or_not_a_form_is_refused(crew, recorded):
    response = crew.put(photo_path(recorded["id"]), {"note": "x"}, format="multipart")
    assert (response.status_code, error_code(response)) == (400, "validation_error")
    response = crew.put(photo_path(recorded["id"]), {"image": "x"}, format="json")
    assert (response.status_code, error_code(response)) == (400, "validation_error")
    response = crew.generic("PUT", photo_path(recorded["id"]), b"\xff\xd8", content_type="image/jpeg")
    assert (response.status_code, error_code(response)) == (415, "unsupported_media_type")


def test_only_the_crew_who_recorded_the_scan_may_upload(api, f, hauler, recorded, official, owner):
    teammate = f.UserFactory(username="teammate", role="collector", hauler=hauler)
    response = upload(api.as_user(teammate), recorded["id"], picture())
    assert (response.status_code, error_code(response)) == (404, "not_found")
    missing = upload(api.as_user(teammate), uuid.uuid4(), picture())
    assert (missing.status_code, error_code(missing)) == (404, "not_found")  # alike
    for not_a_crew in (official, owner):
        assert upload(api.as_user(not_a_crew), recorded["id"], picture()).status_code == 403


def test_who_sees_the_photo(api, f, hauler, crew, recorded, official, owner, stranger, other_owner):
    assert upload(crew, recorded["id"], picture()).status_code == 201
    teammate = f.UserFactory(username="teammate", role="collector", hauler=hauler)
    for viewer, status in [
        (official, 200),
        (owner, 200),
        (teammate, 404),
        (stranger, 404),  # an official of another city
        (other_owner, 404),
    ]:
        response = api.as_user(viewer).get(photo_path(recorded["id"]))
        assert response.status_code == status, viewer.username
    api.credentials()
    assert api.get(photo_path(recorded["id"])).status_code == 401


def test_photos_are_not_on_a_public_media_url(client, crew, recorded):
    assert upload(crew, recorded["id"], picture()).status_code == 201
    from backend.collection_events.models import ScanPhoto

    name = ScanPhoto.objects.get().image.name
    assert client.get(f"/media/{name}").status_code == 404


def test_uploads_are_limited_per_crew(settings, crew, tag):
    settings.SCAN_PHOTO_RATE = "2/hour"
    cache.clear()
    ids = [crew.post(URL, scan(tag), format="json").json()["id"] for _ in range(3)]
    assert [upload(crew, i, picture(color=(n, 0, 0))).status_code for n, i in enumerate(ids)] == [201, 201, 429]
    assert crew.get(photo_path(ids[0])).status_code == 200  # reading is not limited


@pytest.mark.django_db(transaction=True)  # billing windows compare committed transactions
def test_a_billed_scan_takes_no_photo(api, collector, tariff, old_bin, bill, f):  # noqa: F811
    tag = f.TagFactory(bin=old_bin)
    billed = f.CollectionEventFactory(tag=tag, collector=collector, weight_g=10_000, collected_at=seoul(2026, 8, 3, 5))
    bill("2026-08")
    response = upload(api.as_user(collector), billed.id, picture())
    assert (response.status_code, error_code(response)) == (409, "scan_already_billed")


def test_batch_stores_accuracy_and_photo_id(crew, tag):
    photo_id = str(uuid.uuid4())
    event = scan(tag, lat="37.555100", lng="126.910100", gps_accuracy_m=35, photo_id=photo_id)
    assert crew.post(BATCH, {"events": [event]}, format="json").json()["results"][0]["status"] == "created"
    stored = crew.get(f"{URL}{event['id']}/").json()
    assert (stored["gps_accuracy_m"], stored["photo_id"], stored["photo_url"]) == (35, photo_id, None)
