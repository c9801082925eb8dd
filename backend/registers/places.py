"""The place names a municipality's register rows may carry, and the District each means."""

import uuid

from backend.municipalities.models import District, Municipality
from backend.registers.models import DistrictAlias


def places_of(municipality: Municipality) -> dict[str, uuid.UUID]:
    """A District's own name, or an alias officials set for it → the District's id."""
    places = dict(District.objects.filter(municipality=municipality).values_list("name", "id"))
    places.update(DistrictAlias.objects.filter(municipality=municipality).values_list("name", "district_id"))
    return places
