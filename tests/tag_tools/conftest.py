"""Fixtures for the tag tools."""

from collections.abc import Iterator

import pytest

from tag_tools import labels
from tests.tag_tools.fake_backend import FakeBackend, serving_backend


@pytest.fixture(autouse=True)
def no_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAG_TOOLS_API", raising=False)
    monkeypatch.delenv("TAG_TOOLS_TOKEN", raising=False)


@pytest.fixture
def backend() -> Iterator[FakeBackend]:
    with serving_backend() as fake:
        yield fake


@pytest.fixture
def korean_font() -> None:
    if not any((folder / "NanumGothic.ttf").is_file() for folder in labels.FONT_FOLDERS):
        pytest.skip("NanumGothic.ttf not installed (apt install fonts-nanum)")
