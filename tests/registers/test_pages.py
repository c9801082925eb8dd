"""/registers/: officials upload the register, see the preview, confirm, watch it run."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.registers import runs
from backend.registers.models import ImportStatus, RegisterImport
from backend.restaurants.models import Restaurant
from tests.registers import register_files as rf


@pytest.fixture
def signed_in(client, official, places):
    client.force_login(official)
    return client


def post_file(client, content: bytes, name="일반음식점.csv"):
    return client.post("/registers/", {"file": SimpleUploadedFile(name, content)})


def test_upload_shows_the_preview_and_confirm_starts_the_run(signed_in, django_capture_on_commit_callbacks):
    response = post_file(signed_in, rf.csv_bytes([rf.row(1), rf.row(2, dong="망원동"), rf.row(3, **{"사업장명": ""})]))
    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "미리 보기" in page and "가져오기 시작" in page
    assert "망원동" in page  # offered for mapping, and listed as refused
    assert "사업장명이 없습니다" in page
    assert not Restaurant.objects.filter(register_id__isnull=False).exists()

    register_import = RegisterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        signed_in.post(f"/registers/{register_import.id}/confirm/")
    page = signed_in.get(f"/registers/{register_import.id}/").content.decode()
    assert "registers/progress.js" in page and "<progress" in page
    assert "<script>" not in page  # the page's script comes from a file (no inline script)
    assert signed_in.get(f"/registers/{register_import.id}/progress/").json() == {
        "status": "running",
        "done": 0,
        "total": 1,
        "percent": 0,
    }
    runs.run_import(import_id=register_import.id)
    assert signed_in.get(f"/registers/{register_import.id}/progress/").json()["status"] == ImportStatus.DONE
    done = signed_in.get(f"/registers/{register_import.id}/").content.decode()
    assert "완료" in done
    assert 'href="/console/bins/bulk/"' in done  # the next step of the afternoon, not a dead end


def test_an_unreadable_file_is_shown_as_a_message_and_nothing_is_kept(signed_in):
    response = post_file(signed_in, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, name="old.xls")
    assert response.status_code == 400
    assert "CSV 또는 XLSX로 저장해 주세요" in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_mapping_a_place_judges_the_preview_again(signed_in, places):
    post_file(signed_in, rf.csv_bytes([rf.row(1, dong="망원동")]))
    register_import = RegisterImport.objects.get()
    signed_in.post(f"/registers/{register_import.id}/places/", {"name": "망원동", "district": places["망원1동"].id})
    register_import.refresh_from_db()
    assert (register_import.counts["refused"], register_import.counts["create"]) == (0, 1)


@pytest.mark.parametrize("persona", ["owner", "collector"])
def test_owners_and_crews_are_refused_and_other_officials_see_nothing(
    client, official, places, persona, stranger, request
):
    client.force_login(official)
    post_file(client, rf.csv_bytes([rf.row(1)]))
    register_import = RegisterImport.objects.get()
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/registers/").status_code == 403
    assert client.get(f"/registers/{register_import.id}/").status_code == 403
    client.force_login(stranger)
    assert client.get("/registers/").status_code == 200
    assert client.get(f"/registers/{register_import.id}/").status_code == 404
    assert client.get(f"/registers/{register_import.id}/progress/").status_code == 404
    assert client.post(f"/registers/{register_import.id}/confirm/").status_code == 404
    assert RegisterImport.objects.get().status == ImportStatus.PREVIEW
