"""The truck scale: every indicator format, then real serial reads through a pty."""

import threading
import time

import pytest

from collector_app.reader.scale import (
    Reading,
    Scale,
    ScaleFormatError,
    ScaleTimeout,
    ScaleUnavailable,
    Status,
    parse_and,
    parse_cas,
    parse_mt_sics,
)
from tests.collector_app.indicator import Indicator

# -- parsing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "status", "grams"),
    [
        ("ST,GS,+  12.34kg", Status.STABLE, 12_340),
        ("US,GS,+  12.30kg", Status.UNSTABLE, 12_300),
        ("ST,NT,+   0.50kg", Status.STABLE, 500),
        ("ST,GS,-   1.20kg", Status.STABLE, -1_200),
        ("ST,GS,+ 12345 g", Status.STABLE, 12_345),
        ("ST,GS,+0012.345kg", Status.STABLE, 12_345),
        ("ST,GS,1\ufffd,+  12.34 kg", Status.STABLE, 12_340),  # 22-byte frame: device id + lamp-status byte
        ("ST,GS,+0012.34 t", Status.STABLE, 12_340_000),
        ("OL,GS,+  OL   kg", Status.OVERLOAD, None),
        ("  ST,GS,+  99.99kg  ", Status.STABLE, 99_990),
    ],
)
def test_cas_lines(line, status, grams):
    assert parse_cas(line) == Reading(status, grams, line)


@pytest.mark.parametrize(
    ("line", "status", "grams"),
    [
        ("ST,+00012.34  kg", Status.STABLE, 12_340),
        ("ST,+00012.34 kg", Status.STABLE, 12_340),
        ("US,+00012.38 kg", Status.UNSTABLE, 12_380),
        ("ST,-00000.20 kg", Status.STABLE, -200),
        ("ST,+0012340  g", Status.STABLE, 12_340),
        ("OL,+9999999 kg", Status.OVERLOAD, None),
        ("OL,-9999999 kg", Status.OVERLOAD, None),
        ("ST,NT,+0012.34kg", Status.STABLE, 12_340),  # indicators (AD-4329) add gross/net
        ("US,GS,+0012.30kg", Status.UNSTABLE, 12_300),
        ("OL,GS,+    .  kg", Status.OVERLOAD, None),  # out of range: digits blanked
    ],
)
def test_and_lines(line, status, grams):
    assert parse_and(line) == Reading(status, grams, line)


@pytest.mark.parametrize(
    ("line", "status", "grams"),
    [
        ("S S      12.34 kg", Status.STABLE, 12_340),
        ("S D      12.36 kg", Status.UNSTABLE, 12_360),
        ("S S     -0.12 kg", Status.STABLE, -120),
        ("S S    12340 g", Status.STABLE, 12_340),
        ("S S       1.5 t", Status.STABLE, 1_500_000),
        ("S +", Status.OVERLOAD, None),
        ("S -", Status.UNDERLOAD, None),
    ],
)
def test_mt_sics_lines(line, status, grams):
    assert parse_mt_sics(line) == Reading(status, grams, line)


@pytest.mark.parametrize(
    ("parse", "line"),
    [
        (parse_cas, ""),
        (parse_cas, "\x00\xff garbage"),
        (parse_cas, "ST,GS,+  12.34lb"),  # pounds: not a unit we bill in
        (parse_cas, "ST,GS,+  12.34"),  # no unit at all
        (parse_cas, "ST,GS,+ 12.3.4kg"),
        (parse_cas, "XX,GS,+  12.34kg"),
        (parse_cas, "S S      12.34 kg"),  # right scale, wrong protocol configured
        (parse_and, "QT,+0000123 PC"),  # counting mode: pieces, not weight
        (parse_and, "ST,+000.12.34 kg"),
        (parse_and, "ST,XX,+0012.34kg"),
        (parse_mt_sics, "S I"),  # busy
        (parse_mt_sics, "ES"),  # syntax error reply
        (parse_mt_sics, "EL"),
        (parse_mt_sics, "S S"),
        (parse_mt_sics, "S S      12.34 lb"),
        (parse_mt_sics, "ST,+00012.34 kg"),
    ],
)
def test_garbage_lines_are_not_readings(parse, line):
    with pytest.raises(ScaleFormatError):
        parse(line)


def test_weights_are_exact_grams_not_floats():
    # 0.1 + 0.2 in float is 0.30000000000000004; these must be exact.
    assert parse_cas("ST,GS,+   0.30kg").grams == 300
    assert parse_mt_sics("S S   1234.567 kg").grams == 1_234_567
    assert parse_and("ST,+00000.001 kg").grams == 1


# -- through a real serial port (a pty) ---------------------------------------

CAS_MOVING = ["US,GS,+  10.02kg", "US,GS,+  12.96kg", "US,GS,+  12.10kg", "US,GS,+  12.38kg"]


@pytest.fixture
def indicator():
    with Indicator() as indicator:
        yield indicator


def test_waits_through_moving_readings_for_a_stable_weight(indicator):
    indicator.play([*CAS_MOVING * 3, "ST,GS,+  12.34kg"])
    with Scale(indicator.port, protocol="cas", scale_id="TRUCK-7") as scale:
        weighing = scale.read_stable_weight(timeout_s=5, stable_readings=3)
    assert weighing.grams == 12_340
    assert weighing.scale_id == "TRUCK-7"
    assert weighing.line.startswith("ST,GS")


def test_requires_equal_consecutive_stable_readings(indicator):
    # An indicator can flag "stable" while the bin still settles by a division or two.
    flicker = ["ST,GS,+  12.34kg", "ST,GS,+  12.36kg"] * 4
    indicator.play([*flicker, "ST,GS,+  12.36kg"])
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        weighing = scale.read_stable_weight(timeout_s=5, stable_readings=4)
    assert weighing.grams == 12_360


def test_ignores_readings_buffered_before_the_bin_was_lifted(indicator):
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        # The previous bin's stable weight sits in the serial buffer…
        indicator.write_now(b"ST,GS,+   5.00kg\r\n" * 10)
        time.sleep(0.1)
        indicator.play([*CAS_MOVING * 5, "ST,GS,+  12.34kg"])
        weighing = scale.read_stable_weight(timeout_s=5, stable_readings=2)
    assert weighing.grams == 12_340  # …and is not mistaken for this bin's


def test_an_empty_lift_is_not_a_weighing(indicator):
    indicator.play(["ST,GS,+   0.00kg"] * 20 + ["ST,GS,-   0.02kg"] * 10 + [*CAS_MOVING, "ST,GS,+  31.50kg"])
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        weighing = scale.read_stable_weight(timeout_s=5, stable_readings=2)
    assert weighing.grams == 31_500


def test_garbage_between_readings_is_skipped(indicator):
    indicator.play(["\x15\x02ST,G", "#@!", "US,GS,+  12.30kg", "", "ST,GS,+  12.34kg"])
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        assert scale.read_stable_weight(timeout_s=5, stable_readings=2).grams == 12_340


def test_cas_22_byte_frame_with_a_binary_lamp_byte(indicator):
    indicator.play(["US,GS,1\xa0,+  12.30 kg", "ST,GS,1\xe0,+  12.34 kg"])  # bit 6 of the lamp byte: stable
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        assert scale.read_stable_weight(timeout_s=5, stable_readings=2).grams == 12_340


def test_and_indicator_over_a_pty(indicator):
    indicator.play(["US,+00012.30 kg", "US,+00012.31 kg", "ST,+00012.34 kg"])
    with Scale(indicator.port, protocol="and", scale_id="AND-1", baudrate=2400) as scale:
        assert scale.read_stable_weight(timeout_s=5, stable_readings=3).grams == 12_340


def test_mt_sics_is_asked_to_stream_and_read(indicator):
    indicator.play(["S D      12.30 kg", "S D      12.33 kg", "S S      12.34 kg"])
    with Scale(indicator.port, protocol="mt-sics", scale_id="MT-1") as scale:
        assert scale.read_stable_weight(timeout_s=5, stable_readings=2).grams == 12_340
    assert b"SIR\r\n" in indicator.received  # "send weight, repeat": the stream was switched on


def test_lines_ending_in_cr_only(indicator):
    indicator.line_end = b"\r"
    indicator.play(["US,GS,+  12.30kg", "ST,GS,+  12.34kg"])
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        assert scale.read_stable_weight(timeout_s=5, stable_readings=2).grams == 12_340


def test_overload_times_out_and_says_so(indicator):
    indicator.play(["US,GS,+ 180.00kg", "OL,GS,+  OL   kg"])
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale, pytest.raises(ScaleTimeout) as raised:
        scale.read_stable_weight(timeout_s=0.5)
    assert "과부하" in str(raised.value)
    assert "overload" in str(raised.value)


def test_a_swinging_bin_times_out_as_not_settled(indicator):
    indicator.play(CAS_MOVING * 100)
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale, pytest.raises(ScaleTimeout) as raised:
        scale.read_stable_weight(timeout_s=0.5)
    assert "안정되지" in str(raised.value)


def test_wrong_protocol_configured_times_out_naming_the_data(indicator):
    indicator.play(["S S      12.34 kg"])
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale, pytest.raises(ScaleTimeout) as raised:
        scale.read_stable_weight(timeout_s=0.5)
    assert "S S      12.34 kg" in str(raised.value)


def test_a_silent_scale_times_out_pointing_at_the_cable(indicator):
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale, pytest.raises(ScaleTimeout) as raised:
        scale.read_stable_weight(timeout_s=0.3)
    assert "케이블" in str(raised.value)


def test_the_crew_can_cancel_a_weighing(indicator):
    indicator.play(CAS_MOVING * 100)
    cancelled = threading.Event()
    threading.Timer(0.2, cancelled.set).start()
    with Scale(indicator.port, protocol="cas", scale_id="S1") as scale:
        started = time.monotonic()
        assert scale.read_stable_weight(timeout_s=10, cancel=cancelled.is_set) is None
    assert time.monotonic() - started < 2


def test_a_missing_port_is_reported_clearly():
    with pytest.raises(ScaleUnavailable) as raised:
        Scale("/dev/ttyDOESNOTEXIST0", protocol="cas", scale_id="S1").open()
    assert "/dev/ttyDOESNOTEXIST0" in str(raised.value)


def test_an_unplugged_cable_is_reported_and_the_port_reopened_later():
    indicator = Indicator().__enter__()
    scale = Scale(indicator.port, protocol="cas", scale_id="S1")
    scale.open()
    indicator.unplug()
    with pytest.raises(ScaleUnavailable) as raised:
        scale.read_stable_weight(timeout_s=2)
    assert "끊겼습니다" in str(raised.value)
    # The next attempt tries to open the port again (it is gone, so that fails clearly too).
    with pytest.raises(ScaleUnavailable):
        scale.read_stable_weight(timeout_s=1)
