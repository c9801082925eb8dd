"""What each register row means for our restaurants. Pure: no database.

`prepare` turns the file's rows into restaurant values (district found, coordinates
converted, business type mapped) or refuses them with a reason; `decide` compares one
prepared row with the restaurant already imported under its 관리번호 (if any) and says
what to do: create, update, close, leave unchanged, or skip (a closed business we never
imported).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from backend.registers import addresses, coordinates
from backend.registers.business_types import business_type
from backend.registers.reading import RegisterFile

CREATE, UPDATE, CLOSE, UNCHANGED, SKIPPED = "create", "update", "close", "unchanged", "skipped"
ACTIONS = (CREATE, UPDATE, CLOSE, UNCHANGED, SKIPPED)
# The restaurant fields an import writes; everything else (owner, business number, bins) it leaves alone.
FIELDS = (
    "name",
    "address",
    "dong",
    "phone",
    "business_type",
    "floor_area_m2",
    "district_id",
    "lat",
    "lng",
    "status",
    "closed_on",
)
_PHONE = re.compile(r"^0\d{1,2}-?\d{3,4}-?\d{4}$")


@dataclass(slots=True)
class Prepared:
    line: int
    register_id: str
    closed: bool
    values: dict  # FIELDS → value


# Why a row is refused or imported with something left out. An issue is kept as its code
# and values ({"line", "code", ...}) and worded when it is shown, in the reader's language.
ISSUE_TEXTS = {
    "no_register_id": _("no register ID"),
    "register_id_too_long": _("the register ID is too long"),
    "duplicate_register_id": _("register ID %(register_id)s is on line %(first_line)s already"),
    "no_name": _("no business name"),
    "unknown_place": _("unknown district: %(place)s"),
    "no_closing_date": _("no closing date: taken as %(day)s"),
    "coordinates_not_numbers": _("the coordinates are not numbers (X=%(x)s, Y=%(y)s): imported without a location"),
    "coordinates_outside_korea": _("the coordinates are outside Korea (X=%(x)s, Y=%(y)s): imported without a location"),
    "no_coordinates": _("no coordinates: imported without a location"),
}


def _issue(line: int, code: str, **values) -> dict:
    return {"line": line, "code": code, **values}


def issue_reason(issue: dict) -> str:
    """The issue in words, in the active language (an issue stored before issues had
    codes keeps its stored words)."""
    text = ISSUE_TEXTS.get(issue.get("code", ""))
    if text is None:
        return str(issue.get("reason", ""))
    return str(text) % issue


def _phone(raw: str) -> str:
    phone = "-".join(raw.replace("-", " ").split())
    return phone if _PHONE.match(phone) else ""


def prepare(
    register: RegisterFile, *, places: Mapping[str, object], source_crs: str, today: date
) -> tuple[list[Prepared], list[dict], list[dict]]:
    """(rows to import in 관리번호 order, refused rows, warnings). `places` maps a
    District's name or alias to its id."""
    refused: list[dict] = []
    warnings: list[dict] = []
    locations = coordinates.to_wgs84([(row.x, row.y) for row in register.rows], source_crs=source_crs)
    seen: dict[str, int] = {}
    prepared: list[Prepared] = []
    for row, location in zip(register.rows, locations, strict=True):
        if not row.register_id:
            refused.append(_issue(row.line, "no_register_id"))
            continue
        if len(row.register_id) > 40:
            refused.append(_issue(row.line, "register_id_too_long"))
            continue
        if row.register_id in seen:
            refused.append(
                _issue(row.line, "duplicate_register_id", register_id=row.register_id, first_line=seen[row.register_id])
            )
            continue
        seen[row.register_id] = row.line
        # A closed row only closes what we imported before (or is skipped), keeping
        # that restaurant's name and district: it is refused for nothing else.
        if not row.name and not row.closed:
            refused.append(_issue(row.line, "no_name"))
            continue
        candidates = addresses.place_names(row.lot_address, row.road_address)
        district_id = next((places[name] for name in candidates if name in places), None)
        if district_id is None and not row.closed:
            named = candidates[0] if candidates else "?"
            refused.append(_issue(row.line, "unknown_place", place=named))
            continue
        closed_on = None
        if row.closed:
            closed_on = row.closed_on
            if closed_on is None:
                closed_on = today
                warnings.append(_issue(row.line, "no_closing_date", day=f"{today:%Y-%m-%d}"))
        if isinstance(location, coordinates.Unplaced):
            if not row.closed:
                warnings.append(_issue(row.line, f"coordinates_{location.problem}", x=location.x, y=location.y))
            location = None
        elif location is None and not row.closed:
            warnings.append(_issue(row.line, "no_coordinates"))
        lat, lng = location if location else (None, None)
        prepared.append(
            Prepared(
                line=row.line,
                register_id=row.register_id,
                closed=row.closed,
                values={
                    "name": row.name[:100],
                    "address": (row.road_address or row.lot_address)[:200],
                    "dong": addresses.dong(row.lot_address, row.road_address),
                    "phone": _phone(row.phone),
                    "business_type": business_type(row.business_type),
                    "floor_area_m2": row.floor_area,
                    "district_id": district_id,
                    "lat": lat,
                    "lng": lng,
                    "status": "closed" if row.closed else "open",
                    "closed_on": closed_on,
                },
            )
        )
    prepared.sort(key=lambda p: p.register_id)
    refused.sort(key=lambda issue: issue["line"])
    warnings.sort(key=lambda issue: issue["line"])
    return prepared, refused, warnings


def decide(row: Prepared, existing: dict | None) -> tuple[str, dict]:
    """(action, the values to write). `existing` holds FIELDS of the restaurant already
    imported under this 관리번호."""
    if existing is None:
        return (SKIPPED, {}) if row.closed else (CREATE, row.values)
    values = dict(row.values)
    if values["lat"] is None:  # the register lost the location: keep the one we have
        values["lat"], values["lng"] = existing["lat"], existing["lng"]
    for field in ("name", "district_id", "address", "dong"):
        if not values[field]:
            values[field] = existing[field]
    if all(_same(values[field], existing[field]) for field in FIELDS):
        return UNCHANGED, values
    if row.closed and existing["status"] != "closed":
        return CLOSE, values
    return UPDATE, values


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    return str(a) == str(b) if a is not None and b is not None else a is b
