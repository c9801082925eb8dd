"""Setting a hauler's round: the whole order at once."""

import uuid
from collections import Counter
from collections.abc import Sequence

from django.db import transaction
from django.db.models.functions import Now
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.municipalities.models import Hauler
from backend.restaurants.models import Bin
from backend.routes.models import RouteStop

MAX_ROUTE_LENGTH = 20_000


def set_route(*, hauler: Hauler, bin_ids: Sequence[uuid.UUID], by: User) -> list[uuid.UUID]:
    """The hauler's round becomes `bin_ids`, in that order (an empty list clears it). Every
    bin must be active, in a district the hauler serves, and visible to `by`. Bins whose
    place changed are marked changed, so that the crews' directory sends their new place.
    Under a lock on the hauler: of two officials saving at once, the second order wins whole."""
    if len(bin_ids) > MAX_ROUTE_LENGTH:
        raise DomainError(
            "route_too_long",
            format_lazy(_("A route holds at most {largest} bins."), largest=MAX_ROUTE_LENGTH),
            fields={"bins": [f"at most {MAX_ROUTE_LENGTH}"]},
        )
    repeated = sorted(str(bin_id) for bin_id, times in Counter(bin_ids).items() if times > 1)
    if repeated:
        raise DomainError(
            "route_bin_repeated",
            _("A bin is on the route twice."),
            fields={"bins": repeated[:20]},
        )
    with transaction.atomic():
        Hauler.objects.select_for_update().filter(pk=hauler.pk).first()
        allowed = set(
            Bin.objects.visible_to(by)
            .active()
            .filter(id__in=bin_ids, restaurant__district__haulers=hauler)
            .values_list("id", flat=True)
        )
        unknown = [str(b) for b in bin_ids if b not in allowed]
        if unknown:
            raise DomainError(
                "route_bin_not_served",
                _("Some bins are not active bins this hauler collects."),
                fields={"bins": unknown[:20]},
            )
        before = dict(RouteStop.objects.filter(hauler=hauler).values_list("bin_id", "position"))
        after = {bin_id: position for position, bin_id in enumerate(bin_ids, start=1)}
        RouteStop.objects.filter(hauler=hauler).delete()
        RouteStop.objects.bulk_create(
            [RouteStop(hauler=hauler, bin_id=bin_id, position=position) for bin_id, position in after.items()],
            batch_size=2000,
        )
        moved = [bin_id for bin_id in before.keys() | after.keys() if before.get(bin_id) != after.get(bin_id)]
        Bin.objects.filter(id__in=moved).update(updated_at=Now())
    return list(bin_ids)
