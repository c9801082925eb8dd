"""`write-nfc` and `verify` through nfcpy's own reader code, its `udp` driver talking to an emulated NTAG."""

from pathlib import Path

import pytest

from tag_tools.cli import main
from tests.tag_tools.fake_backend import MANUAL_CODES, PUBLIC_BASE_URL, TOKEN, FakeBackend, tag_json
from tests.tag_tools.ntag_emulator import NtagEmulator

URL = f"{PUBLIC_BASE_URL}/t/abcdefghijklmnop"
OTHER_URL = f"{PUBLIC_BASE_URL}/t/zzzzzzzzzzzzzzzz"
# A 170-byte NDEF message: more than an NTAG213 holds (137 bytes beside its lock control TLV), well within an NTAG215.
LONG_URL = f"{PUBLIC_BASE_URL}/t/abcdefghijklmnop?" + "x" * 126
UID = "04A1B2C3D4E5F6"

pytestmark = pytest.mark.timeout(30)


def write(device: str, *options: str) -> int:
    return main(["write-nfc", "--device", device, "--timeout", "5", *options])


def verify(device: str, *options: str) -> int:
    return main(["verify", "--device", device, "--timeout", "5", *options])


def test_write_then_read_back(capsys: pytest.CaptureFixture) -> None:
    with NtagEmulator("NTAG213") as tag:
        assert write(tag.device, "--url", URL) == 0
        written = capsys.readouterr().out
        assert verify(tag.device) == 0

    assert f"URL: {URL}" in written and UID in written and "NTAG213" in written
    read = capsys.readouterr().out
    assert f"URL: {URL}" in read and "code: abcdefghijklmnop" in read and "locked: 아니오 no" in read


def test_a_locked_tag_refuses_other_content_but_keeps_its_own(capsys: pytest.CaptureFixture) -> None:
    with NtagEmulator("NTAG213") as tag:
        assert write(tag.device, "--url", URL, "--lock") == 0
        assert "locked: 예 yes" in capsys.readouterr().out

        assert write(tag.device, "--url", OTHER_URL) == 6
        refusal = capsys.readouterr().err

        assert write(tag.device, "--url", URL, "--lock") == 0  # a rerun over the same tag is fine
        assert verify(tag.device) == 0

    assert "[tag_locked]" in refusal and URL in refusal
    assert f"URL: {URL}" in capsys.readouterr().out


def test_lock_bits_really_stop_writes() -> None:
    # The refusal above reads the capability container; the chip itself must also NAK writes once locked.
    with NtagEmulator("NTAG213") as tag:
        assert write(tag.device, "--url", URL, "--lock") == 0
        user_memory = bytes(tag.memory[16:160])

        assert tag.answer(bytes([0xA2, 4, 1, 2, 3, 4])) == b"\x00"
        assert tag.answer(bytes([0xA2, 39, 1, 2, 3, 4])) == b"\x00"
        assert bytes(tag.memory[16:160]) == user_memory


def test_a_url_too_long_for_ntag213_fits_ntag215(capsys: pytest.CaptureFixture) -> None:
    with NtagEmulator("NTAG213") as small:
        assert write(small.device, "--url", LONG_URL) == 6
    refusal = capsys.readouterr().err

    with NtagEmulator("NTAG215") as large:
        assert write(large.device, "--url", LONG_URL) == 0
        assert verify(large.device) == 0

    [error_line] = [line for line in refusal.splitlines() if line.startswith("오류")]
    assert "[tag_too_small]" in error_line and "170 > 137" in error_line
    assert f"URL: {LONG_URL}" in capsys.readouterr().out


def test_another_type_2_tag_is_refused(capsys: pytest.CaptureFixture) -> None:
    with NtagEmulator("MF0UL11") as tag:
        assert write(tag.device, "--url", URL) == 6

    error = capsys.readouterr().err
    assert "[wrong_tag_type]" in error and "MF0UL11" in error


def test_no_tag_on_the_reader(capsys: pytest.CaptureFixture) -> None:
    with NtagEmulator("NTAG213", present=False) as empty:
        assert main(["write-nfc", "--device", empty.device, "--timeout", "1.5", "--url", URL]) == 7

    assert "[no_tag]" in capsys.readouterr().err


def test_no_reader(capsys: pytest.CaptureFixture) -> None:
    assert write("tty:S99:pn532", "--url", URL) == 5

    assert "[reader_not_found]" in capsys.readouterr().err


def test_write_by_code_and_report_the_uid(backend: FakeBackend, capsys: pytest.CaptureFixture) -> None:
    backend.tags["abcdefghijklmnop"] = tag_json("abcdefghijklmnop", MANUAL_CODES[0])
    api = ["--api", backend.base_url, "--token", TOKEN]

    with NtagEmulator("NTAG216") as tag:
        assert write(tag.device, "--code", "abcdefghijklmnop", "--lock", "--report", *api) == 0
        assert verify(tag.device, *api) == 0

    assert backend.reported_uids == [("abcdefghijklmnop", UID)]
    output = capsys.readouterr().out
    assert f"URL: {URL}" in output and "verified" in output


def test_a_revoked_tag_is_not_written(backend: FakeBackend, capsys: pytest.CaptureFixture) -> None:
    backend.tags["abcdefghijklmnop"] = tag_json("abcdefghijklmnop", MANUAL_CODES[0], status="revoked")

    with NtagEmulator("NTAG213") as tag:
        assert write(tag.device, "--url", URL, "--api", backend.base_url, "--token", TOKEN) == 4
        assert tag.memory[16:24] == bytes.fromhex("0103A00C340300FE")  # as shipped

    assert "[tag_not_active]" in capsys.readouterr().err


def test_verify_spots_a_chip_that_is_not_the_recorded_one(backend: FakeBackend, capsys: pytest.CaptureFixture) -> None:
    backend.tags["abcdefghijklmnop"] = tag_json("abcdefghijklmnop", MANUAL_CODES[0], nfc_uid="04FFFFFFFFFFFF")

    with NtagEmulator("NTAG213") as tag:
        assert write(tag.device, "--url", URL) == 0
        assert verify(tag.device, "--api", backend.base_url, "--token", TOKEN) == 6

    assert "[uid_mismatch]" in capsys.readouterr().err


def test_verify_an_unknown_tag(backend: FakeBackend, capsys: pytest.CaptureFixture) -> None:
    with NtagEmulator("NTAG213") as tag:
        assert write(tag.device, "--url", URL) == 0
        assert verify(tag.device, "--api", backend.base_url, "--token", TOKEN) == 4

    assert "[not_found]" in capsys.readouterr().err


def test_verify_a_qr_image(backend: FakeBackend, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    backend.tags["abcdefghijklmnop"] = tag_json("abcdefghijklmnop", MANUAL_CODES[0])
    image = tmp_path / "tag.png"
    assert main(["qr", URL, "--out", str(image)]) == 0

    assert main(["verify", "--image", str(image), "--api", backend.base_url, "--token", TOKEN]) == 0

    output = capsys.readouterr().out
    assert f"URL: {URL}" in output and "code: abcdefghijklmnop" in output and "verified" in output


def test_verify_an_image_without_a_qr_code(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)

    assert main(["verify", "--image", str(blank)]) == 7
    assert "[no_qr_code]" in capsys.readouterr().err
