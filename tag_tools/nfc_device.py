"""The NFC reader, through nfcpy: the only module that imports it.

Device strings are nfcpy's: `usb`, `usb:054c:06c3` (vendor:product), `usb:001:023` (bus:device), `tty:USB0:pn532`,
`udp:host:port` (nfcpy's simulated reader over UDP, which the tests use with an NTAG emulator).
"""

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import ndef
import nfc
import nfc.clf
import nfc.clf.device
import nfc.clf.transport
import nfc.tag
import nfc.tag.tt2_nxp

from tag_tools.errors import ExitStatus, ToolError

# The cheap NFC Forum Type 2 chips phones open without an app; bins are tagged with these only.
SUPPORTED_CHIPS = (nfc.tag.tt2_nxp.NTAG213, nfc.tag.tt2_nxp.NTAG215, nfc.tag.tt2_nxp.NTAG216)
NTAG_TECHNOLOGY = ["106A"]  # NFC-A at 106 kbps: the only way an NTAG21x answers
ANY_TECHNOLOGY = ["106A", "106B", "212F"]


@dataclass(frozen=True)
class TagReading:
    uid: str  # hex, upper case, as the backend records it
    chip: str
    url: str | None  # the first URI record, if any
    capacity: int  # bytes of NDEF message the chip can hold
    locked: bool


@contextmanager
def reader(device: str) -> Iterator[nfc.ContactlessFrontend]:
    clf = nfc.ContactlessFrontend()
    try:
        found = clf.open(device)
    except OSError as error:
        raise _open_failure(device, error) from error
    except ValueError as error:  # nfcpy parses udp:HOST:PORT and friends with int()
        raise ToolError(
            "bad_device", f"리더 주소가 잘못되었습니다: {device} ({error}). Unusable --device value.", ExitStatus.READER
        ) from error
    if not found:
        raise _not_found(device)
    try:
        yield clf
    finally:
        clf.close()


def read_tag(clf: nfc.ContactlessFrontend, *, timeout: float) -> TagReading:
    tag = _wait_for_tag(clf, timeout, ANY_TECHNOLOGY)
    with _tag_held_still():
        return _reading(tag)


def write_url(clf: nfc.ContactlessFrontend, url: str, *, lock: bool, timeout: float) -> TagReading:
    """Write the URL as the tag's only NDEF record, read it back, and lock the tag if asked."""
    tag = _wait_for_tag(clf, timeout, NTAG_TECHNOLOGY)
    if not isinstance(tag, SUPPORTED_CHIPS):
        raise ToolError(
            "wrong_tag_type",
            f"NTAG213/215/216 태그가 아닙니다: {tag.product}. Not an NTAG213/215/216 (NFC Forum Type 2) tag.",
            ExitStatus.TAG_REFUSED,
        )
    message = b"".join(ndef.message_encoder([ndef.UriRecord(url)]))
    with _tag_held_still():
        area = tag.ndef
        if area is None:
            raise ToolError(
                "tag_not_ndef",
                f"NDEF 형식이 아닌 태그입니다 ({tag.product}). The tag has no NDEF capability container.",
                ExitStatus.TAG_REFUSED,
            )
        if not area.is_writeable:
            if _first_url(area) == url:
                return _reading(tag)  # written and locked by an earlier run
            raise ToolError(
                "tag_locked",
                f"잠긴 태그에 다른 내용이 있습니다: {_first_url(area) or area.octets.hex()}. "
                "The tag is locked with other content; use a new tag.",
                ExitStatus.TAG_REFUSED,
            )
        if len(message) > area.capacity:
            raise ToolError(
                "tag_too_small",
                f"태그 용량이 부족합니다: {len(message)} > {area.capacity} 바이트 ({tag.product}). "
                f"The URL needs {len(message)} bytes of NDEF; this tag holds {area.capacity}. Use NTAG215/216.",
                ExitStatus.TAG_REFUSED,
            )
        area.octets = message
        if area.has_changed:  # reads the tag again and compares with what was written
            raise ToolError(
                "write_not_verified",
                "기록한 내용을 다시 읽었더니 다릅니다. The tag read back differently; try again or use another tag.",
                ExitStatus.TAG_REFUSED,
            )
        if lock and not (tag.protect() and tag.ndef is not None and not tag.ndef.is_writeable):
            raise ToolError(
                "lock_failed", "태그를 잠그지 못했습니다. The tag could not be made read-only.", ExitStatus.TAG_REFUSED
            )
        return _reading(tag)


def _wait_for_tag(clf: nfc.ContactlessFrontend, timeout: float, technologies: list[str]) -> nfc.tag.Tag:
    deadline = time.monotonic() + timeout
    tag = clf.connect(
        rdwr={
            "targets": technologies,
            "on-connect": lambda tag: False,  # hand the tag back instead of waiting for it to leave
            "iterations": 1,
            "interval": 0.1,
            "beep-on-connect": False,
        },
        terminate=lambda: time.monotonic() > deadline,
    )
    if tag is None:
        raise ToolError(
            "no_tag", f"{timeout:g}초 안에 태그를 찾지 못했습니다. No tag within {timeout:g} s.", ExitStatus.NO_TAG
        )
    if tag is False:  # nfcpy swallowed an I/O error or Ctrl-C and gave up
        raise ToolError(
            "reader_lost",
            "리더가 멈췄습니다. The reader stopped (I/O error or interrupted); reconnect it and retry.",
            ExitStatus.READER,
        )
    return tag


@contextmanager
def _tag_held_still() -> Iterator[None]:
    try:
        yield
    except nfc.tag.TagCommandError as error:
        raise ToolError(
            "tag_lost",
            f"태그와의 통신이 끊겼습니다. Lost the tag mid-operation ({error}); hold it still on the reader and retry.",
            ExitStatus.TAG_REFUSED,
        ) from error


def _reading(tag: nfc.tag.Tag) -> TagReading:
    area = tag.ndef
    return TagReading(
        uid=tag.identifier.hex().upper(),
        chip=tag.product,
        url=_first_url(area) if area else None,
        capacity=area.capacity if area else 0,
        locked=bool(area) and not area.is_writeable,
    )


def _first_url(area: nfc.tag.Tag.NDEF) -> str | None:
    try:
        records = area.records
    except ndef.DecodeError:
        return None
    return next((record.iri for record in records if isinstance(record, ndef.UriRecord)), None)


def _open_failure(device: str, error: OSError) -> ToolError:
    if "libusb" in str(error):
        return ToolError(
            "libusb_missing",
            "USB 라이브러리(libusb-1.0)가 없습니다. The libusb-1.0 system library is missing: "
            "`sudo apt install libusb-1.0-0` (Debian/Ubuntu), `brew install libusb` (macOS).",
            ExitStatus.READER,
        )
    if error.errno == errno.EACCES:
        return ToolError(
            "reader_permission",
            f"리더 접근 권한이 없습니다 ({device}). No permission to open the reader: add a udev rule "
            "(`python -m nfc` prints one) or, for serial readers, join the dialout group.",
            ExitStatus.READER,
        )
    if error.errno == errno.EBUSY:
        return ToolError(
            "reader_busy",
            f"리더를 다른 프로그램이 쓰고 있습니다 ({device}). The reader is busy: close other NFC programs, or unload "
            "the kernel driver that claims it (`sudo modprobe -r pn533_usb port100`).",
            ExitStatus.READER,
        )
    return ToolError("reader_error", f"리더를 열 수 없습니다 ({device}): {error}", ExitStatus.READER)


def _not_found(device: str) -> ToolError:
    if device.startswith("usb"):
        try:
            connected = nfc.clf.transport.USB.find(device) or []
        except OSError as error:
            return _open_failure(device, error)
        for vendor, product, bus, address in connected:
            node = f"/dev/bus/usb/{bus:03d}/{address:03d}"
            if (vendor, product) in nfc.clf.device.usb_device_map and not os.access(node, os.R_OK | os.W_OK):
                return _open_failure(device, PermissionError(errno.EACCES, os.strerror(errno.EACCES), node))
        return ToolError(
            "reader_not_found",
            "USB NFC 리더를 찾을 수 없습니다. No supported USB reader found (e.g. ACR122U, Sony RC-S380); "
            "check the cable and `lsusb`. A reader found but held by a kernel driver also shows up this way: "
            "`sudo modprobe -r pn533_usb port100`.",
            ExitStatus.READER,
        )
    return ToolError(
        "reader_not_found",
        f"리더를 찾을 수 없습니다 ({device}). No reader at {device}; check the port and driver, e.g. tty:USB0:pn532.",
        ExitStatus.READER,
    )
