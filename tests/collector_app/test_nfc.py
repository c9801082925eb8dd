"""The NFC reader through nfcpy's own code paths: its `udp` driver talking to an emulated NTAG21x."""

import threading
import time

import ndef
import pytest

from collector_app.reader.nfc import NfcReader, NfcUnavailable, TagUnreadable
from tests.tag_tools.ntag_emulator import NtagEmulator

URL = "https://waste.example.go.kr/t/abcdefghijklmnop"


def load_ndef(emulator: NtagEmulator, records: list) -> None:
    """Write an NDEF message TLV into the chip's user memory (page 4 on), as a tag writer would."""
    message = b"".join(ndef.message_encoder(records))
    assert len(message) < 255
    tlv = bytes([0x03, len(message)]) + message + b"\xfe"
    emulator.memory[16 : 16 + len(tlv)] = tlv


@pytest.mark.parametrize("chip", ["NTAG213", "NTAG215", "NTAG216"])
def test_reads_the_bin_url_and_the_chip_uid(chip):
    with NtagEmulator(chip, uid=bytes.fromhex("04112233445566")) as emulator:
        load_ndef(emulator, [ndef.UriRecord(URL)])
        with NfcReader(emulator.device) as reader:
            read = reader.wait_for_tag(timeout_s=5)
    assert read.url == URL
    assert read.uid == "04112233445566"


def test_a_long_sun_style_url_spanning_many_pages():
    url = URL + "?picc_data=EF963FF7828658A599F3041510E5D6C3&cmac=94EED9EE65337086"
    with NtagEmulator("NTAG215") as emulator:
        load_ndef(emulator, [ndef.UriRecord(url)])
        with NfcReader(emulator.device) as reader:
            assert reader.wait_for_tag(timeout_s=5).url == url


def test_a_smart_poster_record_gives_its_url():
    with NtagEmulator("NTAG213") as emulator:
        load_ndef(emulator, [ndef.SmartposterRecord(URL, title="음식물 용기")])
        with NfcReader(emulator.device) as reader:
            assert reader.wait_for_tag(timeout_s=5).url == URL


def test_the_same_tag_is_read_again_on_the_next_tap():
    with NtagEmulator("NTAG213") as emulator:
        load_ndef(emulator, [ndef.UriRecord(URL)])
        with NfcReader(emulator.device) as reader:
            first = reader.wait_for_tag(timeout_s=5)
            second = reader.wait_for_tag(timeout_s=5)
    assert first == second


def test_a_blank_tag_asks_for_the_manual_code():
    with (
        NtagEmulator("NTAG213") as emulator,
        NfcReader(emulator.device) as reader,
        pytest.raises(TagUnreadable) as raised,
    ):
        reader.wait_for_tag(timeout_s=5)
    assert "수동 코드" in str(raised.value)


def test_a_tag_with_text_but_no_url_is_not_a_bin_tag():
    with NtagEmulator("NTAG213") as emulator:
        load_ndef(emulator, [ndef.TextRecord("hello")])
        with NfcReader(emulator.device) as reader, pytest.raises(TagUnreadable):
            reader.wait_for_tag(timeout_s=5)


def test_no_tag_in_the_field_times_out_with_nothing():
    with NtagEmulator("NTAG213", present=False) as emulator, NfcReader(emulator.device) as reader:
        started = time.monotonic()
        assert reader.wait_for_tag(timeout_s=0.5) is None
        assert time.monotonic() - started < 3


def test_waiting_can_be_cancelled_when_the_crew_types():
    typed = threading.Event()
    threading.Timer(0.3, typed.set).start()
    with NtagEmulator("NTAG213", present=False) as emulator, NfcReader(emulator.device) as reader:
        started = time.monotonic()
        assert reader.wait_for_tag(timeout_s=30, cancel=typed.is_set) is None
        assert time.monotonic() - started < 3


def test_a_tag_arriving_while_waiting_is_read():
    with NtagEmulator("NTAG213", present=False) as emulator:
        load_ndef(emulator, [ndef.UriRecord(URL)])
        threading.Timer(0.3, lambda: setattr(emulator, "present", True)).start()
        with NfcReader(emulator.device) as reader:
            assert reader.wait_for_tag(timeout_s=5).url == URL


def test_no_usb_reader_is_explained():
    # No device has this vendor:product id, so the search finds nothing on any machine.
    with pytest.raises(NfcUnavailable) as raised:
        NfcReader("usb:ffff:fffe").open()
    assert "NFC 리더가 연결되어 있지 않습니다" in str(raised.value)
    assert "usb:ffff:fffe" in str(raised.value)
