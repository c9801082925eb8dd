"""What a payment provider tells us, in our words, whichever provider it is: a payment's
outcome (`CallbackEvent`), a line of its settlement list (`SettlementLine`)."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DepositAccount:
    """A virtual account (가상계좌) issued for a bank transfer: the order is paid when
    the provider reports the deposit."""

    bank: str
    account_number: str
    due_at: datetime | None


@dataclass(frozen=True)
class CallbackEvent:
    order_id: str
    transaction_id: str
    succeeded: bool
    amount_krw: int
    paid_at: datetime | None
    method: str = ""
    failure_reason: str = ""
    # Not paid yet: a virtual account waits for the owner's transfer.
    deposit: DepositAccount | None = None


@dataclass(frozen=True)
class SettlementLine:
    """One line of the provider's settlement list: a payment (amount positive) or a
    cancel of (part of) one (amount negative), on the day it was sold."""

    transaction_id: str  # the payment's key at the provider: our Payment.provider_transaction_id
    order_id: str
    amount_krw: int
    sold_on: date
