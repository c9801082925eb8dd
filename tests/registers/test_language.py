"""The register import pages in Korean by default and in English on request: the page's
own words and the reasons rows are refused follow the official's language; names from
the register (files, places, districts) stay as written, marked lang="ko"."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.registers import runs
from backend.registers.models import RegisterImport
from tests.owner.test_language import korean_outside_lang_ko
from tests.registers import register_files as rf

pytestmark = pytest.mark.django_db


def rows():
    return [
        rf.row(1),
        rf.row(2, dong="없는동"),
        rf.row(3, **{"사업장명": ""}),
        rf.row(4, **{"좌표정보(x)": "abc", "좌표정보(y)": "12"}),
    ]


@pytest.fixture
def signed_in(client, official, places):
    client.force_login(official)
    return client


def upload(client, content: bytes, name: str = "일반음식점.csv"):
    return client.post("/registers/", {"file": SimpleUploadedFile(name, content)})


def test_the_preview_reads_in_korean_by_default(signed_in):
    detail = upload(signed_in, rf.csv_bytes(rows()))["Location"]
    page = signed_in.get(detail).content.decode()
    assert "미리 보기" in page and "제외되는 행" in page and "확인할 행" in page
    assert "알 수 없는 동/읍/면: " in page and "사업장명이 없습니다" in page and "좌표가 숫자가 아닙니다" in page
    assert "Refused rows" not in page


def test_upload_preview_and_result_read_in_english(signed_in):
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = signed_in.get("/registers/").content.decode()
    assert "Import the restaurants' licence register" in first and korean_outside_lang_ko(first) == []

    refused = upload(signed_in, b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "old.xls").content.decode()
    assert "Old Excel (.xls) files are not supported: save the file as CSV or XLSX." in refused
    assert korean_outside_lang_ko(refused) == []

    detail = upload(signed_in, rf.csv_bytes(rows()))["Location"]
    page = signed_in.get(detail).content.decode()
    assert '<html lang="en">' in page and "Refused rows" in page and "Rows to check" in page
    assert 'unknown district: <span lang="ko">없는동</span>' in page
    assert "no business name" in page
    assert "the coordinates are not numbers (X=abc, Y=12): imported without a location" in page
    assert '<span lang="ko">일반음식점.csv</span>' in page
    assert korean_outside_lang_ko(page) == []

    runs_done = RegisterImport.objects.get()
    signed_in.post(f"/registers/{runs_done.id}/confirm/")
    runs.run_import(import_id=runs_done.id)
    done = signed_in.get(detail).content.decode()
    assert "Give every restaurant a bin" in done and "Done" in done
    assert korean_outside_lang_ko(done) == []
    listing = signed_in.get("/registers/").content.decode()
    assert "Recent imports" in listing and korean_outside_lang_ko(listing) == []


def test_the_api_words_each_issue_in_the_callers_language_with_the_same_code(api, official, places):
    response = api.as_user(official).post(
        "/api/v1/register-imports/", {"file": SimpleUploadedFile("r.csv", rf.csv_bytes(rows()))}, format="multipart"
    )
    assert response.status_code == 201, response.content
    url = f"/api/v1/register-imports/{response.json()['id']}/"
    korean = api.get(url).json()
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = api.get(url).json()
    assert (
        [i["code"] for i in korean["refused"]]
        == [i["code"] for i in english["refused"]]
        == [
            "unknown_place",
            "no_name",
        ]
    )
    assert korean["refused"][0]["reason"] == "알 수 없는 동/읍/면: 없는동"
    assert english["refused"][0]["reason"] == "unknown district: 없는동"
    assert english["warnings"][0]["reason"].startswith("the coordinates are not numbers")
