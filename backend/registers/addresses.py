"""Which 동/읍/면 an address names, to find the restaurant's District. Pure."""

import re

_PLACE = re.compile(r"^[가-힣0-9·.]+?(동|읍|면|가|리)$")
_ROAD_NOTE = re.compile(r"\(([^)]*)\)\s*$")


def place_names(lot_address: str, road_address: str) -> list[str]:
    """Candidate names, best first: the 동/읍/면 of the lot address (지번주소: "서울특별시
    마포구 서교동 395-1"), then the one a road address notes in brackets ("… 양화로 45 (서교동)")."""
    names: list[str] = []
    tokens = lot_address.split()
    for token in tokens[1:]:
        if token[0].isdigit() or (token.startswith("산") and token[1:2].isdigit()):
            break  # the lot number: what follows is the building, not the place
        if _PLACE.match(token) and not token.endswith(("시", "구", "군")):
            names.append(token)
    note = _ROAD_NOTE.search(road_address)
    if note:
        first = note[1].split(",")[0].strip()
        if first and _PLACE.match(first):
            names.append(first)
    return names


def dong(lot_address: str, road_address: str) -> str:
    """The restaurant's 동/읍/면 for the reports: the first place the addresses name, or ""."""
    names = place_names(lot_address, road_address)
    return names[0][:20] if names else ""
