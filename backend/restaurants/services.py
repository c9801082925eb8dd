from django.db import IntegrityError, transaction

from backend.accounts.services import check_owner_binding
from backend.core.errors import DomainError
from backend.restaurants import business_numbers
from backend.restaurants.models import Bin, Restaurant


def _checked_business_number(raw: str) -> str:
    """Blank is allowed (the licence register carries none); a number given must pass its check digit."""
    if not (raw or "").strip():
        return ""
    if not business_numbers.is_valid(raw):
        raise DomainError(
            "invalid_business_number",
            "사업자등록번호가 올바르지 않습니다. The business registration number is not valid.",
            fields={"business_number": ["check digit or length is wrong"]},
        )
    return business_numbers.normalize(raw)


def register_restaurant(*, by, district, name: str, address: str, business_number: str = "", **details) -> Restaurant:
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


def update_restaurant(*, by, restaurant: Restaurant, **changes) -> Restaurant:
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
    return _save_unique(restaurant, update_fields=[*changes.keys(), "municipality"])


def _save_unique(restaurant: Restaurant, update_fields=None) -> Restaurant:
    try:
        with transaction.atomic():
            restaurant.save(update_fields=update_fields)
    except IntegrityError as error:
        if "business_number_unique" not in str(error):
            raise
        raise DomainError(
            "business_number_taken",
            "이 사업자등록번호로 이미 등록된 음식점이 있습니다. A restaurant with this business number is registered.",
            fields={"business_number": ["already registered in this municipality"]},
            status_code=409,
        ) from None
    return restaurant


def add_bin(*, restaurant: Restaurant, capacity_liters: int, label: str) -> Bin:
    return Bin.objects.create(restaurant=restaurant, capacity_liters=capacity_liters, label=label)
