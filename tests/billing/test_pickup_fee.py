"""One pickup's fee: the tariff in force on its local day, floored to the won (no database)."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from backend.billing import pricing

OCTOBER = pricing.TariffPeriod(date(2026, 10, 1), date(2026, 10, 14), 130)
MID_OCTOBER_ON = pricing.TariffPeriod(date(2026, 10, 15), None, 150)
BOOK = [OCTOBER, MID_OCTOBER_ON]


def fee(grams, day, *, held=False, voided=False, book=BOOK):
    return pricing.pickup_fee_krw(
        weight_g=grams, price_per_kg_krw=pricing.price_on(day, book), held=held, voided=voided
    )


def test_a_tariff_change_mid_month_prices_each_pickup_at_its_own_day():
    assert fee(10_000, date(2026, 10, 14)) == 1_300  # the last day of the old price
    assert fee(10_000, date(2026, 10, 15)) == 1_500  # the first day of the new one
    assert fee(10_000, date(2027, 3, 1)) == 1_500  # an open end runs on


def test_a_held_pickup_has_no_fee_yet_and_an_exception_or_a_void_costs_nothing():
    assert fee(10_000, date(2026, 10, 20), held=True) is None
    assert fee(None, date(2026, 10, 20)) == 0  # a visit with an exception: nothing weighed
    assert fee(10_000, date(2026, 10, 20), voided=True) == 0


def test_a_weighing_on_a_day_no_tariff_covers_has_no_fee():
    assert fee(10_000, date(2026, 9, 30)) is None


def test_the_fee_is_floored_to_the_won():
    assert fee(12_345, date(2026, 10, 1)) == 1_604  # 1,604.85 KRW
    assert fee(1, date(2026, 10, 15)) == 0  # 0.15 KRW
    assert fee(7, date(2026, 10, 15)) == 1  # 1.05 KRW


@given(st.integers(1, 10_000_000), st.integers(1, 500))
def test_the_fee_is_within_one_won_below_the_exact_price_and_equals_a_void_credit(grams, price):
    book = [pricing.TariffPeriod(date(2026, 1, 1), None, price)]
    charged = fee(grams, date(2026, 6, 1), book=book)
    exact = pricing.usage_amount(grams, price)
    assert 0 <= exact - charged < 1
    assert charged == pricing.credit_for(grams, price)


@given(st.lists(st.integers(1, 200_000), max_size=40), st.integers(1, 500))
def test_a_months_estimate_is_the_exact_sum_floored_once(weighings, price):
    estimate = pricing.estimate_krw(sum(weighings), price)
    fees = [pricing.pickup_fee_krw(weight_g=g, price_per_kg_krw=price, held=False, voided=False) for g in weighings]
    # The pickups' own fees, each floored, never add up to more than the estimate, nor to a won per pickup less.
    assert sum(fees) <= estimate < sum(fees) + max(1, len(fees))
