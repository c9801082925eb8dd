"""The billing personas and builders (tariff, scans, runs) are shared with billing's tests;
the Toss Payments stand-in with the payments tests that pay through it."""

from tests.billing.conftest import bill, english_names, old_bin, scan, tariff  # noqa: F401
from tests.payments.toss_flow import toss  # noqa: F401 (the Toss Payments stand-in, configured)
