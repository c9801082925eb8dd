"""The OpenAPI schema says what the API really answers, errors included."""

import pytest
import yaml
from django.core.management import call_command

ERROR = "#/components/schemas/Error"
# Writes anyone may make: asking for a token, for a reset link, setting a password with a link.
OPEN_TO_ALL = {
    "POST /api/v1/auth/token/",
    "POST /api/v1/password-resets/",
    "POST /api/v1/invitations/{token}/accept/",
    "POST /api/v1/password-resets/{token}/accept/",
}


@pytest.fixture
def schema(api, db):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200  # anonymous callers get it too
    return yaml.safe_load(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_generation_has_no_warnings_even_for_anonymous_callers(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    assert schema["components"]["schemas"]["Error"]["properties"]["error"]["$ref"].endswith("/ErrorBody")
    assert set(schema["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message", "fields"}
    for label, operation in operations(schema):
        responses = operation["responses"]
        for status in ("401", "429", "503"):
            assert responses[status]["content"]["application/json"]["schema"]["$ref"] == ERROR, (label, status)
        assert "Retry-After" in responses["429"]["headers"], label
        if label in OPEN_TO_ALL:
            assert {"400", "413"} <= set(responses) and "403" not in responses, label
        elif label.startswith(("POST", "PUT", "PATCH")):
            assert {"400", "403", "404", "409", "413"} <= set(responses), label
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"400", "401", "413", "429"} <= set(token) and "403" not in token  # anyone may ask for a token


def test_actions_answer_with_their_real_serializers(schema):
    def ok_schema(label):
        method, path = label.split(" ")
        responses = schema["paths"][path][method.lower()]["responses"]
        answer = responses.get("200") or responses.get("201") or responses.get("202")
        return answer["content"]

    def ref(label):
        return ok_schema(label)["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert ref("POST /api/v1/tags/{code}/revoke/") == "Tag"
    assert ref("POST /api/v1/collections/{id}/status/") == "CollectionEvent"
    assert ref("POST /api/v1/collections/batch/") == "BatchResults"
    assert ref("POST /api/v1/disputes/{id}/accept/") == "Dispute"
    assert ref("POST /api/v1/pickup-requests/{id}/assign/") == "PickupRequest"
    assert ref("GET /api/v1/reports/volume/") == "VolumeReport"
    assert "text/csv" in ok_schema("GET /api/v1/reports/volume/")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ok_schema("GET /api/v1/reports/scan-quality/")[xlsx]["schema"]["format"] == "binary"
    assert ok_schema("GET /api/v1/tags/{code}/qr.png/")["image/png"]["schema"]["format"] == "binary"
    assert ok_schema("GET /api/v1/invoices/{id}/pdf/")["application/pdf"]["schema"]["format"] == "binary"
    result = schema["components"]["schemas"]["BatchResult"]["properties"]
    assert result["status"]["$ref"].endswith("Enum") and result["id"]["nullable"] is True


def test_nullable_fields_are_marked(schema):
    components = schema["components"]["schemas"]
    assert components["Me"]["properties"]["hauler"]["nullable"] is True
    assert components["Dispute"]["properties"]["decided_by"]["nullable"] is True
    assert components["PickupRequest"]["properties"]["bin_label"]["nullable"] is True
