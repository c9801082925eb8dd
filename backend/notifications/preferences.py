"""A person's notice preferences as delivery and the settings page read them: their
row, or the defaults when they never chose; and the time zone their quiet hours are in."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.municipalities.models import Municipality
from backend.notifications.models import NoticePreference


def preference_of(user: User) -> NoticePreference:
    """The saved preferences, or an unsaved row with the defaults (quiet hours as
    NOTICE_QUIET_HOURS_BY_DEFAULT says)."""
    try:
        return user.notice_preference
    except ObjectDoesNotExist:
        return NoticePreference(user=user, quiet_hours=settings.NOTICE_QUIET_HOURS_BY_DEFAULT)


def home_zone(user: User) -> ZoneInfo:
    """The zone of the municipality the person belongs to: an official's, a crew's
    hauler's, the one an owner was invited through or owns a restaurant in; else the
    site's zone."""
    municipality = user.municipality
    if municipality is None and user.hauler is not None:
        municipality = user.hauler.municipality
    if municipality is None:
        municipality = user.invited_through
    if municipality is None and user.is_owner:
        municipality = Municipality.objects.filter(id__in=user.restaurants.values("municipality_id")).first()
    return municipality.zone if municipality is not None else ZoneInfo(settings.TIME_ZONE)


# What people call a zone's clock ("Asia/Seoul" is the machines' name for it).
ZONE_NAMES = {"Asia/Seoul": _("Seoul time")}


def zone_name(zone: ZoneInfo) -> "str | Promise":
    return ZONE_NAMES.get(zone.key, zone.key)
