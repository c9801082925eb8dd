"""Who may pay. Who sees which orders and payments: `PaymentOrder.objects.visible_to`,
`Payment.objects.visible_to`."""

from backend.accounts.access import AnyUser, acts_for_municipality, is_owner


def can_pay_invoices(user: AnyUser) -> bool:
    """Owners pay their invoices, and officials may take a payment at the counter;
    crews have nothing to pay."""
    return is_owner(user) or acts_for_municipality(user)


def can_use_wallet(user: AnyUser) -> bool:
    """Owners top up and ask for refunds online; officials take money at the counter
    and decide refunds in the console."""
    return is_owner(user)


def can_manage_accounts(user: AnyUser) -> bool:
    """Officials record counter payments, choose how a restaurant pays, and decide refunds."""
    return acts_for_municipality(user)


def account_holder_id(user: AnyUser, restaurant) -> int | None:
    """Whose account at the restaurant the user reads: an owner, their own (also
    after selling it); anyone else (an official), the current owner's."""
    return user.pk if is_owner(user) else restaurant.owner_id


def can_top_up(user: AnyUser, restaurant) -> bool:
    """Only the current owner puts money on the restaurant's wallet."""
    return is_owner(user) and restaurant.owner_id == user.pk
