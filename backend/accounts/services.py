import hashlib
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from backend.accounts.access import AnyUser, can_attach_owner, can_deactivate
from backend.accounts.models import AccountLink, Deactivation, LinkChannel, LinkKind, User
from backend.core.audit import change_reason
from backend.core.errors import DomainError

OWNER_NOT_IN_MUNICIPALITY = (
    "owner_not_in_municipality",
    _("Only an owner who belongs to this municipality or was invited through it can be attached."),
)


def check_owner_binding(*, by: AnyUser, owner: User | None, municipality_id: uuid.UUID) -> None:
    """Refuses (400 `owner_not_in_municipality`) an owner `by` may not attach to a
    restaurant in the municipality (accounts.access.can_attach_owner)."""
    if owner is not None and not can_attach_owner(by, owner, municipality_id):
        code, message = OWNER_NOT_IN_MUNICIPALITY
        raise DomainError(code, message, fields={"owner": [message]})


# --- Accounts made by officials, one-time links, deactivation --------------------------

PHONE_PATTERN = re.compile(r"^010-\d{4}-\d{4}$")


def _invalid_phone() -> NoReturn:
    message = _("A mobile phone number reads 010-XXXX-XXXX.")
    raise DomainError("invalid_phone", message, fields={"phone": [message]})


def _contact_in_use(field: str) -> NoReturn:
    message = _("This contact belongs to an account that is not an owner's.")
    raise DomainError("contact_in_use", message, fields={field: [message]})


def _account_deactivated() -> NoReturn:
    raise DomainError(
        "account_deactivated",
        _("This account is deactivated; ask your official."),
    )


def link_invalid() -> DomainError:
    """An unknown, used or expired link: one answer for each, like an unknown page."""
    return DomainError(
        "link_invalid",
        _("This link has expired or was already used; ask for a new one."),
        status_code=404,
    )


def _not_allowed() -> NoReturn:
    raise DomainError("permission_denied", _("You may not do this."), status_code=403)


def normalize_phone(raw: str) -> str:
    """'01012345678', '010 1234 5678' or '010-1234-5678' → '010-1234-5678'; '' stays ''."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not digits:
        return ""
    if not re.fullmatch(r"010\d{8}", digits):
        _invalid_phone()
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def find_or_make_account(*, role: str, email: str = "", phone: str = "", name: str = "", **ties: Any) -> User:
    """The account with this email or phone (one account per person, however many
    restaurants they own), or a new one without a usable password. Its username is the
    email, else the phone number, so that the person signs in with what they know."""
    email, phone = (email or "").strip().lower(), normalize_phone(phone)
    # Two officials inviting the same person at once make one account: the second waits
    # for the first's transaction (the callers run in one).
    with connection.cursor() as cursor:
        for contact in filter(None, [email, phone]):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"account-contact:{contact}"])
    existing = None
    if email:
        existing = User.objects.filter(email__iexact=email).order_by("date_joined").first()
    if existing is None and phone:
        existing = User.objects.filter(phone=phone).order_by("date_joined").first()
    if existing is not None:
        if existing.role != role:
            _contact_in_use("email" if email else "phone")
        if not existing.is_active:
            _account_deactivated()
        if not existing.has_usable_password():
            # Not in use yet: a contact given now fills the one missing (an email lets the
            # link be sent). An account in use keeps its contacts: a new address there
            # would be a way to reset someone else's password.
            missing = {"email": email and not existing.email, "phone": phone and not existing.phone}
            for field_name in [name for name, fill in missing.items() if fill]:
                setattr(existing, field_name, email if field_name == "email" else phone)
            if any(missing.values()):
                existing.save(update_fields=[name for name, fill in missing.items() if fill])
        return existing
    username = email or phone or f"{role}-{secrets.token_hex(4)}"
    if User.objects.filter(username__iexact=username).exists():
        username = f"{username}-{secrets.token_hex(2)}"
    user = User(username=username, role=role, email=email, phone=phone, first_name=name.strip()[:150], **ties)
    user.set_unusable_password()
    user.save()
    return user


def make_link(*, user: User, kind: str, by: User | None = None, municipality_id: Any = None) -> tuple[AccountLink, str]:
    """A new one-time link for `user`: (the row, the token to put in the URL). The token
    is shown once; only its hash is kept. Sent by email when the account has an address;
    otherwise the official passes it on. Earlier unused links of the same kind stop working."""
    if kind == LinkKind.INVITATION:
        lifetime = timedelta(days=settings.INVITATION_VALID_DAYS)
    else:
        lifetime = timedelta(hours=settings.PASSWORD_RESET_VALID_HOURS)
    now = timezone.now()
    AccountLink.objects.filter(user=user, kind=kind, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = AccountLink.objects.create(
        kind=kind,
        user=user,
        token_hash=_hash(token),
        municipality_id=municipality_id,
        channel=LinkChannel.EMAIL if user.email else LinkChannel.HANDED,
        sent_to=user.email or user.phone,
        created_by=by,
        created_at=now,
        expires_at=now + lifetime,
    )
    return link, token


def recent_link(*, user: User, kind: str, within: timedelta) -> bool:
    """Whether a link of this kind was made for the account within the last `within`."""
    return AccountLink.objects.filter(user=user, kind=kind, created_at__gt=timezone.now() - within).exists()


def open_link(token: str) -> AccountLink:
    """The link this token opens, if it is unused, unexpired and its account active;
    otherwise `link_invalid` (the same answer for an unknown, used or expired link)."""
    link = (
        AccountLink.objects.select_related("user")
        .filter(token_hash=_hash(token or ""), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or not link.user.is_active:
        raise link_invalid()
    return link


@transaction.atomic
def use_link(*, token: str, password: str) -> User:
    """Set the account's password through its link, once. The password is checked by
    the configured validators (`password` field errors). A reset also revokes the
    account's API tokens."""
    link = open_link(token)
    link = AccountLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        raise link_invalid()
    user = link.user
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(
            "invalid_password", " ".join(error.messages), fields={"password": list(error.messages)}
        ) from None
    user.set_password(password)  # which also ends the account's signed-in sessions
    user.save(update_fields=["password"])
    if link.kind == LinkKind.PASSWORD_RESET:
        AuthToken.objects.filter(user=user).delete()  # a reset may follow a stolen password
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return user


def account_for_login(login: str) -> User | None:
    """The active account a username, email or phone number names, or None."""
    login = (login or "").strip()
    if not login:
        return None
    query = Q(username__iexact=login) | Q(email__iexact=login)
    digits = re.sub(r"[\s-]", "", login)
    if re.fullmatch(r"010\d{8}", digits):
        query |= Q(phone=f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
    return User.objects.filter(query, is_active=True).order_by("date_joined").first()


@transaction.atomic
def deactivate(*, by: User, person: User, reason: str) -> Deactivation:
    """Switch an account off: it can no longer sign in, its API tokens are revoked and
    its unused links stop working. A reason is required."""
    if not can_deactivate(by, person):
        _not_allowed()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required",
            _("Please give a reason."),
            fields={"reason": [_("Please give a reason.")]},
        )
    if not person.is_active:
        _account_deactivated()
    person.is_active = False
    with change_reason(f"비활성화 · Deactivated: {reason}"):  # the account's audit trail
        person.save(update_fields=["is_active"])
    AuthToken.objects.filter(user=person).delete()
    AccountLink.objects.filter(user=person, used_at__isnull=True).update(expires_at=timezone.now())
    return Deactivation.objects.create(user=person, by=by, reason=reason)
