"""What the dispute pages read from a phone's keypad before the domain's strict parser
(services.parse_weight_kg, as strict as a crew's scan): the API takes the strict form only."""

import re
import unicodedata

# One comma between digits, no point: a decimal comma ("8,5"), as Korean phones' keypads
# often give. A number with a point and a comma stays as typed (and is refused).
_DECIMAL_COMMA = re.compile(r"([0-9]+),([0-9]{1,3})")


def typed_kg(text: str) -> str:
    """Kilograms as typed on a phone → the plain form: full-width digits and signs
    ("８.５") become ASCII (NFKC), a decimal comma ("8,5") a point; spaces around go."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    match = _DECIMAL_COMMA.fullmatch(plain)
    return f"{match.group(1)}.{match.group(2)}" if match else plain
