"""The two identifiers a tag carries, and how to read them back.

* The tag code is what the URL `{PUBLIC_BASE_URL}/t/{code}` ends in: 16 characters of
  lowercase base32 holding 80 random bits, so it cannot be guessed or derived from
  another tag's code, and the path `/t/` + code stays 19 characters, which keeps the
  QR code coarse enough to survive a dirty bin.
* The manual code is printed on the label for typing when a scan fails: eight random
  characters and one check character, shown `ABCD-EFGH-K`. Its alphabet has 31
  symbols (digits and capitals without I, L, O, U, V), a prime number, and the check
  character makes the weighted sum Σ (i+1)·cᵢ ≡ 0 (mod 31). Because every weight is
  non-zero mod 31 a single wrong character always changes the sum, and because
  neighbouring weights differ by one, swapping two different neighbours changes it
  by their difference, which is never 0 mod 31.
"""

import re
import secrets
from dataclasses import dataclass

CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648 base32, lowercase
CODE_LENGTH = 16  # 16 × 5 bits = 80 random bits

MANUAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTWXYZ"
MANUAL_MODULUS = len(MANUAL_ALPHABET)  # 31, a prime
MANUAL_BODY_LENGTH = 8
MANUAL_LENGTH = MANUAL_BODY_LENGTH + 1
_MANUAL_VALUE = {symbol: value for value, symbol in enumerate(MANUAL_ALPHABET)}
# Characters people type for the ones the alphabet leaves out.
_MANUAL_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

_CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
_URL_PATH_RE = re.compile(r"/t/([^/?#]+)")

assert MANUAL_MODULUS == 31


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def manual_check_character(body: str) -> str:
    total = sum((position + 1) * _MANUAL_VALUE[symbol] for position, symbol in enumerate(body))
    weight = len(body) + 1
    # Solve total + weight·c ≡ 0 (mod 31) for c.
    check_value = (-total * pow(weight, -1, MANUAL_MODULUS)) % MANUAL_MODULUS
    return MANUAL_ALPHABET[check_value]


def new_manual_code() -> str:
    body = "".join(secrets.choice(MANUAL_ALPHABET) for _ in range(MANUAL_BODY_LENGTH))
    return body + manual_check_character(body)


def is_valid_manual_code(code: str) -> bool:
    if len(code) < 2 or any(symbol not in _MANUAL_VALUE for symbol in code):
        return False
    return sum((i + 1) * _MANUAL_VALUE[s] for i, s in enumerate(code)) % MANUAL_MODULUS == 0


def format_manual_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def normalize_manual_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw).upper().translate(_MANUAL_LOOKALIKES)


@dataclass(frozen=True)
class TagReference:
    """What a scan said about its tag, decoded: a URL code or a typed manual code."""

    code: str | None = None
    manual_code: str | None = None
    malformed: bool = False
    bad_check_character: bool = False


def parse_tag_reference(raw: str) -> TagReference:
    """Read what a scanner sent: the tag URL, the bare code, or the manual code."""
    text = (raw or "").strip()
    match = _URL_PATH_RE.search(text)
    candidate = match.group(1) if match else text
    if _CODE_RE.match(candidate):
        return TagReference(code=candidate)
    manual = normalize_manual_code(candidate)
    if len(manual) == MANUAL_LENGTH and all(symbol in _MANUAL_VALUE for symbol in manual):
        if not is_valid_manual_code(manual):
            return TagReference(manual_code=manual, bad_check_character=True)
        return TagReference(manual_code=manual)
    return TagReference(malformed=True)
