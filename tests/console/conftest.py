import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Label sheets' PDFs go through the storage API into a folder of this test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def as_official(client, official):
    client.force_login(official)
    return client
