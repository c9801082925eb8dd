"""NHN Cloud's AlimTalk stand-in, shared with the notices' tests."""

from tests.notifications.conftest import nhn  # noqa: F401
