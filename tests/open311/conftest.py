"""An outside app with a key from the `city`'s official, and a way to file as it."""

import pytest

from tests.pickup_requests.conftest import frozen, seoul  # noqa: F401 (fixtures shared with pickup requests)

BASE = "/open311/v2"


@pytest.fixture
def issued(official):
    """(row, key) of a key the official made for the city's complaint system."""
    from backend.open311.services import issue_api_key

    return issue_api_key(municipality_id=official.municipality_id, app_name="새올 민원 시스템", by=official)


@pytest.fixture
def file(client, issued):
    """file(service_code, tag=…, **form): POST requests.json as the app, form-encoded."""

    def post(service_code, *, tag=None, api_key=None, **form):
        data = {"service_code": service_code, "api_key": issued[1] if api_key is None else api_key, **form}
        if tag is not None:
            data["attribute[tag]"] = tag
        return client.post(f"{BASE}/requests.json", data)

    return post
