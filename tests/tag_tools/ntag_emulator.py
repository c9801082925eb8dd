"""An NXP NTAG21x chip at the far end of nfcpy's `udp` reader driver, so tests run nfcpy's real code paths.

nfcpy's udp driver (nfc/clf/udp.py) sends every frame as one datagram `<bitrate> <hex>`, e.g. `106A 26`, and reads
the answer the same way. This emulator answers NFC-A activation (SENS_REQ → SENS_RES, then SDD and SEL over two
cascade levels for the 7-byte UID) and the Type 2 Tag commands nfcpy uses: READ (0x30), WRITE (0xA2), GET_VERSION
(0x60, whose answer tells nfcpy which chip it is) and READ_SIG (0x3C). Anything else gets silence, as a real tag
goes mute on a command it does not know. Memory follows the NTAG213/215/216 datasheet: UID and static lock bytes
in pages 0-2, the one-time-programmable capability container in page 3, user memory, dynamic lock bytes, then the
configuration pages; lock bits can only be set, and a locked page refuses writes with a NAK.

Run it by hand to try the CLI without a reader:
    python tests/tag_tools/ntag_emulator.py NTAG213 --port 54321
    python -m tag_tools write-nfc --device udp:127.0.0.1:54321 --url https://example.kr/t/abcdefghijklmnop
"""

import argparse
import contextlib
import socket
import threading
from dataclasses import dataclass
from functools import reduce
from operator import xor
from unittest import mock

ACK, NAK = b"\x0a", b"\x00"

# The commands this emulator always answers. nfcpy gives a READ 5 ms: a chip answers in
# microseconds, but this thread may wait longer than that for a core on a loaded machine
# (the suite in two processes with PostgreSQL and Chromium beside it), and three missed
# answers read as a tag without NDEF. Their answers get half a second here; the commands
# it does not know keep nfcpy's own time, so silence costs what it costs with a real tag.
ANSWERED = {0x30, 0xA2, 0x60, 0x3C}
ANSWER_WAIT_S = 0.5


@dataclass(frozen=True)
class Chip:
    version: bytes  # GET_VERSION answer
    pages: int  # 4-byte pages in all
    capability_container: bytes
    factory_data: bytes  # the start of user memory as shipped
    pages_per_dynamic_lock_bit: int


CHIPS = {
    "NTAG213": Chip(
        bytes.fromhex("0004040201000F03"), 45, bytes.fromhex("E1101200"), bytes.fromhex("0103A00C340300FE"), 2
    ),
    "NTAG215": Chip(bytes.fromhex("0004040201001103"), 135, bytes.fromhex("E1103E00"), bytes.fromhex("0300FE00"), 16),
    "NTAG216": Chip(bytes.fromhex("0004040201001303"), 231, bytes.fromhex("E1106D00"), bytes.fromhex("0300FE00"), 16),
    # A Type 2 tag that is not an NTAG: MIFARE Ultralight EV1 (MF0UL11), 48 bytes of user memory.
    "MF0UL11": Chip(bytes.fromhex("0004030101000B03"), 20, bytes.fromhex("E1100600"), bytes.fromhex("0300FE00"), 16),
}


def _patient_reads() -> contextlib.AbstractContextManager:
    """nfcpy's udp driver waiting ANSWER_WAIT_S for the answers this emulator always gives."""
    from nfc.clf import udp

    exchange = udp.Device.send_cmd_recv_rsp

    def send_cmd_recv_rsp(device, target, data, timeout):
        if timeout and data and data[0] in ANSWERED:
            timeout = max(timeout, ANSWER_WAIT_S)
        return exchange(device, target, data, timeout)

    return mock.patch.object(udp.Device, "send_cmd_recv_rsp", send_cmd_recv_rsp)


class NtagEmulator:
    def __init__(
        self,
        chip: str = "NTAG213",
        uid: bytes = bytes.fromhex("04A1B2C3D4E5F6"),
        *,
        present: bool = True,
        port: int = 0,
    ):
        self.chip = CHIPS[chip]
        self.uid = uid
        self.present = present  # False: a reader with no tag on it, nothing ever answers
        self.socket = self._bound_socket(port)
        self.port = self.socket.getsockname()[1]
        self.memory = self._factory_memory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def device(self) -> str:
        return f"udp:127.0.0.1:{self.port}"

    def __enter__(self) -> "NtagEmulator":
        self._thread.start()
        self._patience = _patient_reads()
        self._patience.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._patience.__exit__(*exc_info)
        self._stop.set()
        self._thread.join()
        self.socket.close()

    @staticmethod
    def _bound_socket(port: int) -> socket.socket:
        # nfcpy's udp driver turns the port into a service name when /etc/services has one (9 → "discard") and then
        # fails on int(); keep drawing free ports until one has no name.
        while True:
            bound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            bound.bind(("127.0.0.1", port))
            bound.settimeout(0.05)
            try:
                socket.getservbyport(bound.getsockname()[1], "udp")
            except OSError:
                return bound
            if port:
                return bound  # asked for this port by hand: let nfcpy's error say why
            bound.close()

    def answer(self, frame: bytes) -> bytes | None:
        uid, command = self.uid, frame[:1]
        cascade_1 = b"\x88" + uid[:3] + bytes([reduce(xor, b"\x88" + uid[:3])])
        cascade_2 = uid[3:] + bytes([reduce(xor, uid[3:])])
        answers = {
            b"\x26": b"\x44\x00",  # SENS_REQ (REQA) → SENS_RES: NFC-A, double-size UID
            b"\x52": b"\x44\x00",  # ALL_REQ (WUPA)
            b"\x93\x20": cascade_1,
            b"\x95\x20": cascade_2,
            b"\x93\x70" + cascade_1: b"\x04",  # SEL_RES: UID not complete
            b"\x95\x70" + cascade_2: b"\x00",  # SEL_RES: complete, Type 2 Tag
            b"\x60": self.chip.version,
            b"\x3c\x00": bytes(32),
        }
        if frame in answers:
            return answers[frame]
        if command == b"\x30" and len(frame) == 2:
            return self._read(frame[1])
        if command == b"\xa2" and len(frame) == 6:
            return self._write(frame[1], frame[2:])
        return None

    def _factory_memory(self) -> bytearray:
        pages = self.chip.pages
        memory = bytearray(pages * 4)
        memory[0:4] = self.uid[:3] + bytes([reduce(xor, b"\x88" + self.uid[:3])])
        memory[4:8] = self.uid[3:]
        memory[8:12] = bytes([reduce(xor, self.uid[3:]), 0x48, 0x00, 0x00])
        memory[12:16] = self.chip.capability_container
        memory[16 : 16 + len(self.chip.factory_data)] = self.chip.factory_data
        memory[(pages - 5) * 4 : pages * 4] = bytes.fromhex("000000BD 040000FF 00050000 FFFFFFFF 00000000")
        return memory

    def _read(self, page: int) -> bytes:
        pages = self.chip.pages
        if page >= pages:
            return NAK
        # Four pages from `page`, rolling over to page 0; the password and its acknowledge always read as zeros.
        return b"".join(
            bytes(4) if (page + i) % pages >= pages - 2 else self._page((page + i) % pages) for i in range(4)
        )

    def _write(self, page: int, data: bytes) -> bytes:
        pages, start = self.chip.pages, page * 4
        if page < 2 or page >= pages or self._locked(page):
            return NAK
        if page == 2:  # only the two static lock bytes are writable, and their bits only set
            self.memory[start + 2] |= data[2]
            self.memory[start + 3] |= data[3]
        elif page == 3:  # capability container: one-time programmable
            self.memory[start : start + 4] = bytes(a | b for a, b in zip(self._page(3), data, strict=True))
        elif page == pages - 5:  # dynamic lock bytes
            for i in range(3):
                self.memory[start + i] |= data[i]
        else:
            self.memory[start : start + 4] = data
        return ACK

    def _locked(self, page: int) -> bool:
        pages = self.chip.pages
        static_locks = int.from_bytes(self.memory[10:12], "little")  # bit n locks page n, for pages 3-15
        if 3 <= page <= 15:
            return bool(static_locks >> page & 1)
        if 16 <= page < pages - 5:
            dynamic_locks = int.from_bytes(self.memory[(pages - 5) * 4 : (pages - 5) * 4 + 2], "little")
            return bool(dynamic_locks >> ((page - 16) // self.chip.pages_per_dynamic_lock_bit) & 1)
        if page in (pages - 4, pages - 3):
            return bool(self.memory[(pages - 3) * 4] & 0x40)  # CFGLCK in ACCESS freezes the configuration
        return False

    def _page(self, page: int) -> bytes:
        return bytes(self.memory[page * 4 : page * 4 + 4])

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                datagram, reader = self.socket.recvfrom(1024)
            except TimeoutError:
                continue
            parts = datagram.split()
            if not self.present or len(parts) != 2 or parts[0] != b"106A":
                continue  # RFOFF, other technologies, or an empty field
            answer = self.answer(bytes.fromhex(parts[1].decode()))
            if answer is not None:
                self.socket.sendto(b"106A " + answer.hex().encode(), reader)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Emulate an NTAG21x for nfcpy's udp reader driver.")
    parser.add_argument("chip", choices=sorted(CHIPS), nargs="?", default="NTAG213")
    parser.add_argument("--port", type=int, default=54321)
    arguments = parser.parse_args()
    with NtagEmulator(arguments.chip, port=arguments.port) as emulator:
        print(f"{arguments.chip} on {emulator.device}; Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
