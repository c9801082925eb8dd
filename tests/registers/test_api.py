"""/api/v1/register-imports/ and the restaurant fields the register fills."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.registers.models import RegisterImport
from backend.restaurants.models import Restaurant
from tests.registers import register_files as rf

URL = "/api/v1/register-imports/"


def upload(client, content: bytes, name: str = "일반음식점.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")}, format="multipart")


@pytest.fixture
def desk(api, official, places):
    return api.as_user(official)


def test_upload_previews_then_confirm_runs_and_the_import_reports_progress(
    desk, eager_celery, django_capture_on_commit_callbacks
):
    rows = [rf.row(1), rf.row(2, dong="합정동"), rf.row(3, dong="없는동")]
    response = upload(desk, rf.csv_bytes(rows))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "preview"
    assert body["counts"] | {} == {
        "create": 2,
        "update": 0,
        "close": 0,
        "unchanged": 0,
        "skipped": 0,
        "refused": 1,
        "rows": 3,
        "without_location": 0,
    }
    assert body["refused"] == [
        {"line": 4, "code": "unknown_place", "reason": "알 수 없는 동/읍/면: 없는동", "place": "없는동"}
    ]
    assert not Restaurant.objects.filter(register_id__isnull=False).exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = desk.post(f"{URL}{body['id']}/confirm/")
    assert confirmed.status_code == 202
    assert confirmed.json()["status"] == "running"
    status = desk.get(f"{URL}{body['id']}/").json()
    assert status["status"] == "done"
    assert status["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert status["written"]["create"] == 2
    assert Restaurant.objects.filter(register_id__isnull=False).count() == 2


def test_a_file_it_cannot_read_is_a_400_with_a_stable_code_and_no_import(desk):
    response = upload(desk, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, name="photo.png")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "register_unreadable"
    response = upload(desk, "상호,주소\n가,나\n".encode("cp949"))
    assert response.json()["error"]["code"] == "register_missing_columns"
    assert desk.post(URL, {}, format="multipart").json()["error"]["code"] == "validation_error"
    assert not RegisterImport.objects.exists()


def test_officials_map_a_place_through_the_api(desk, places):
    body = upload(desk, rf.csv_bytes([rf.row(1, dong="망원동")])).json()
    assert body["counts"]["refused"] == 1
    response = desk.post(
        f"{URL}{body['id']}/places/", {"name": "망원동", "district": str(places["망원1동"].id)}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["counts"]["refused"], response.json()["counts"]["create"]) == (0, 1)


@pytest.mark.parametrize("persona", ["owner", "collector", "stranger"])
def test_others_can_neither_upload_nor_see_nor_confirm(api, desk, persona, request):
    body = upload(desk, rf.csv_bytes([rf.row(1)])).json()
    other = api.__class__().as_user(request.getfixturevalue(persona))
    if persona != "stranger":  # another city's official imports into their own city: tested above
        assert upload(other, rf.csv_bytes([rf.row(1)])).status_code == 403
    assert other.get(f"{URL}{body['id']}/").status_code == 404
    assert other.post(f"{URL}{body['id']}/confirm/").status_code in (403, 404)
    assert RegisterImport.objects.get(id=body["id"]).status == "preview"


def test_restaurants_show_and_filter_the_register_fields(api, official, f, district):
    f.RestaurantFactory(district=district, register_id="3130000-101-2015-00001", business_type="chinese")
    f.RestaurantFactory(
        district=district, register_id="3130000-101-2015-00002", status="closed", closed_on="2026-10-20"
    )
    client = api.as_user(official)
    rows = client.get("/api/v1/restaurants/", {"register_id": "3130000-101-2015-00001"}).json()["results"]
    assert [(r["register_id"], r["business_type"], r["status"]) for r in rows] == [
        ("3130000-101-2015-00001", "chinese", "open")
    ]
    closed = client.get("/api/v1/restaurants/", {"status": "closed"}).json()["results"]
    assert [(r["register_id"], r["closed_on"]) for r in closed] == [("3130000-101-2015-00002", "2026-10-20")]
    assert client.get("/api/v1/restaurants/", {"business_type": "chinese"}).json()["count"] == 1


def test_a_restaurant_may_be_registered_without_a_business_number_and_one_given_is_checked(api, official, district):
    client = api.as_user(official)
    base = {"name": "새 식당", "district": str(district.id), "address": "서울특별시 마포구 서교동 1"}
    first = client.post("/api/v1/restaurants/", base, format="json")
    second = client.post("/api/v1/restaurants/", {**base, "business_number": ""}, format="json")
    assert (first.status_code, second.status_code) == (201, 201)  # blanks never clash
    assert first.json()["business_number"] == ""
    bad = client.patch(f"/api/v1/restaurants/{first.json()['id']}/", {"business_number": "123-45-67890"}, format="json")
    assert bad.json()["error"]["code"] == "invalid_business_number"
    good = client.patch(
        f"/api/v1/restaurants/{first.json()['id']}/", {"business_number": "124-81-00998"}, format="json"
    )
    assert good.json()["business_number"] == "124-81-00998"
    taken = client.patch(
        f"/api/v1/restaurants/{second.json()['id']}/", {"business_number": "1248100998"}, format="json"
    )
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "business_number_taken")


def test_a_register_larger_than_other_requests_may_be_is_uploaded(desk, settings, client, official):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000  # every other request stops here
    rows = [rf.row(n, dong=("서교동", "합정동")[n % 2]) for n in range(1, 400)]
    content = rf.csv_bytes(rows)
    assert len(content) > 100_000
    response = upload(desk, content)
    assert response.status_code == 201, response.content[:300]
    assert response.json()["counts"]["create"] == 399
    client.force_login(official)
    assert client.post("/registers/", {"file": SimpleUploadedFile("r.csv", content)}).status_code == 302
    too_big = desk.post("/api/v1/restaurants/", {"name": "x" * 60_000}, format="json")
    assert too_big.status_code == 413
    settings.REGISTER_IMPORT_MAX_BYTES = 1_000
    assert upload(desk, content).json()["error"]["code"] == "register_too_large"
