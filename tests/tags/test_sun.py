"""SUN verification of NTAG 424 DNA taps, and the tag settings that make taps verify.

Reference vectors (values copied from the notes; the code under test is our own):
* NXP AN12196 "NTAG 424 DNA and NTAG 424 DNA TagTamper features and hints":
  §3.3 SDM session keys, §3.4 PICCData decryption and SDMMAC, §5 (personalization
  example) NDEF file and ChangeFileSettings CmdData.
* NXP AN10922 §2.2.1 (AES-128 key diversification) and AN10957 pp. 13-14 (a short
  diversification input), as carried by libfreefare's tests.
* nfc-developer/sdm-backend tests/test_libsdm.py::test_plain_sdm (a MAC-only SUN).
"""

import ndef
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from backend.core.errors import DomainError
from backend.tags import sun
from tag_tools import sun_keys

ZERO_KEY = bytes(16)  # the factory key, used by every AN12196 example
MASTER_KEY = bytes.fromhex("7A1C3E5F9B2D4F6180A2C4E6082A4C6E")
TAG_URL = "https://bins.example.kr/t/abcdefghijklmnop"

# AN12196 §3.4.2 / §3.4.4.2.1: the SUN example URL with all-zero keys.
AN12196_PICC_DATA = "EF963FF7828658A599F3041510671E88"
AN12196_CMAC = "94EED9EE65337086"
AN12196_UID = bytes.fromhex("04DE5F1EACC040")
AN12196_COUNTER = 0x3D
AN12196_PADDING = bytes.fromhex("DA5CF60941")  # plaintext C7 04DE5F1EACC040 3D0000 DA5CF60941
AN12196_URL = f"https://host.example/t/abcdefghijklmnop?picc_data={AN12196_PICC_DATA}&cmac={AN12196_CMAC}"


def _error_code(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def _flip_hex_bit(text: str, bit: int) -> str:
    raw = bytearray(bytes.fromhex(text))
    raw[bit // 8] ^= 1 << (bit % 8)
    return raw.hex().upper()


def _sun_url(picc_data: str, cmac: str) -> str:
    return f"{TAG_URL}?picc_data={picc_data}&cmac={cmac}"


def _zero_keys() -> dict:
    return {"meta_read_key": ZERO_KEY, "file_read_key": ZERO_KEY}


# --- AN12196 vectors ------------------------------------------------------------------


def test_an12196_picc_data_decrypts_to_its_uid_and_counter():
    picc = sun.decrypt_picc_data(AN12196_PICC_DATA, ZERO_KEY)

    assert picc.uid == AN12196_UID
    assert picc.read_counter == 61


def test_an12196_session_mac_key_table_vector():
    # §3.3: KSDMFileRead 5ACE…205B, UID 04C767F2066180, SDMReadCtr 1 (SV2 3CC30001008004C767F2066180010000).
    key = sun.sdm_session_mac_key(bytes.fromhex("5ACE7E50AB65D5D51FD5BF5A16B8205B"), bytes.fromhex("04C767F2066180"), 1)

    assert key.hex().upper() == "3A3E8110E05311F7A3FCF0D969BF2B48"


def test_an12196_sun_example_session_key_full_cmac_and_truncation():
    session_key = sun.sdm_session_mac_key(ZERO_KEY, AN12196_UID, AN12196_COUNTER)
    full = CMAC(algorithms.AES(session_key))
    full_mac = full.finalize()  # empty MAC input

    assert session_key.hex().upper() == "3FB5F6E3A807A03D5E3570ACE393776F"
    assert full_mac.hex().upper() == "E194C7EE12D9F7EE8A65C8331B704386"
    assert sun.truncate_mac(full_mac).hex().upper() == AN12196_CMAC
    assert sun.sdm_mac(ZERO_KEY, AN12196_UID, AN12196_COUNTER).hex().upper() == AN12196_CMAC


def test_an12196_mac_over_a_nonempty_input():
    # §3.4.4: SDMMAC over a non-empty input, the mirrored text "<SDMENCFileData>&cmac=".
    picc = sun.decrypt_picc_data("FD91EC264309878BE6345CBE53BADF40", ZERO_KEY)
    mac_input = b"CEE9A53E3E463EF1F459635736738962&cmac="

    assert (picc.uid, picc.read_counter) == (bytes.fromhex("04958CAA5C5E80"), 8)
    assert sun.sdm_session_mac_key(ZERO_KEY, picc.uid, 8).hex().upper() == "3ED0920E5E6A0320D823D5987FEAFBB1"
    assert sun.sdm_mac(ZERO_KEY, picc.uid, 8, mac_input).hex().upper() == "ECC1E7F6C6C73BF6"


def test_plain_mirrored_sun_mac_from_sdm_backend():
    assert sun.sdm_mac(ZERO_KEY, bytes.fromhex("041E3C8A2D6B80"), 6).hex().upper() == "4B00064004B0B3D3"


def test_an12196_url_verifies_as_a_tap_of_its_chip():
    tap = sun.verify_sun_url(AN12196_URL, meta_read_key=ZERO_KEY, file_read_key=ZERO_KEY)

    assert tap == sun.SunTap(uid=AN12196_UID, counter=61)
    assert tap.uid_hex == "04DE5F1EACC040"


@pytest.mark.parametrize(
    "given_text",
    [
        f"picc_data={AN12196_PICC_DATA}&cmac={AN12196_CMAC}",
        f"?picc_data={AN12196_PICC_DATA}&cmac={AN12196_CMAC}",
        f"/t/abcdefghijklmnop?cmac={AN12196_CMAC}&picc_data={AN12196_PICC_DATA.lower()}#top",
    ],
)
def test_query_alone_parameter_order_and_hex_case_do_not_matter(given_text):
    tap = sun.verify_sun_url(given_text, meta_read_key=ZERO_KEY, file_read_key=ZERO_KEY)

    assert tap.counter == 61


def test_simulated_tap_reproduces_the_an12196_url():
    url = sun.simulate_tap(
        sun.sun_url_template("https://host.example/t/abcdefghijklmnop"),
        uid=AN12196_UID,
        counter=AN12196_COUNTER,
        meta_read_key=ZERO_KEY,
        file_read_key=ZERO_KEY,
        padding=AN12196_PADDING,
    )

    assert url == AN12196_URL


# --- What is rejected -------------------------------------------------------------------


def test_a_changed_mac_is_rejected():
    tampered = _sun_url(AN12196_PICC_DATA, "94EED9EE65337087")

    assert _error_code(lambda: sun.verify_sun_url(tampered, meta_read_key=ZERO_KEY, file_read_key=ZERO_KEY)) == (
        "sun_bad_mac"
    )


def test_a_changed_picc_data_is_rejected():
    tampered = _sun_url("EF963FF7828658A599F3041510671E89", AN12196_CMAC)

    assert _error_code(lambda: sun.verify_sun_url(tampered, meta_read_key=ZERO_KEY, file_read_key=ZERO_KEY)) == (
        "sun_bad_mac"
    )


def test_the_wrong_keys_reject_a_genuine_url():
    other_key = bytes.fromhex("00000000000000000000000000000001")

    wrong_meta = {"meta_read_key": other_key, "file_read_key": ZERO_KEY}
    wrong_file = {"meta_read_key": ZERO_KEY, "file_read_key": other_key}

    assert _error_code(lambda: sun.verify_sun_url(AN12196_URL, **wrong_meta)) == "sun_bad_mac"
    assert _error_code(lambda: sun.verify_sun_url(AN12196_URL, **wrong_file)) == "sun_bad_mac"


@pytest.mark.parametrize(
    "given_text",
    [
        TAG_URL,  # a plain tag URL: no SUN at all
        f"{TAG_URL}?picc_data={AN12196_PICC_DATA}",
        f"{TAG_URL}?cmac={AN12196_CMAC}",
        f"{TAG_URL}?picc_data={AN12196_PICC_DATA}&picc_data={AN12196_PICC_DATA}&cmac={AN12196_CMAC}",
        _sun_url(AN12196_PICC_DATA[:-2], AN12196_CMAC),
        _sun_url(AN12196_PICC_DATA, AN12196_CMAC + "00"),
        _sun_url("ZZ" + AN12196_PICC_DATA[2:], AN12196_CMAC),
        _sun_url("07D9CA2545881D4BFDD920BE1603268C0714420DD893A497", AN12196_CMAC),  # LRP mode: not supported
        "",
    ],
)
def test_missing_or_malformed_parameters_are_reported_as_malformed(given_text):
    assert _error_code(lambda: sun.verify_sun_url(given_text, meta_read_key=ZERO_KEY, file_read_key=ZERO_KEY)) == (
        "sun_malformed"
    )


def test_errors_read_in_korean_by_default_in_english_on_request_and_point_at_the_tag_field():
    with pytest.raises(DomainError) as caught:
        sun.verify_sun_url(_sun_url(AN12196_PICC_DATA, "0" * 16), meta_read_key=ZERO_KEY, file_read_key=ZERO_KEY)

    with translation.override("ko"):
        assert str(caught.value.message).startswith("태그 인증에 실패했습니다")
    with translation.override("en"):
        assert "does not verify" in str(caught.value.message)
    assert caught.value.code == "sun_bad_mac"
    assert list(caught.value.fields) == ["tag"]


def _encrypt_plaintext(plain: bytes, key: bytes = ZERO_KEY) -> str:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return (encryptor.update(plain) + encryptor.finalize()).hex().upper()


def test_picc_data_tag_flags_say_which_fields_are_mirrored():
    uid_only = _encrypt_plaintext(bytes([0x87]) + AN12196_UID + bytes(8))
    counter_only = _encrypt_plaintext(bytes([0x40]) + bytes.fromhex("2A0000") + bytes(12))

    assert sun.decrypt_picc_data(uid_only, ZERO_KEY) == sun.PiccData(uid=AN12196_UID, read_counter=None)
    assert sun.decrypt_picc_data(counter_only, ZERO_KEY) == sun.PiccData(uid=None, read_counter=42)


@pytest.mark.parametrize("picc_data_tag", [0xF7, 0xC4, 0xCF])  # reserved bits set; UID length 4; UID length 15
def test_a_picc_data_tag_our_tags_never_send_is_rejected(picc_data_tag):
    picc_data = _encrypt_plaintext(bytes([picc_data_tag]) + AN12196_UID + bytes(8))

    assert _error_code(lambda: sun.decrypt_picc_data(picc_data, ZERO_KEY)) == "sun_bad_mac"


def test_a_tap_without_the_counter_cannot_verify():
    # Properly MACed, but without a counter nobody could tell a replay: refuse it.
    picc_data = _encrypt_plaintext(bytes([0x87]) + AN12196_UID + bytes(8))

    assert _error_code(lambda: sun.verify_sun_url(_sun_url(picc_data, AN12196_CMAC), **_zero_keys())) == "sun_bad_mac"


# --- Replay -------------------------------------------------------------------------------


def test_the_first_tap_of_a_tag_and_a_higher_counter_are_accepted():
    sun.check_counter_increases(0, None)
    sun.check_counter_increases(62, 61)


@pytest.mark.parametrize("counter", [61, 60, 0])
def test_a_counter_not_above_the_last_seen_is_a_replay(counter):
    assert _error_code(lambda: sun.check_counter_increases(counter, 61)) == "sun_replayed"


def test_a_copied_url_verifies_but_is_caught_as_a_replay_the_second_time():
    keys = sun.tag_keys(MASTER_KEY, AN12196_UID)
    url = sun.simulate_tap(
        sun.sun_url_template(TAG_URL),
        uid=AN12196_UID,
        counter=7,
        meta_read_key=keys.meta_read_key,
        file_read_key=keys.file_read_key,
    )
    first = sun.verify_tag_sun(url, master_key=MASTER_KEY, tag_uid=AN12196_UID)
    sun.check_counter_increases(first.counter, None)

    again = sun.verify_tag_sun(url, master_key=MASTER_KEY, tag_uid=AN12196_UID)

    assert _error_code(lambda: sun.check_counter_increases(again.counter, first.counter)) == "sun_replayed"


# --- Per-tag keys -------------------------------------------------------------------------


def test_an10922_aes128_vector():
    # AN10922 §2.2.1: M = UID 04782E21801D80 || AID 3042F5 || "NXP Abu".
    m = bytes.fromhex("04782E21801D80") + bytes.fromhex("3042F5") + b"NXP Abu"

    key = sun.diversify_key(bytes.fromhex("00112233445566778899AABBCCDDEEFF"), m)

    assert key.hex().upper() == "A8DD63A3B89D54B37CA802473FDA9175"


def test_an10922_pads_a_short_input_to_two_blocks_unlike_a_plain_cmac():
    # AN10957 pp. 13-14: a 7-byte M, where AN10922 and a plain CMAC of 0x01 || M part ways.
    master = bytes.fromhex("F3F9377698707B688EAF84ABE39E3791")
    m = bytes.fromhex("04DEADBEEFFEED")
    plain_cmac = CMAC(algorithms.AES(master))
    plain_cmac.update(b"\x01" + m)

    assert sun.diversify_key(master, m).hex().upper() == "0BB408BAFF98B6EE9F2E1585777F6A51"
    assert plain_cmac.finalize().hex().upper() == "721E2C01E81AF85D815633969CEA2607"


@given(master=st.binary(min_size=16, max_size=16), m=st.binary(min_size=16, max_size=31))
def test_an10922_equals_a_plain_cmac_once_the_input_spills_into_a_second_block(master, m):
    plain_cmac = CMAC(algorithms.AES(master))
    plain_cmac.update(b"\x01" + m)

    assert sun.diversify_key(master, m) == plain_cmac.finalize()


def test_every_tag_and_every_key_slot_gets_its_own_key():
    first = sun.tag_keys(MASTER_KEY, bytes.fromhex("04A1B2C3D4E5F6"))
    second = sun.tag_keys(MASTER_KEY, bytes.fromhex("04A1B2C3D4E5F7"))

    assert len(set(first.keys) | set(second.keys)) == 10
    assert MASTER_KEY not in first.keys


def test_a_genuine_tap_of_one_tag_does_not_pass_for_another():
    # Grafting tag A's SUN parameters onto tag B's URL: the path is not MACed, the keys are.
    tag_a, tag_b = bytes.fromhex("04A1B2C3D4E5F6"), bytes.fromhex("04112233445566")
    keys_a = sun.tag_keys(MASTER_KEY, tag_a)
    url_of_a = sun.simulate_tap(
        sun.sun_url_template(TAG_URL),
        uid=tag_a,
        counter=3,
        meta_read_key=keys_a.meta_read_key,
        file_read_key=keys_a.file_read_key,
    )

    assert sun.verify_tag_sun(url_of_a, master_key=MASTER_KEY, tag_uid=tag_a).counter == 3
    assert _error_code(lambda: sun.verify_tag_sun(url_of_a, master_key=MASTER_KEY, tag_uid=tag_b)) == "sun_bad_mac"


def test_a_tap_signed_with_the_right_keys_but_another_uid_inside_is_rejected():
    # Only someone holding tag B's keys could build this; the UID check still refuses it.
    tag_b = bytes.fromhex("04112233445566")
    keys_b = sun.tag_keys(MASTER_KEY, tag_b)
    other_uid = bytes.fromhex("04FFFFFFFFFFFF")
    url = sun.simulate_tap(
        sun.sun_url_template(TAG_URL),
        uid=other_uid,
        counter=3,
        meta_read_key=keys_b.meta_read_key,
        file_read_key=keys_b.file_read_key,
    )
    assert sun.verify_sun_url(url, meta_read_key=keys_b.meta_read_key, file_read_key=keys_b.file_read_key).uid == (
        other_uid
    )

    assert _error_code(lambda: sun.verify_tag_sun(url, master_key=MASTER_KEY, tag_uid=tag_b)) == "sun_bad_mac"


@pytest.mark.parametrize("text", ["", "00" * 15, "00" * 16, "G" * 32, "00112233445566778899AABBCCDDEEFF00"])
def test_a_missing_short_factory_or_non_hex_master_key_is_refused(text):
    with pytest.raises(ValueError):
        sun.master_key_from_hex(text)


def test_master_key_is_read_from_hex():
    assert sun.master_key_from_hex(" 7a1c3e5f9b2d4f6180a2c4e6082a4c6e\n") == MASTER_KEY


# --- Round trips ------------------------------------------------------------------------------

uids = st.binary(min_size=7, max_size=7)
counters = st.integers(min_value=0, max_value=sun.MAX_COUNTER)
keys_16 = st.binary(min_size=16, max_size=16)


@given(uid=uids, counter=counters, master=keys_16.filter(lambda key: key != bytes(16)))
def test_any_tag_and_counter_round_trips_through_the_master_key(uid, counter, master):
    keys = sun.tag_keys(master, uid)
    url = sun.simulate_tap(
        sun.sun_url_template(TAG_URL),
        uid=uid,
        counter=counter,
        meta_read_key=keys.meta_read_key,
        file_read_key=keys.file_read_key,
    )

    assert sun.verify_tag_sun(url, master_key=master, tag_uid=uid) == sun.SunTap(uid=uid, counter=counter)


@given(uid=uids, counter=counters, meta=keys_16, file=keys_16, bit=st.integers(min_value=0, max_value=191))
def test_any_single_bit_flip_in_picc_data_or_cmac_is_rejected(uid, counter, meta, file, bit):
    url = sun.simulate_tap("{picc_data}|{cmac}", uid=uid, counter=counter, meta_read_key=meta, file_read_key=file)
    picc_data, cmac = url.split("|")
    flipped = _flip_hex_bit(picc_data + cmac, bit)

    assert sun.verify_sun_url(_sun_url(picc_data, cmac), meta_read_key=meta, file_read_key=file).counter == counter
    assert _error_code(
        lambda: sun.verify_sun_url(_sun_url(flipped[:32], flipped[32:]), meta_read_key=meta, file_read_key=file)
    ) == ("sun_bad_mac")


# --- Tag settings (tag_tools/sun_keys.py) -------------------------------------------------------

AN12196_TEMPLATE = "https://choose.url.com/ntag424?e={picc_data}&c={cmac}"


def test_an12196_personalization_example_ndef_file_and_file_settings():
    # §5: the NDEF file of Tables 15-16 and the CmdData of ChangeFileSettings (Table 18 in rev. 2.0),
    # where key 2 encrypts PICCData and key 1 keys the MAC.
    layout = sun_keys.ndef_layout(AN12196_TEMPLATE, meta_read_key=2, file_read_key=1, counter_retrieval_key=1)

    assert layout.ndef_file.hex().upper() == (
        "0051D1014D550463686F6F73652E75726C2E636F6D2F6E7461673432343F653D" + "30" * 32 + "26633D" + "30" * 16
    )
    assert (layout.settings.picc_data_offset, layout.settings.mac_input_offset, layout.settings.mac_offset) == (
        0x20,
        0x43,
        0x43,
    )
    assert layout.settings.command_data().hex().upper() == "4000E0C1F121200000430000430000"


def _chip_tap(layout: sun_keys.NdefLayout, keys: sun.TagKeys, counter: int, padding: bytes | None = None) -> str:
    """Mirror a tap into the NDEF file at the programmed offsets, as the chip does, and
    read the URL back the way a phone does."""
    settings = layout.settings
    meta_key = keys.keys[settings.meta_read_key]
    file_key = keys.keys[settings.file_read_key]
    data = bytearray(layout.ndef_file)
    picc = sun.encrypt_picc_data(keys.uid, counter, meta_key, padding=padding).hex().upper().encode()
    data[settings.picc_data_offset : settings.picc_data_offset + len(picc)] = picc
    mac_input = bytes(data[settings.mac_input_offset : settings.mac_offset])
    mac = sun.sdm_mac(file_key, keys.uid, counter, mac_input).hex().upper().encode()
    data[settings.mac_offset : settings.mac_offset + len(mac)] = mac
    message_length = int.from_bytes(data[:2], "big")
    (record,) = ndef.message_decoder(bytes(data[2 : 2 + message_length]))
    return record.iri


def test_a_chip_following_the_an12196_settings_sends_the_an12196_url():
    layout = sun_keys.ndef_layout(AN12196_TEMPLATE, meta_read_key=2, file_read_key=1, counter_retrieval_key=1)
    zero_keys = sun.TagKeys(uid=AN12196_UID, keys=(ZERO_KEY,) * 5)

    url = _chip_tap(layout, zero_keys, AN12196_COUNTER, padding=AN12196_PADDING)

    assert url == f"https://choose.url.com/ntag424?e={AN12196_PICC_DATA}&c={AN12196_CMAC}"


def test_a_tag_programmed_from_the_plan_sends_urls_the_backend_accepts():
    uid = bytes.fromhex("04A1B2C3D4E5F6")
    plan = sun_keys.plan_sun_tag(MASTER_KEY.hex(), "04:a1:b2:c3:d4:e5:f6", TAG_URL)
    programmed = sun.TagKeys(uid=uid, keys=tuple(bytes.fromhex(plan.keys_hex[n]) for n in sun.TAG_KEY_NUMBERS))

    url = _chip_tap(plan.layout, programmed, counter=12)

    assert url.startswith(TAG_URL + "?picc_data=")
    assert sun.verify_tag_sun(url, master_key=MASTER_KEY, tag_uid=uid) == sun.SunTap(uid=uid, counter=12)


def test_the_plan_lists_keys_and_settings_for_the_operator():
    plan = sun_keys.plan_sun_tag(MASTER_KEY.hex(), "04A1B2C3D4E5F6", TAG_URL).as_dict()

    assert plan["uid"] == "04A1B2C3D4E5F6"
    assert sorted(plan["keys"]) == ["0", "1", "2", "3", "4"]
    assert all(len(key) == 32 for key in plan["keys"].values())
    assert plan["ndef_url"] == f"{TAG_URL}?picc_data={'0' * 32}&cmac={'0' * 16}"
    settings = plan["file_settings"]
    assert (settings["file_option"], settings["access_rights"], settings["sdm_options"]) == ("40", "00E0", "C1")
    assert settings["sdm_access_rights"] == "F012"  # counter: key 0; picc_data: key 1; cmac: key 2
    assert settings["sdm_mac_input_offset"] == settings["sdm_mac_offset"]


@pytest.mark.parametrize(
    "template",
    [
        "https://x.example/t/a?c={cmac}&e={picc_data}",  # cmac before picc_data
        "https://x.example/t/a?e={picc_data}",  # no cmac
        "https://x.example/t/a?e={picc_data}&f={picc_data}&c={cmac}",
        "https://x.example/t/" + "a" * 200 + "?e={picc_data}&c={cmac}",  # does not fit the 256-byte file
        "https://x.example/t/개?e={picc_data}&c={cmac}",
    ],
)
def test_templates_a_tag_cannot_hold_are_refused(template):
    with pytest.raises(ValueError):
        sun_keys.ndef_layout(template)


@pytest.mark.parametrize("uid_hex", ["04A1B2C3D4E5", "04A1B2C3D4E5F6A7", "04A1B2C3D4E5GG"])
def test_a_uid_that_is_not_7_bytes_is_refused(uid_hex):
    with pytest.raises(ValueError, match="UID"):
        sun_keys.plan_sun_tag(MASTER_KEY.hex(), uid_hex, TAG_URL)
