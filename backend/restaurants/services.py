import uuid
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.accounts.services import check_owner_binding
from backend.core.errors import DomainError
from backend.municipalities.models import District, Municipality
from backend.restaurants import business_numbers
from backend.restaurants.bin_files import BinFileError, read_bin_rows
from backend.restaurants.models import Bin, BinStatus, Restaurant, RestaurantStatus, checked_collection_days


def _checked_business_number(raw: str) -> str:
    """Blank is allowed (the licence register carries none); a number given must pass its check digit."""
    if not (raw or "").strip():
        return ""
    if not business_numbers.is_valid(raw):
        raise DomainError(
            "invalid_business_number",
            _("The business registration number is not valid."),
            fields={"business_number": ["check digit or length is wrong"]},
        )
    return business_numbers.normalize(raw)


def register_restaurant(
    *, by: User, district: District, name: str, address: str, business_number: str = "", **details: Any
) -> Restaurant:
    check_owner_binding(by=by, owner=details.get("owner"), municipality_id=district.municipality_id)
    restaurant = Restaurant(
        municipality_id=district.municipality_id,
        district=district,
        name=name,
        business_number=_checked_business_number(business_number),
        address=address,
        **details,
    )
    return _save_unique(restaurant)


def update_restaurant(*, by: User, restaurant: Restaurant, **changes: Any) -> Restaurant:
    owner = changes.get("owner", restaurant.owner)
    municipality_id = changes["district"].municipality_id if "district" in changes else restaurant.municipality_id
    if owner is not None and (owner.pk != restaurant.owner_id or municipality_id != restaurant.municipality_id):
        check_owner_binding(by=by, owner=owner, municipality_id=municipality_id)
    if "business_number" in changes:
        changes["business_number"] = _checked_business_number(changes["business_number"])
    if "district" in changes:
        restaurant.municipality_id = changes["district"].municipality_id
    for field, value in changes.items():
        setattr(restaurant, field, value)
    return _save_unique(restaurant, update_fields=[*changes.keys(), "municipality", "updated_at"])


def _save_unique(restaurant: Restaurant, update_fields: list[str] | None = None) -> Restaurant:
    try:
        with transaction.atomic():
            restaurant.save(update_fields=update_fields)
    except IntegrityError as error:
        if "business_number_unique" not in str(error):
            raise
        raise DomainError(
            "business_number_taken",
            _("A restaurant with this business registration number is already registered."),
            fields={"business_number": ["already registered in this municipality"]},
            status_code=409,
        ) from None
    return restaurant


def add_bin(
    *, restaurant: Restaurant, capacity_liters: int, label: str, collection_days: list[int] | None = None
) -> Bin:
    return Bin.objects.create(
        restaurant=restaurant,
        capacity_liters=capacity_liters,
        label=label,
        collection_days=checked_collection_days(collection_days or []),
    )


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required",
            _("Please give a reason."),
            fields={"reason": ["required"]},
        )
    return reason


def close_restaurant(*, restaurant: Restaurant, on: date, by: User, reason: str) -> Restaurant:
    """An official closes a restaurant (폐업) from its closing day on: no pickups or bills
    after `on`; its open invoices stay. Closing twice is refused rather than moving the day."""
    reason = _required_reason(reason)
    with transaction.atomic():
        restaurant = Restaurant.objects.select_for_update().get(pk=restaurant.pk)
        if restaurant.status == RestaurantStatus.CLOSED:
            raise DomainError(
                "restaurant_closed",
                _("This restaurant is already closed (%(day)s).") % {"day": restaurant.closed_on},
                status_code=409,
            )
        restaurant.close(on=on)
    return restaurant


def update_bin(*, bin: Bin, label: str, capacity_liters: int, collection_days: list[int] | None = None) -> Bin:
    """A bin's label, size and collection days (None: the days stay as they are)."""
    if capacity_liters < 1:
        raise DomainError(
            "invalid_capacity",
            _("Capacity must be at least 1 litre."),
            fields={"capacity_liters": ["at least 1"]},
        )
    bin.label = label
    bin.capacity_liters = capacity_liters
    if collection_days is not None:
        bin.collection_days = checked_collection_days(collection_days)
    bin.save(update_fields=["label", "capacity_liters", "collection_days", "updated_at"])
    return bin


def add_bins_where_missing(*, municipality_id: uuid.UUID, capacity_liters: int, label: str) -> int:
    """Every open restaurant of the municipality without an active bin gets one bin; the number
    made. Under a lock on the municipality, so that two officials clicking at once make one each."""
    if capacity_liters < 1:
        raise DomainError(
            "invalid_capacity",
            _("Capacity must be at least 1 litre."),
            fields={"capacity_liters": ["at least 1"]},
        )
    with transaction.atomic():
        Municipality.objects.select_for_update().filter(pk=municipality_id).first()
        restaurant_ids = list(
            Restaurant.objects.filter(municipality_id=municipality_id, status=RestaurantStatus.OPEN)
            .exclude(Exists(Bin.objects.filter(restaurant=OuterRef("pk"), status=BinStatus.ACTIVE)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Bin.objects.bulk_create(
            [Bin(restaurant_id=pk, capacity_liters=capacity_liters, label=label) for pk in restaurant_ids],
            batch_size=2000,
        )
    return len(restaurant_ids)


def add_bins_from_file(*, municipality_id: uuid.UUID, data: bytes) -> int:
    """Bins from a small CSV (bin_files.py), all or none: any line that cannot be used (a
    bad label or capacity, a restaurant the municipality does not have or has closed)
    refuses the whole file, with every such line listed; the number of bins made."""
    try:
        rows, refused = read_bin_rows(data)
    except BinFileError as error:
        raise DomainError("unreadable_file", str(error), fields={"file": [str(error)]}) from None
    register_ids = {row.restaurant_ref for row in rows if not _is_uuid(row.restaurant_ref)}
    uuids = {row.restaurant_ref for row in rows if _is_uuid(row.restaurant_ref)}
    found = Restaurant.objects.filter(municipality_id=municipality_id).filter(
        Q(register_id__in=register_ids) | Q(pk__in=uuids)
    )
    by_ref: dict[str, Restaurant] = {}
    for restaurant in found.only("pk", "register_id", "status"):
        by_ref[str(restaurant.pk)] = restaurant
        if restaurant.register_id:
            by_ref[restaurant.register_id] = restaurant
    for row in rows:
        listed = by_ref.get(row.restaurant_ref)
        if listed is None:
            refused.append(f"{row.line}: " + _("no such restaurant (%(ref)s)") % {"ref": row.restaurant_ref})
        elif listed.status == RestaurantStatus.CLOSED:
            refused.append(f"{row.line}: " + _("the restaurant is closed (%(ref)s)") % {"ref": row.restaurant_ref})
    if refused or not rows:
        raise DomainError(
            "bin_rows_refused",
            _("Some lines could not be used, so no bin was made."),
            fields={"file": sorted(refused, key=lambda line: int(line.split(":")[0])) or ["no rows"]},
        )
    Bin.objects.bulk_create(
        [
            Bin(restaurant=by_ref[row.restaurant_ref], capacity_liters=row.capacity_liters, label=row.label)
            for row in rows
        ],
        batch_size=2000,
    )
    return len(rows)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
