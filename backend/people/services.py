"""Officials bring owners and crews in: an account for a restaurant's owner or a
hauler's crew member, a one-time link to set a password (sent by email through the
notify service, or handed to the official to pass on), password resets by the same
kind of link. The account rules are in backend/accounts/services.py; this module ties
them to restaurants and notices, which live in layers above accounts."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from backend.accounts import services as accounts
from backend.accounts.access import can_invite_crew_for, can_invite_owner_for, can_manage_people, people_visible_to
from backend.accounts.models import AccountLink, LinkChannel, LinkKind, Role, User
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.notifications.models import NoticeDelivery
from backend.notifications.services import notify, retry_delivery

RESTAURANT_HAS_OWNER = (
    "restaurant_has_owner",
    _("This restaurant already has another owner."),
)


RESET_COOLDOWN = timedelta(minutes=5)


@dataclass(frozen=True)
class Invitation:
    """What the official is told: the link row, the person, and the URL itself when
    nobody else can deliver it (no email address: the phone channel is not built yet)."""

    link: AccountLink | None  # None: the person already has a password, no link is made
    user: User
    url: str = ""
    emailed: bool = False

    @property
    def already_active(self) -> bool:
        return self.link is None

    @property
    def handed_url(self) -> str | None:
        return None if self.emailed else self.url


def link_url(token: str, kind: str) -> str:
    name = "people:welcome" if kind == LinkKind.INVITATION else "people:reset"
    return settings.PUBLIC_BASE_URL + reverse(name, kwargs={"token": token})


def _deliver(link: AccountLink, token: str, *, context: dict[str, Any]) -> Invitation:
    url = link_url(token, link.kind)
    if link.channel == LinkChannel.EMAIL:
        notify(
            kind=link.kind,
            about=str(link.id),
            recipient_id=link.user_id,
            template=f"people/notices/{link.kind}",
            context={**context, "user": link.user, "url": url, "expires_at": link.expires_at},
        )
    return Invitation(link=link, user=link.user, url=url, emailed=link.channel == LinkChannel.EMAIL)


def _require_contact_or_name(email: str, phone: str, name: str) -> None:
    if not (email or phone or name):
        message = _("Give an email address, a phone number or a name.")
        raise DomainError("contact_required", message, fields={"email": [message]})


INVITED = "초대 · Invited"


@transaction.atomic
@change_reason(INVITED)  # the account's and the restaurant's audit trail
def invite_owner(*, by: User, restaurant: Any, email: str = "", phone: str = "", name: str = "") -> Invitation:
    """Make (or find) the owner's account, make them the restaurant's owner and send a
    link to set their password. Inviting the same email or phone again adds the
    restaurant to the same account. An existing owner is attached only where the
    owner-binding rule allows it (`owner_not_in_municipality`), and one who has already
    set a password gets no new link (the official would otherwise hold a way into an
    account in use): the restaurant is added and they sign in as before."""
    if not can_invite_owner_for(by, restaurant):
        raise DomainError("not_found", _("Not found."), status_code=404)
    _require_contact_or_name(email, phone, name)
    user = accounts.find_or_make_account(
        role=Role.OWNER, email=email, phone=phone, name=name, invited_through_id=restaurant.municipality_id
    )
    accounts.check_owner_binding(by=by, owner=user, municipality_id=restaurant.municipality_id)
    if restaurant.owner_id not in (None, user.pk):
        code, message = RESTAURANT_HAS_OWNER
        raise DomainError(code, message, fields={"restaurant": [message]})
    if restaurant.owner_id is None:
        restaurant.owner = user
        restaurant.save(update_fields=["owner"])
    if user.has_usable_password():
        return Invitation(link=None, user=user)
    link, token = accounts.make_link(
        user=user, kind=LinkKind.INVITATION, by=by, municipality_id=restaurant.municipality_id
    )
    return _deliver(link, token, context={"restaurant": restaurant, "municipality": restaurant.municipality})


@transaction.atomic
@change_reason(INVITED)
def invite_crew(*, by: User, hauler: Any, email: str = "", phone: str = "", name: str = "") -> Invitation:
    """Make (or find) a crew member's account at a hauler serving the official's
    districts and send a link to set their password."""
    if not can_invite_crew_for(by, hauler):
        raise DomainError("not_found", _("Not found."), status_code=404)
    _require_contact_or_name(email, phone, name)
    user = accounts.find_or_make_account(role=Role.COLLECTOR, email=email, phone=phone, name=name, hauler=hauler)
    if user.hauler_id != hauler.pk:
        message = _("This crew member works for another hauler.")
        raise DomainError("contact_in_use", message, fields={"email": [message]})
    if user.has_usable_password():
        return Invitation(link=None, user=user)
    municipality_id = by.municipality_id or hauler.municipality_id
    link, token = accounts.make_link(user=user, kind=LinkKind.INVITATION, by=by, municipality_id=municipality_id)
    return _deliver(link, token, context={"hauler": hauler})


@transaction.atomic
def request_password_reset(*, login: str) -> None:
    """Email a reset link to the account a username, email or phone names, if there is
    one with an email address. Answers nothing either way: whoever asks learns nothing
    about which accounts exist."""
    user = accounts.account_for_login(login)
    if user is None or not user.email or not user.has_usable_password():
        return
    if accounts.recent_link(user=user, kind=LinkKind.PASSWORD_RESET, within=RESET_COOLDOWN):
        return  # one email per few minutes, however often someone asks
    link, token = accounts.make_link(user=user, kind=LinkKind.PASSWORD_RESET)
    _deliver(link, token, context={})


PHONE_CORRECTED = "휴대전화 수정 · Mobile number corrected"


@transaction.atomic
@change_reason(PHONE_CORRECTED)  # the account's audit trail
def correct_phone_and_resend(*, by: User, delivery_id: str, phone: str) -> NoticeDelivery:
    """An official corrects the mobile number of an owner whose message could not be
    delivered, and the message is sent once more (notifications.services.retry_delivery).
    The number must be a mobile number that no other account has; the person must be
    one the official looks after."""
    delivery = NoticeDelivery.objects.visible_to(by).select_related("notice__recipient").filter(id=delivery_id).first()
    if delivery is None:
        raise DomainError("not_found", _("No such message."), status_code=404)
    person = delivery.notice.recipient
    if not can_manage_people(by) or not people_visible_to(by).filter(pk=person.pk).exists():
        raise DomainError("permission_denied", _("You may not do this."), status_code=403)
    number = accounts.normalize_phone(phone)
    if not number:
        message = _("A mobile phone number reads 010-XXXX-XXXX.")
        raise DomainError("invalid_phone", message, fields={"phone": [message]})
    if User.objects.filter(phone=number).exclude(pk=person.pk).exists():
        message = _("Another account has this number.")
        raise DomainError("phone_in_use", message, fields={"phone": [message]})
    if person.phone != number:
        person.phone = number
        person.save(update_fields=["phone"])
    return retry_delivery(delivery_id=str(delivery.id), by=by)
