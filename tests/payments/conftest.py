"""The billing personas and builders (tariff, scans, runs) are shared with billing's tests."""

from tests.billing.conftest import bill, english_names, old_bin, scan, tariff  # noqa: F401
