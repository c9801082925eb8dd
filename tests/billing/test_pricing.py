"""Properties of the money rules and the month boundaries (no database)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from backend.billing import pricing
from backend.billing.periods import Period

SEOUL = ZoneInfo("Asia/Seoul")
grams = st.integers(min_value=1, max_value=500_000)
prices = st.integers(min_value=1, max_value=500)
usages = st.lists(st.builds(pricing.Usage, grams, prices, st.booleans()), max_size=12)


@given(usages, st.integers(0, 4), st.integers(0, 5000), st.integers(0, 50_000))
def test_lines_add_up_to_the_subtotal_and_the_total_is_truncated_to_10(usage, bins, base_fee, minimum):
    amounts = pricing.price_invoice(
        usage=usage, active_bins=bins, base_fee_per_bin_krw=base_fee, minimum_charge_krw=minimum
    )
    exact = sum((line.exact for line in usage), Decimal(0))
    assert sum(amounts.usage_krw) == int(exact // 1)  # the exact sum, floored once
    for line, won in zip(usage, amounts.usage_krw, strict=True):
        assert abs(Decimal(won) - line.exact) < 1  # each line within one won of exact
    assert amounts.subtotal_krw == sum(amounts.usage_krw) + bins * base_fee
    charge = amounts.subtotal_krw + amounts.minimum_adjustment_krw
    assert amounts.total_krw % 10 == 0
    assert 0 <= amounts.truncated_krw < 10
    assert amounts.total_krw + amounts.truncated_krw == charge
    this_month = bins * base_fee + sum(w for w, u in zip(amounts.usage_krw, usage, strict=True) if u.current_period)
    if bins:
        assert this_month + amounts.minimum_adjustment_krw >= minimum
    else:
        assert amounts.minimum_adjustment_krw == 0


@given(usages, st.lists(st.integers(0, 100_000), max_size=5))
def test_credits_never_make_a_negative_total_and_the_rest_is_carried(usage, credits):
    amounts = pricing.price_invoice(
        usage=usage, active_bins=0, base_fee_per_bin_krw=0, minimum_charge_krw=0, credits_krw=credits
    )
    net = amounts.subtotal_krw - sum(credits)
    assert amounts.total_krw >= 0
    assert amounts.carried_credit_krw == max(0, -net)
    assert amounts.total_krw + amounts.truncated_krw == max(0, net)


@given(st.lists(st.tuples(grams, st.sampled_from([100, 130, 150])), min_size=1, max_size=30))
def test_a_tariff_change_inside_a_month_prices_each_part_at_its_own_rate(scans):
    """Splitting a month into one line per tariff gives exactly the per-scan sum."""
    per_scan = sum((pricing.usage_amount(g, p) for g, p in scans), Decimal(0))
    by_tariff: dict[int, int] = {}
    for g, p in scans:
        by_tariff[p] = by_tariff.get(p, 0) + g
    lines = [pricing.Usage(g, p) for p, g in by_tariff.items()]
    amounts = pricing.price_invoice(usage=lines, active_bins=0, base_fee_per_bin_krw=0, minimum_charge_krw=0)
    assert sum(amounts.usage_krw) == int(per_scan // 1)


offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
months = st.builds(Period, st.integers(2000, 2100), st.integers(1, 12))


@given(months, offsets)
def test_the_last_second_of_a_local_month_is_that_months_whatever_the_offset(period, offset):
    last_second = datetime.combine(period.next().first_day, datetime.min.time(), tzinfo=SEOUL) - timedelta(seconds=1)
    first_second = last_second + timedelta(seconds=1)
    assert Period.containing(last_second.astimezone(offset), SEOUL) == period
    assert Period.containing(first_second.astimezone(offset), SEOUL) == period.next()
    start, end = period.bounds(SEOUL)
    assert start <= last_second.astimezone(UTC) < end <= first_second.astimezone(UTC)


def test_october_in_seoul():
    start, end = Period.parse("2026-10").bounds(SEOUL)
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 9, 30, 15, tzinfo=UTC),
        datetime(2026, 10, 31, 15, tzinfo=UTC),
    )


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=3), max_size=20))
def test_allocate_won_is_exact_and_fair(exact):
    won = pricing.allocate_won(exact)
    assert sum(won) == int(sum(exact, Decimal(0)) // 1)
    assert all(abs(Decimal(w) - e) < 1 for w, e in zip(won, exact, strict=True))
