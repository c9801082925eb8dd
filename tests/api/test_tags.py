"""Issuing, replacing and revoking tags; the QR code; the NFC UID."""

import io

import pytest
import zxingcpp
from django.db import IntegrityError
from PIL import Image

from backend.tags.models import Tag


def issue(api, official, bin, **body):
    return api.as_user(official).post(f"/api/v1/bins/{bin.id}/tags/", body, format="json")


def test_issue_gives_a_short_unguessable_url_and_a_manual_code(api, official, bin, settings):
    response = issue(api, official, bin)
    assert response.status_code == 201
    data = response.json()
    assert data["url"] == f"{settings.PUBLIC_BASE_URL}/t/{data['code']}"
    assert len(f"/t/{data['code']}") <= 36
    assert data["status"] == "active"
    assert len(data["manual_code"]) == 9
    assert data["manual_code_display"].count("-") == 2


def test_codes_differ_every_time(api, official, restaurant, f):
    codes = {issue(api, official, f.BinFactory(restaurant=restaurant)).json()["code"] for _ in range(20)}
    assert len(codes) == 20


def test_issuing_again_replaces_the_lost_tag(api, official, bin, tag):
    response = issue(api, official, bin, reason="분실 lost")
    tag.refresh_from_db()
    assert tag.status == "revoked" and tag.revoke_reason == "분실 lost" and tag.revoked_at is not None
    assert Tag.objects.filter(bin=bin, status="active").get().code == response.json()["code"]


def test_database_allows_one_active_tag_per_bin(bin, tag):
    with pytest.raises(IntegrityError):
        Tag.objects.create(bin=bin)


def test_revoke(api, official, tag):
    response = api.as_user(official).post(f"/api/v1/tags/{tag.code}/revoke/", {"reason": "파손"}, format="json")
    assert response.json()["status"] == "revoked"


def test_revoke_needs_a_reason(api, official, tag):
    response = api.as_user(official).post(f"/api/v1/tags/{tag.code}/revoke/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]


def test_retired_bin_gets_no_new_tag(api, official, bin):
    api.as_user(official).post(f"/api/v1/bins/{bin.id}/retire/")
    response = issue(api, official, bin)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "bin_retired")


def test_qr_png_decodes_back_to_the_tag_url(api, official, tag):
    response = api.as_user(official).get(f"/api/v1/tags/{tag.code}/qr.png")
    assert response["Content-Type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [code.text for code in decoded] == [tag.url]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    assert decoded[0].ec_level == "H"


def test_owner_reads_own_tag_but_cannot_issue(api, owner, bin, tag):
    assert api.as_user(owner).get(f"/api/v1/tags/{tag.code}/").status_code == 200
    assert issue(api, owner, bin).status_code == 403


def test_nfc_uid_recorded(api, official, tag):
    response = api.as_user(official).post(
        f"/api/v1/tags/{tag.code}/nfc-uid/", {"uid": "04:a1:b2:c3:d4:e5:f6"}, format="json"
    )
    assert response.json()["nfc_uid"] == "04A1B2C3D4E5F6"


def test_bin_of_another_municipality_is_not_found(api, stranger, bin):
    response = issue(api, stranger, bin)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
