"""What an operator programs into an NTAG 424 DNA so that its taps verify on our backend.

Given the SUN master key, the chip's UID and the tag URL, `plan_sun_tag` works out
the tag's five keys (diversified from the master key, see backend/tags/sun.py), the
NDEF file to write (the URL with zeros where the chip mirrors picc_data and cmac)
and the SDM file settings (ChangeFileSettings of the NDEF file, with the offsets of
those two fields). Sending them to a tag needs a reader and NXP's TagXplorer or a
writer app; docs/sun.md walks through it. Nothing here talks to hardware.
"""

from dataclasses import dataclass
from typing import Any

import ndef

from backend.tags import sun

NDEF_FILE_NUMBER = 0x02
NDEF_FILE_SIZE = 256  # file 02 of an NTAG 424 DNA
ACCESS_FREE = 0xE
ACCESS_NEVER = 0xF

_FILE_OPTION_SDM_PLAIN = 0x40  # SDM and mirroring on, CommMode.Plain
# SDMOptions: UID mirrored (bit 7), SDMReadCtr mirrored (bit 6), ASCII encoding (bit 0).
_SDM_OPTIONS_UID_COUNTER_ASCII = 0x80 | 0x40 | 0x01
_NLEN_LENGTH = 2  # the NDEF file starts with the message length, big-endian
_PICC_DATA_HEX_LENGTH = 2 * sun.BLOCK_LENGTH
_CMAC_HEX_LENGTH = 2 * sun.MAC_LENGTH


@dataclass(frozen=True)
class SdmFileSettings:
    """The ChangeFileSettings parameters of the NDEF file, in the NT4H2421Gx data sheet's order."""

    picc_data_offset: int
    mac_input_offset: int
    mac_offset: int
    meta_read_key: int = sun.META_READ_KEY_NUMBER
    file_read_key: int = sun.FILE_READ_KEY_NUMBER
    counter_retrieval_key: int = sun.APP_MASTER_KEY_NUMBER
    # Anyone may read the URL; only the application master key may rewrite it.
    read_key: int = ACCESS_FREE
    write_key: int = sun.APP_MASTER_KEY_NUMBER
    read_write_key: int = sun.APP_MASTER_KEY_NUMBER
    change_key: int = sun.APP_MASTER_KEY_NUMBER
    file_option: int = _FILE_OPTION_SDM_PLAIN
    sdm_options: int = _SDM_OPTIONS_UID_COUNTER_ASCII

    @property
    def access_rights(self) -> bytes:
        return bytes([self.read_write_key << 4 | self.change_key, self.read_key << 4 | self.write_key])

    @property
    def sdm_access_rights(self) -> bytes:
        # The first nibble is reserved and must be F.
        return bytes([0xF0 | self.counter_retrieval_key, self.meta_read_key << 4 | self.file_read_key])

    def command_data(self) -> bytes:
        """CmdData of ChangeFileSettings (before secure messaging); offsets 3 bytes, LSB first."""
        offsets = (self.picc_data_offset, self.mac_input_offset, self.mac_offset)
        return (
            bytes([self.file_option])
            + self.access_rights
            + bytes([self.sdm_options])
            + self.sdm_access_rights
            + b"".join(offset.to_bytes(3, "little") for offset in offsets)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_number": NDEF_FILE_NUMBER,
            "file_option": f"{self.file_option:02X}",
            "access_rights": self.access_rights.hex().upper(),
            "sdm_options": f"{self.sdm_options:02X}",
            "sdm_access_rights": self.sdm_access_rights.hex().upper(),
            "sdm_meta_read_key": self.meta_read_key,
            "sdm_file_read_key": self.file_read_key,
            "sdm_counter_retrieval_key": self.counter_retrieval_key,
            "picc_data_offset": self.picc_data_offset,
            "sdm_mac_input_offset": self.mac_input_offset,
            "sdm_mac_offset": self.mac_offset,
            "command_data": self.command_data().hex().upper(),
        }


@dataclass(frozen=True)
class NdefLayout:
    """The NDEF file to write and where the chip mirrors its data into it."""

    url_template: str
    ndef_file: bytes
    settings: SdmFileSettings

    @property
    def written_url(self) -> str:
        """The URL as written, zeros standing where the chip writes picc_data and cmac."""
        return _written_url(self.url_template)


@dataclass(frozen=True)
class SunTagPlan:
    """Everything an operator programs into one tag. Holds secret keys: show, never store."""

    uid_hex: str
    keys_hex: dict[int, str]
    layout: NdefLayout

    def as_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid_hex,
            "keys": {str(number): key for number, key in self.keys_hex.items()},
            "key_roles": {
                str(sun.APP_MASTER_KEY_NUMBER): "application master key (change keys and settings)",
                str(sun.META_READ_KEY_NUMBER): "SDM meta-read key (encrypts picc_data)",
                str(sun.FILE_READ_KEY_NUMBER): "SDM file-read key (cmac)",
                "3": "unused",
                "4": "unused",
            },
            "url_template": self.layout.url_template,
            "ndef_url": self.layout.written_url,
            "ndef_file": self.layout.ndef_file.hex().upper(),
            "file_settings": self.layout.settings.as_dict(),
        }


def parse_uid(uid_hex: str) -> bytes:
    """A 7-byte chip UID typed or copied as hex, with or without ':' or spaces."""
    cleaned = "".join(uid_hex.replace(":", "").split())
    try:
        uid = bytes.fromhex(cleaned)
    except ValueError:
        uid = b""
    if len(uid) != sun.UID_LENGTH:
        raise ValueError("UID는 7바이트(16진수 14자리)여야 합니다. The UID must be 7 bytes (14 hex digits).")
    return uid


def _written_url(template: str) -> str:
    return template.replace(sun.PICC_DATA_PLACEHOLDER, "0" * _PICC_DATA_HEX_LENGTH).replace(
        sun.CMAC_PLACEHOLDER, "0" * _CMAC_HEX_LENGTH
    )


def _as_template(url: str) -> str:
    has_picc = sun.PICC_DATA_PLACEHOLDER in url
    has_cmac = sun.CMAC_PLACEHOLDER in url
    if not has_picc and not has_cmac:
        return sun.sun_url_template(url)
    if url.count(sun.PICC_DATA_PLACEHOLDER) != 1 or url.count(sun.CMAC_PLACEHOLDER) != 1:
        raise ValueError(
            f"URL 틀에는 {sun.PICC_DATA_PLACEHOLDER}와 {sun.CMAC_PLACEHOLDER}가 한 번씩 있어야 합니다. "
            f"The URL template must hold {sun.PICC_DATA_PLACEHOLDER} and {sun.CMAC_PLACEHOLDER} once each."
        )
    if url.index(sun.PICC_DATA_PLACEHOLDER) > url.index(sun.CMAC_PLACEHOLDER):
        raise ValueError(
            f"{sun.PICC_DATA_PLACEHOLDER}가 {sun.CMAC_PLACEHOLDER}보다 앞에 있어야 합니다. "
            f"{sun.PICC_DATA_PLACEHOLDER} must come before {sun.CMAC_PLACEHOLDER}."
        )
    return url


def ndef_layout(
    url_template: str,
    *,
    meta_read_key: int = sun.META_READ_KEY_NUMBER,
    file_read_key: int = sun.FILE_READ_KEY_NUMBER,
    counter_retrieval_key: int = sun.APP_MASTER_KEY_NUMBER,
) -> NdefLayout:
    """Encode the URL as the NDEF file and find the file offsets of picc_data and cmac.

    `url_template` holds {picc_data} and {cmac}; a plain tag URL gets them appended.
    The MAC input is empty (SDMMACInputOffset = SDMMACOffset), as in AN12196's example.
    """
    template = _as_template(url_template)
    if not template.isascii():
        raise ValueError("URL은 ASCII 문자만 쓸 수 있습니다. The URL must be ASCII.")
    layout_url = _written_url(template)
    message = b"".join(ndef.message_encoder([ndef.UriRecord(layout_url)]))
    ndef_file = len(message).to_bytes(_NLEN_LENGTH, "big") + message
    if len(ndef_file) > NDEF_FILE_SIZE:
        raise ValueError(
            f"URL이 너무 깁니다: NDEF 파일 {len(ndef_file)}바이트 > {NDEF_FILE_SIZE}. "
            f"The URL is too long: the NDEF file needs {len(ndef_file)} bytes of {NDEF_FILE_SIZE}."
        )
    # The record ends with the URL minus the scheme NDEF abbreviates to one byte, so a
    # character at index i of the URL sits at a fixed distance from the file's end.
    url_bytes = layout_url.encode("ascii")

    def file_offset(url_index: int) -> int:
        return len(ndef_file) - (len(url_bytes) - url_index)

    picc_index = template.index(sun.PICC_DATA_PLACEHOLDER)
    # The placeholders are shorter than what replaces them; shift the cmac index accordingly.
    cmac_index = template.index(sun.CMAC_PLACEHOLDER) - len(sun.PICC_DATA_PLACEHOLDER) + _PICC_DATA_HEX_LENGTH
    mac_offset = file_offset(cmac_index)
    picc_offset = file_offset(picc_index)
    zeros_in_place = (
        ndef_file[picc_offset : picc_offset + _PICC_DATA_HEX_LENGTH] == b"0" * _PICC_DATA_HEX_LENGTH
        and ndef_file[mac_offset : mac_offset + _CMAC_HEX_LENGTH] == b"0" * _CMAC_HEX_LENGTH
    )
    if not zeros_in_place:  # the NDEF encoder rewrote part of the URL: offsets would be wrong
        raise ValueError("URL을 NDEF로 그대로 옮길 수 없습니다. The URL does not encode to NDEF unchanged.")
    settings = SdmFileSettings(
        picc_data_offset=picc_offset,
        mac_input_offset=mac_offset,
        mac_offset=mac_offset,
        meta_read_key=meta_read_key,
        file_read_key=file_read_key,
        counter_retrieval_key=counter_retrieval_key,
    )
    return NdefLayout(url_template=template, ndef_file=ndef_file, settings=settings)


def plan_sun_tag(master_key_hex: str, uid_hex: str, url_template: str) -> SunTagPlan:
    """The keys (hex, by key number) and SDM settings for the tag with this UID."""
    master_key = sun.master_key_from_hex(master_key_hex)
    uid = parse_uid(uid_hex)
    keys = sun.tag_keys(master_key, uid)
    return SunTagPlan(
        uid_hex=uid.hex().upper(),
        keys_hex={number: key.hex().upper() for number, key in zip(sun.TAG_KEY_NUMBERS, keys.keys, strict=True)},
        layout=ndef_layout(url_template),
    )
