"""Issuing and revoking outside apps' API keys, and filing their Open311 requests.

A request filed with a key goes through the same domain functions as the owner's own
page (`pickup_requests.services.request_pickup`, `tags.services.report_tag_problem`):
the same rules, the same step-by-step notices to the restaurant's owner. The bin is
named by its tag (the tag URL or the manual code printed on the bin): knowing the code
is the proof of standing at the bin. It is recorded as asked by the official who issued
the key, and the ServiceRequest row remembers which app filed it."""

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.core.bounds import NOTE_MAX_LENGTH, checked_text
from backend.core.errors import DomainError
from backend.open311.models import PICKUP_KINDS, ApiKey, ServiceCode, ServiceRequest
from backend.pickup_requests.services import request_pickup
from backend.restaurants.models import Restaurant
from backend.tags.models import Tag, TagReportKind
from backend.tags.services import find_tags, report_tag_problem

KEY_PREFIX = "o311_"
KEY_BYTES = 32  # 256 random bits
PREFIX_SHOWN = 8
APP_NAME_MAX_LENGTH = 100


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_form_token() -> str:
    """The one-time token of a console form that makes a key (see `issue_api_key`)."""
    return secrets.token_urlsafe(24)


def _key_of_form(form_token: str) -> str:
    digest = hmac.new(str(settings.SECRET_KEY).encode(), b"open311-api-key:" + form_token.encode(), hashlib.sha256)
    return KEY_PREFIX + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def issue_api_key(*, municipality_id: uuid.UUID, app_name: str, by: User, form_token: str = "") -> tuple[ApiKey, str]:
    """Make a key for a named outside app. Returns the row and the key itself, which is
    shown once and never stored.

    From the console's form, the key is derived from the form's one-time token (an HMAC
    under SECRET_KEY): the same form sent twice (a double click, a reload of the answer)
    finds the key it made and shows it again, rather than making a second one."""
    name = checked_text(app_name, "app_name", APP_NAME_MAX_LENGTH).strip()
    if not name:
        raise DomainError("validation_error", _("Name the app the key is for."), fields={"app_name": ["required"]})
    if form_token and not FORM_TOKEN.fullmatch(form_token):
        raise DomainError("validation_error", _("This form was sent already: reload the page."))
    raw = _key_of_form(form_token) if form_token else KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    try:
        with transaction.atomic():
            key = ApiKey.objects.create(
                municipality_id=municipality_id,
                app_name=name,
                prefix=raw[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_SHOWN],
                key_hash=hash_key(raw),
                created_by=by,
            )
    except IntegrityError:  # this form made its key already
        key = ApiKey.objects.get(key_hash=hash_key(raw))
        if key.municipality_id != municipality_id or key.revoked_at is not None:
            raise DomainError("validation_error", _("This form was sent already: reload the page.")) from None
    return key, raw


def revoke_api_key(*, key: ApiKey, by: User) -> bool:
    """Stop a key at once. A conditional UPDATE: revoking twice changes nothing."""
    now = timezone.now()
    revoked = ApiKey.objects.filter(id=key.id, revoked_at__isnull=True).update(revoked_at=now, revoked_by=by)
    if revoked:
        key.revoked_at, key.revoked_by = now, by
    return bool(revoked)


def key_for(raw: str) -> ApiKey:
    """The active key `raw` is, or a 403 (missing, unknown and revoked keys alike)."""
    if not raw:
        raise DomainError("api_key_required", _("An api_key is required to file a request."), status_code=403)
    key: ApiKey | None = (
        ApiKey.objects.active().select_related("created_by", "municipality").filter(key_hash=hash_key(raw)).first()
    )
    if key is None:
        raise DomainError("api_key_invalid", _("Invalid api_key received: cannot file the request."), status_code=403)
    return key


def file_service_request(
    *, key: ApiKey, service_code: str, attributes: Mapping[str, str], description: str = ""
) -> ServiceRequest:
    """File one Open311 request for the key's municipality."""
    if service_code not in ServiceCode.values:
        raise DomainError(
            "unknown_service",
            _("There is no service with this service_code."),
            fields={"service_code": [f"one of {', '.join(ServiceCode.values)}"]},
        )
    checked_text(description, "description", NOTE_MAX_LENGTH)
    tag = _tag_named(key, attributes.get("tag", ""))
    bin = tag.bin
    restaurant = Restaurant.objects.select_related("municipality").get(id=bin.restaurant_id)
    by = key.created_by
    with transaction.atomic():
        if service_code == ServiceCode.TAG_PROBLEM:
            report = report_tag_problem(bin=bin, by=by, kind=_problem(attributes), note=description)
            return ServiceRequest.objects.create(
                api_key=key, municipality_id=key.municipality_id, service_code=service_code, tag_report=report
            )
        today = timezone.localdate(timezone=restaurant.municipality.zone)
        pickup = request_pickup(
            restaurant=restaurant,
            bin=bin,
            kind=PICKUP_KINDS[service_code],
            requested_for=_day(attributes.get("requested_for", ""), default=today),
            note=description,
            by=by,
        )
        return ServiceRequest.objects.create(
            api_key=key, municipality_id=key.municipality_id, service_code=service_code, pickup_request=pickup
        )


def _tag_named(key: ApiKey, raw: str) -> Tag:
    """The active tag of a bin in the key's municipality that `raw` names; a code from
    elsewhere answers like one that does not exist."""
    if not raw.strip():
        raise DomainError(
            "tag_required",
            _("Give the tag URL or the code printed on the bin's label."),
            fields={"attribute[tag]": ["required"]},
        )
    ours = Tag.objects.active().filter(bin__restaurant__municipality_id=key.municipality_id)
    found = find_tags([raw], queryset=ours)[raw]
    if isinstance(found, DomainError):
        raise found
    return found


def _problem(attributes: Mapping[str, str]) -> str:
    problem = attributes.get("problem", "")
    if problem not in TagReportKind.values:
        raise DomainError(
            "validation_error",
            _("Choose lost or damaged."),
            fields={"attribute[problem]": [f"one of {', '.join(TagReportKind.values)}"]},
        )
    return problem


def _day(raw: str, *, default: date) -> date:
    if not raw.strip():
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise DomainError(
            "validation_error",
            _("Give the day as YYYY-MM-DD."),
            fields={"attribute[requested_for]": ["not a YYYY-MM-DD day"]},
        ) from None
