"""The USB (or serial, or simulated UDP) NFC reader. The only module that imports nfcpy.

A bin's tag holds one NDEF URI record, `{PUBLIC_BASE_URL}/t/{code}`. We hand the
server that URL and the chip UID we saw; the server decides which bin it is.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

try:
    import ndef
    import nfc
    import nfc.clf.device
    import nfc.clf.transport
    import nfc.tag

    _IMPORT_PROBLEM: Exception | None = None
except (ImportError, OSError) as error:  # nfcpy imports libusb1 at import time
    _IMPORT_PROBLEM = error

log = logging.getLogger(__name__)

# NTAG21x and NTAG 424 DNA both answer at 106 kbps type A; polling only that keeps
# each sense cycle short (no FeliCa/type B rounds) so a tap is picked up quickly.
_TARGETS = ("106A",)


class NfcError(Exception):
    """Something the crew must see: Korean first, English second."""


class NfcUnavailable(NfcError):
    """No usable reader: not plugged in, no permission, busy, or libusb missing."""


class TagUnreadable(NfcError):
    """A tag was found but gave no bin URL: moved away too soon, blank, or not ours."""


@dataclass(frozen=True, slots=True)
class TagRead:
    url: str
    uid: str  # chip UID in upper-case hex, e.g. 04A1B2C3D4E5F6


_UDEV_HINT = (
    "udev 규칙을 설치하고 리더를 다시 꽂으세요 (docs/hardware.md). "
    "Install the udev rule for the reader and replug it (docs/hardware.md)."
)


def _usb_problem(path: str) -> str:
    """Why `usb[...]` found no reader, as precisely as we can tell."""
    try:
        candidates = nfc.clf.transport.USB.find(path) or []
    except OSError as error:
        return _libusb_problem(error)
    supported = [c for c in candidates if (c[0], c[1]) in nfc.clf.device.usb_device_map]
    if not supported:
        return (
            f"NFC 리더가 연결되어 있지 않습니다({path}). USB 케이블을 확인하세요. "
            f"No supported NFC reader on {path}: check the USB cable (`lsusb`)."
        )
    vid, pid, bus, dev = supported[0]
    node = f"/dev/bus/usb/{bus:03d}/{dev:03d}"
    if not os.access(node, os.R_OK | os.W_OK):
        return (
            f"NFC 리더({vid:04x}:{pid:04x}) 접근 권한이 없습니다. No permission for the reader at {node}. {_UDEV_HINT}"
        )
    return (
        f"NFC 리더({vid:04x}:{pid:04x})를 다른 프로그램이나 커널 드라이버(pn533_usb)가 사용 중입니다. "
        f"The reader at {node} is busy: another program, or the kernel's pn533_usb driver "
        "(blacklist it: docs/hardware.md)."
    )


def _libusb_problem(error: OSError) -> str:
    return (
        "libusb-1.0 라이브러리가 없습니다: sudo apt install libusb-1.0-0. "
        f"libusb-1.0 is missing: install the system package libusb-1.0-0. ({error})"
    )


def _open_problem(path: str, error: OSError) -> str:
    if error.errno == errno.EACCES:
        return f"NFC 리더 접근 권한이 없습니다. No permission for the reader {path}. {_UDEV_HINT}"
    if error.errno == errno.EBUSY:
        return f"NFC 리더를 다른 프로그램이 사용 중입니다. The reader {path} is in use by another program."
    if "libusb" in str(error):
        return _libusb_problem(error)
    return f"NFC 리더 {path}를 열 수 없습니다. Cannot open the reader {path}: {error}"


def _uri_of(message: list) -> str | None:
    for record in message:
        if isinstance(record, ndef.UriRecord):
            return record.iri
        if isinstance(record, ndef.SmartposterRecord) and record.resource is not None:
            return record.resource.iri
    return None


class NfcReader:
    """One contactless reader. `device`: usb, usb:054c:06c1, tty:USB0[:driver], udp[:host[:port]]."""

    def __init__(self, device: str = "usb"):
        self.device = device
        self._clf = None

    def open(self) -> None:
        if _IMPORT_PROBLEM is not None:
            raise NfcUnavailable(_libusb_problem(_IMPORT_PROBLEM))
        clf = nfc.ContactlessFrontend()
        try:
            found = clf.open(self.device)
        except OSError as error:
            raise NfcUnavailable(_open_problem(self.device, error)) from error
        if not found:
            if self.device.startswith("usb"):
                raise NfcUnavailable(_usb_problem(self.device))
            raise NfcUnavailable(
                f"NFC 리더를 찾을 수 없습니다({self.device}). No NFC reader answered on {self.device}."
            )
        self._clf = clf

    def close(self) -> None:
        if self._clf is not None:
            self._clf.close()
            self._clf = None

    def __enter__(self) -> NfcReader:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def wait_for_tag(
        self, *, timeout_s: float | None = None, cancel: Callable[[], bool] = lambda: False
    ) -> TagRead | None:
        """Block until a tag is read, `cancel()` is true, or `timeout_s` passes (→ None).

        Raises TagUnreadable for a tag without a URL record (the crew can tap again or
        type the manual code) and NfcUnavailable if the reader stops answering.
        """
        if self._clf is None:
            self.open()  # first use, or reopening after the reader was unplugged
        deadline = None if timeout_s is None else time.monotonic() + timeout_s

        def terminate() -> bool:
            return cancel() or (deadline is not None and time.monotonic() > deadline)

        options = {
            "targets": _TARGETS,
            "on-connect": lambda tag: False,  # return the tag to us at once; we read it below
            "iterations": 2,
            "interval": 0.1,
            "beep-on-connect": False,  # the crew's signal comes after the scan is saved
        }
        try:
            tag = self._clf.connect(rdwr=options, terminate=terminate)
        except OSError as error:
            self.close()
            raise NfcUnavailable(_open_problem(self.device, error)) from error
        if tag is None:
            return None
        if tag is False:
            # nfcpy turns I/O errors (and Ctrl-C, which we handle ourselves) into False.
            self.close()
            raise NfcUnavailable(f"NFC 리더 응답이 없습니다. The reader {self.device} stopped answering.")
        try:
            return self._read(tag)
        finally:
            self._release()

    def _read(self, tag: nfc.tag.Tag) -> TagRead:
        uid = bytes(tag.identifier).hex().upper()
        try:
            content = tag.ndef  # reads the tag; None if it left mid-read or holds no NDEF
            records = list(content.records) if content is not None else None
        except (nfc.tag.TagCommandError, nfc.clf.CommunicationError, ndef.DecodeError) as error:
            log.info("tag %s unreadable: %r", uid, error)
            records = None
        if records is None:
            raise TagUnreadable(
                "태그를 읽지 못했습니다. 다시 대 주세요(계속 안 되면 수동 코드). "
                "The tag could not be read: tap again, or type the manual code."
            )
        url = _uri_of(records)
        if url is None:
            raise TagUnreadable(
                "이 태그에 수거 주소(URL)가 없습니다. 수동 코드를 입력하세요. "
                "This tag holds no bin URL: type the manual code."
            )
        return TagRead(url=url, uid=uid)

    def _release(self) -> None:
        # Switch the field off so the next wait starts from a fresh selection.
        try:
            self._clf.device.mute()
        except (OSError, AttributeError, NotImplementedError) as error:
            log.debug("mute failed: %r", error)
