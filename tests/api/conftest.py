import pytest


@pytest.fixture
def crew(api, collector):
    """The API client signed in as the crew member."""
    return api.as_user(collector)
