"""The billing fixtures the notices of invoices are tested with."""

from tests.billing.conftest import bill, scan, tariff  # noqa: F401
