"""Open311's endpoints under random input: whatever the form, query string or JSON body
(strings of any characters, the spec's own parameter names with wrong values, random
`attribute[...]` fields, a valid key or not), the answer is never a server error, an
XML answer is well-formed, and every refusal is the spec's `[{"code", "description"}]`
(`<errors><error>` in XML) with the HTTP status as code.

Seeded and bounded (hypothesis, `derandomize`), a few seconds in all."""

from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
EXAMPLES = 60
FIELDS = [
    "service_code",
    "api_key",
    "jurisdiction_id",
    "description",
    "lat",
    "long",
    "address_string",
    "attribute[tag]",
    "attribute[requested_for]",
    "attribute[problem]",
    "attribute[]",
    "attribute[a][b]",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
    "locale",
]
# Text that reaches the database or the parsers: NUL, surrogates, far years, huge numbers.
NASTY = st.sampled_from(
    [
        "",
        "\x00",
        "\ud800",
        "0001-01-01",
        "9999-12-31T23:59:59+23:59",
        "1e999",
        "open,closed,x",
        "extra_pickup",
        "tag_problem",
        "lost",
        "11440",
        "../../etc",
        "ABCD-EFGH-K",
    ]
)
VALUES = st.one_of(NASTY, st.text(max_size=40))
FORMS = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), VALUES, max_size=6)
PATHS = st.sampled_from(
    [
        "discovery.json",
        "services.json",
        "services/extra_pickup.json",
        "services/%00.json",
        "requests.json",
        "requests/x.json",
        "requests/00000000-0000-0000-0000-000000000000.json",
        "requests.xml",
        "services/extra_pickup.xml",
    ]
)


def sendable(form: dict) -> dict:
    """What a client can put on the wire: lone surrogates cannot be encoded as UTF-8."""
    clean = {}
    for name, value in form.items():
        clean[name.encode("utf-8", "replace").decode()] = value.encode("utf-8", "replace").decode()
    return clean


def assert_spec_answer(response):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response["Content-Type"].startswith("text/xml"):
        answer = ElementTree.fromstring(response.content)  # well-formed, whatever was sent
        if response.status_code >= 400:
            assert answer.tag == "errors" and answer.findtext("error/code") == str(response.status_code)
    elif response.status_code >= 400:
        [error] = response.json()
        assert error["code"] == response.status_code and isinstance(error["description"], str)


@pytest.fixture
def key_and_tag(official, tag):
    from backend.open311.services import issue_api_key

    return issue_api_key(municipality_id=official.municipality_id, app_name="fuzz", by=official)[1], tag


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=PATHS, params=FORMS)
def test_any_query_string_gets_an_answer_in_the_spec_shape(client, path, params):
    assert_spec_answer(client.get(f"{BASE}/{path}", sendable(params)))


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(form=FORMS, with_key=st.booleans(), with_tag=st.booleans(), as_json=st.booleans())
def test_any_post_gets_an_answer_in_the_spec_shape(client, key_and_tag, form, with_key, with_tag, as_json):
    key, tag = key_and_tag
    if with_key:
        form = {**form, "api_key": key}
    if with_tag:
        form = {"attribute[tag]": tag.manual_code, **form}
    if as_json:
        response = client.post(f"{BASE}/requests.json", form, content_type="application/json")
    else:
        response = client.post(f"{BASE}/requests.{'xml' if with_tag and not with_key else 'json'}", sendable(form))
    assert_spec_answer(response)
