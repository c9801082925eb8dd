"""NTAG 424 DNA Secure Unique NFC (SUN): proof that a scan came from the real chip.

A plain NFC tag or QR code holds a fixed URL that anyone can copy. An NTAG 424 DNA
configured for Secure Dynamic Messaging rewrites part of its URL on every tap:

    https://host/t/<code>?picc_data=<32 hex>&cmac=<16 hex>

* ``picc_data`` is one AES-128 block, encrypted with the tag's SDM meta-read key:
  a PICCDataTag byte, the 7-byte UID, the 3-byte tap counter (least significant
  byte first) and random padding.
* ``cmac`` is an AES-CMAC truncated to 8 bytes, computed with a session key that is
  derived from the SDM file-read key, the UID and the counter, so it changes on
  every tap and only a holder of the key can produce it.

Every tag has its own keys, diversified from one master key with NXP AN10922, so the
keys pulled out of one tag say nothing about another (see docs/sun.md).

All functions are pure (no Django, no database); NXP AN12196 gives the vectors the
tests check them against. The backend decides what a verified tap means.
"""

import hmac
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError

KEY_LENGTH = 16
BLOCK_LENGTH = 16
UID_LENGTH = 7
COUNTER_LENGTH = 3
MAX_COUNTER = 0xFFFFFF
MAC_LENGTH = 8

PICC_DATA_PARAM = "picc_data"
CMAC_PARAM = "cmac"
# What the URL template on the tag holds where the chip writes its data.
PICC_DATA_PLACEHOLDER = "{picc_data}"
CMAC_PLACEHOLDER = "{cmac}"

# The NTAG 424 DNA application has five AES keys; this is the job we give each.
APP_MASTER_KEY_NUMBER = 0  # changes keys and file settings: only the operator's tool uses it
META_READ_KEY_NUMBER = 1  # encrypts picc_data
FILE_READ_KEY_NUMBER = 2  # keys the cmac
TAG_KEY_NUMBERS = (0, 1, 2, 3, 4)  # 3 and 4 are unused but still changed from the factory zeros

# Part of every AN10922 diversification input, so keys derived for this system never
# equal keys another system derives from the same master key and UID.
SYSTEM_IDENTIFIER = b"KR-FOODWASTE-SUN"

# PICCDataTag (first plaintext byte): bit 7 UID mirrored, bit 6 counter mirrored,
# bits 5-4 reserved (zero), bits 3-0 UID length.
_UID_MIRRORED = 0x80
_COUNTER_MIRRORED = 0x40
_RESERVED_BITS = 0x30
_UID_LENGTH_BITS = 0x0F
PICC_DATA_TAG = _UID_MIRRORED | _COUNTER_MIRRORED | UID_LENGTH  # 0xC7, what our tags send

# AN12196 §3.3: session vector SV2 = 3C C3 00 01 00 80 || UID || SDMReadCtr, zero padded.
_SV2_PREFIX = bytes.fromhex("3CC300010080")

_AN10922_AES128 = 0x01
_CMAC_RB = 0x87  # the constant of RFC 4493's subkey doubling for a 128-bit block
_HEX_RE = re.compile(r"[0-9A-Fa-f]*")


@dataclass(frozen=True)
class PiccData:
    """The decrypted PICCData. A field is None when the tag is set not to mirror it."""

    uid: bytes | None
    read_counter: int | None


@dataclass(frozen=True)
class SunTap:
    """A tap whose MAC verified: the chip's UID and its tap counter at that tap."""

    uid: bytes
    counter: int

    @property
    def uid_hex(self) -> str:
        """Uppercase hex without separators, the form `Tag.nfc_uid` stores."""
        return self.uid.hex().upper()


@dataclass(frozen=True)
class TagKeys:
    """The five application keys of one tag, indexed by key number."""

    uid: bytes
    keys: tuple[bytes, ...]

    @property
    def meta_read_key(self) -> bytes:
        return self.keys[META_READ_KEY_NUMBER]

    @property
    def file_read_key(self) -> bytes:
        return self.keys[FILE_READ_KEY_NUMBER]


# --- Errors ------------------------------------------------------------------------


def _malformed(detail: str) -> DomainError:
    return DomainError(
        "sun_malformed",
        _("The tag's SUN parameters (picc_data, cmac) are missing or malformed."),
        fields={"tag": [detail]},
    )


def _bad_mac(detail: str) -> DomainError:
    # One code for every cryptographic failure: telling a caller which step failed
    # would only help someone probing for a forgery.
    return DomainError(
        "sun_bad_mac",
        _("The tag's authentication code does not verify: the tag may be a copy or the URL was altered."),
        fields={"tag": [detail]},
    )


# --- AES primitives ----------------------------------------------------------------


def _check_key(key: bytes, name: str = "key") -> None:
    if len(key) != KEY_LENGTH:
        raise ValueError(f"{name} must be {KEY_LENGTH} bytes, got {len(key)}")


def _aes_cbc_zero_iv(key: bytes, data: bytes, *, decrypt: bool = False) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CBC(bytes(BLOCK_LENGTH)))
    worker = cipher.decryptor() if decrypt else cipher.encryptor()
    return worker.update(data) + worker.finalize()


def _cmac(key: bytes, data: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def _double(block: bytes) -> bytes:
    """Multiply by x in GF(2^128): the CMAC subkey step of RFC 4493."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value ^ _CMAC_RB) & ((1 << 128) - 1)
    return value.to_bytes(BLOCK_LENGTH, "big")


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


# --- Key diversification (NXP AN10922 §2.2, AES-128) -------------------------------


def diversify_key(master_key: bytes, diversification_input: bytes) -> bytes:
    """AN10922 AES-128 diversification: the CMAC of 0x01 || M, always over two blocks.

    It differs from a plain CMAC only for inputs of 15 bytes or fewer: AN10922 pads
    0x01 || M to 32 bytes (0x80 then zeros, last block XOR K2) even when it would fit
    in one block. Ours are 24 bytes (UID, key number, system identifier).
    """
    _check_key(master_key, "master_key")
    if not 1 <= len(diversification_input) <= 31:
        raise ValueError("AN10922 diversification input must be 1 to 31 bytes")
    k1 = _double(_aes_cbc_zero_iv(master_key, bytes(BLOCK_LENGTH)))
    k2 = _double(k1)
    data = bytes([_AN10922_AES128]) + diversification_input
    if len(data) == 2 * BLOCK_LENGTH:
        data = data[:BLOCK_LENGTH] + _xor(data[BLOCK_LENGTH:], k1)
    else:
        data = (data + b"\x80").ljust(2 * BLOCK_LENGTH, b"\x00")
        data = data[:BLOCK_LENGTH] + _xor(data[BLOCK_LENGTH:], k2)
    return _aes_cbc_zero_iv(master_key, data)[BLOCK_LENGTH:]


def tag_key(master_key: bytes, uid: bytes, key_number: int, *, system_identifier: bytes = SYSTEM_IDENTIFIER) -> bytes:
    """Key `key_number` of the tag with this UID: AN10922 over UID || key number || system id."""
    _check_uid(uid)
    if key_number not in TAG_KEY_NUMBERS:
        raise ValueError(f"key_number must be one of {TAG_KEY_NUMBERS}")
    return diversify_key(master_key, uid + bytes([key_number]) + system_identifier)


def tag_keys(master_key: bytes, uid: bytes, *, system_identifier: bytes = SYSTEM_IDENTIFIER) -> TagKeys:
    keys = tuple(tag_key(master_key, uid, n, system_identifier=system_identifier) for n in TAG_KEY_NUMBERS)
    return TagKeys(uid=uid, keys=keys)


def master_key_from_hex(text: str) -> bytes:
    """Read SUN_MASTER_KEY: 32 hex digits (an AES-128 key). Fails loudly on anything else."""
    cleaned = (text or "").strip()
    if len(cleaned) != 2 * KEY_LENGTH or not _HEX_RE.fullmatch(cleaned):
        raise ValueError("SUN_MASTER_KEY must be 32 hex digits.")
    key = bytes.fromhex(cleaned)
    if key == bytes(KEY_LENGTH):
        # All zeros is the factory key and AN12196's example key: never a real master key.
        raise ValueError("SUN_MASTER_KEY is the all-zero factory key.")
    return key


# --- PICCData ------------------------------------------------------------------------


def _check_uid(uid: bytes) -> None:
    if len(uid) != UID_LENGTH:
        raise ValueError(f"uid must be {UID_LENGTH} bytes, got {len(uid)}")


def _check_counter(counter: int) -> None:
    if not 0 <= counter <= MAX_COUNTER:
        raise ValueError(f"counter must be between 0 and {MAX_COUNTER}")


def _hex_param(value: str, name: str, length: int) -> bytes:
    if len(value) != 2 * length or not _HEX_RE.fullmatch(value):
        raise _malformed(f"{name} must be {2 * length} hex digits")
    return bytes.fromhex(value)


def decrypt_picc_data(picc_data_hex: str, key: bytes) -> PiccData:
    """Decrypt `picc_data` with the SDM meta-read key (AES-128-CBC, zero IV, one block).

    A PICCDataTag with reserved bits set, or a mirrored UID whose length is not 7, is
    what a wrong key or an altered value decrypts to: raised as sun_bad_mac.
    """
    _check_key(key)
    plain = _aes_cbc_zero_iv(key, _hex_param(picc_data_hex, PICC_DATA_PARAM, BLOCK_LENGTH), decrypt=True)
    picc_data_tag = plain[0]
    if picc_data_tag & _RESERVED_BITS:
        raise _bad_mac("picc_data does not decrypt to a PICCData record")
    position = 1
    uid = None
    if picc_data_tag & _UID_MIRRORED:
        if picc_data_tag & _UID_LENGTH_BITS != UID_LENGTH:
            raise _bad_mac("picc_data does not decrypt to a PICCData record")
        uid = plain[position : position + UID_LENGTH]
        position += UID_LENGTH
    read_counter = None
    if picc_data_tag & _COUNTER_MIRRORED:
        read_counter = int.from_bytes(plain[position : position + COUNTER_LENGTH], "little")
    return PiccData(uid=uid, read_counter=read_counter)


def encrypt_picc_data(uid: bytes, counter: int, key: bytes, *, padding: bytes | None = None) -> bytes:
    """What the chip encrypts: 0xC7 || UID || counter (LSB first) || 5 random bytes."""
    _check_key(key)
    _check_uid(uid)
    _check_counter(counter)
    padding_length = BLOCK_LENGTH - 1 - UID_LENGTH - COUNTER_LENGTH
    padding = os.urandom(padding_length) if padding is None else padding
    if len(padding) != padding_length:
        raise ValueError(f"padding must be {padding_length} bytes")
    plain = bytes([PICC_DATA_TAG]) + uid + counter.to_bytes(COUNTER_LENGTH, "little") + padding
    return _aes_cbc_zero_iv(key, plain)


# --- SDM MAC -------------------------------------------------------------------------


def sdm_session_mac_key(file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileReadMAC = CMAC(file-read key, SV2), AN12196 §3.3."""
    _check_key(file_read_key, "file_read_key")
    _check_uid(uid)
    _check_counter(counter)
    sv2 = _SV2_PREFIX + uid + counter.to_bytes(COUNTER_LENGTH, "little")
    # Zero padding to a whole block; with a 7-byte UID and the counter SV2 is exactly 16.
    sv2 = sv2.ljust(-(-len(sv2) // BLOCK_LENGTH) * BLOCK_LENGTH, b"\x00")
    return _cmac(file_read_key, sv2)


def truncate_mac(full_mac: bytes) -> bytes:
    """NXP's 8-byte MAC: the odd-indexed bytes (1, 3, ..., 15) of the 16-byte CMAC."""
    if len(full_mac) != BLOCK_LENGTH:
        raise ValueError("a full CMAC is 16 bytes")
    return full_mac[1::2]


def sdm_mac(file_read_key: bytes, uid: bytes, counter: int, mac_input: bytes = b"") -> bytes:
    """The 8-byte SDMMAC over `mac_input` (the file bytes from SDMMACInputOffset up to
    SDMMACOffset; empty for our tags, whose two offsets are equal)."""
    return truncate_mac(_cmac(sdm_session_mac_key(file_read_key, uid, counter), mac_input))


# --- URLs ----------------------------------------------------------------------------


def sun_url_template(tag_url: str) -> str:
    """The URL to program into a tag: the tag URL plus SUN placeholders the chip fills."""
    separator = "&" if "?" in tag_url else "?"
    return f"{tag_url}{separator}{PICC_DATA_PARAM}={PICC_DATA_PLACEHOLDER}&{CMAC_PARAM}={CMAC_PLACEHOLDER}"


def simulate_tap(
    url_template: str,
    *,
    uid: bytes,
    counter: int,
    meta_read_key: bytes,
    file_read_key: bytes,
    padding: bytes | None = None,
) -> str:
    """The URL a tag sends on the tap with this counter: what the chip itself computes.

    For tests, demos and emulators; uppercase hex, as the chip mirrors it.
    """
    if PICC_DATA_PLACEHOLDER not in url_template or CMAC_PLACEHOLDER not in url_template:
        raise ValueError(f"url_template must contain {PICC_DATA_PLACEHOLDER} and {CMAC_PLACEHOLDER}")
    picc_data = encrypt_picc_data(uid, counter, meta_read_key, padding=padding)
    mac = sdm_mac(file_read_key, uid, counter)
    return url_template.replace(PICC_DATA_PLACEHOLDER, picc_data.hex().upper()).replace(
        CMAC_PLACEHOLDER, mac.hex().upper()
    )


def _sun_params(url_or_query: str) -> tuple[str, str]:
    text = (url_or_query or "").strip()
    query = text.split("?", 1)[1] if "?" in text else text
    params = parse_qs(query.split("#", 1)[0], keep_blank_values=True)
    values = []
    for name in (PICC_DATA_PARAM, CMAC_PARAM):
        found = params.get(name, [])
        if len(found) != 1:
            raise _malformed(f"expected exactly one {name} parameter, found {len(found)}")
        values.append(found[0])
    return values[0], values[1]


def verify_sun_url(url_or_query: str, *, meta_read_key: bytes, file_read_key: bytes) -> SunTap:
    """Check a tapped URL (or just its query) with one tag's keys; return UID and counter.

    Raises sun_malformed when the parameters are missing or not hex of the right
    length, sun_bad_mac when they do not authenticate under these keys. Whether the
    counter moved on is `check_counter_increases`'s job, with the stored last counter.
    """
    picc_data_hex, cmac_hex = _sun_params(url_or_query)
    received_mac = _hex_param(cmac_hex, CMAC_PARAM, MAC_LENGTH)
    picc = decrypt_picc_data(picc_data_hex, meta_read_key)
    if picc.uid is None or picc.read_counter is None:
        # Our tags always mirror both; without the counter a replay cannot be caught.
        raise _bad_mac("picc_data must carry the UID and the tap counter")
    expected_mac = sdm_mac(file_read_key, picc.uid, picc.read_counter)
    if not hmac.compare_digest(expected_mac, received_mac):
        raise _bad_mac("cmac does not match")
    return SunTap(uid=picc.uid, counter=picc.read_counter)


def verify_tag_sun(url_or_query: str, *, master_key: bytes, tag_uid: bytes) -> SunTap:
    """Check a tapped URL against the tag the URL names, whose chip UID we recorded.

    The backend's one call: derive that tag's keys from the master key, verify, and
    insist the chip inside is the recorded one.
    """
    keys = tag_keys(master_key, tag_uid)
    tap = verify_sun_url(url_or_query, meta_read_key=keys.meta_read_key, file_read_key=keys.file_read_key)
    if not hmac.compare_digest(tap.uid, tag_uid):
        raise _bad_mac("the chip's UID is not the one recorded for this tag")
    return tap


def check_counter_increases(counter: int, last_seen: int | None) -> None:
    """A genuine tap carries a counter above every earlier one; an equal or lower one is
    a URL seen before (or, with late offline uploads, a tap overtaken by a newer one)."""
    if last_seen is not None and counter <= last_seen:
        raise DomainError(
            "sun_replayed",
            _("This tag URL was used before: its tap counter did not increase."),
            fields={"tag": [f"counter {counter} is not above the last seen {last_seen}"]},
        )
