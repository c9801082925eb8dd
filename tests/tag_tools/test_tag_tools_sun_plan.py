"""`tag_tools sun-plan`: the keys an operator programs into an NTAG 424 DNA tag are the
ones the backend will verify its taps with."""

import json

from backend.tags import sun
from tag_tools.cli import main

MASTER_KEY = "00112233445566778899aabbccddeeff"
UID = "04A1B2C3D4E5F6"
URL = "https://waste.example.go.kr/t/k3q7m2x9w4p5r8t2"


def test_plan_keys_verify_a_tap_in_the_backend(monkeypatch, capsys):
    monkeypatch.setenv("SUN_MASTER_KEY", MASTER_KEY)
    assert main(["sun-plan", "--uid", UID, "--url", URL]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["uid"] == UID
    assert plan["url_template"].startswith(URL + "?")
    tap = sun.simulate_tap(
        plan["url_template"],
        uid=bytes.fromhex(UID),
        counter=5,
        meta_read_key=bytes.fromhex(plan["keys"][str(sun.META_READ_KEY_NUMBER)]),
        file_read_key=bytes.fromhex(plan["keys"][str(sun.FILE_READ_KEY_NUMBER)]),
    )
    verified = sun.verify_tag_sun(tap, master_key=bytes.fromhex(MASTER_KEY), tag_uid=bytes.fromhex(UID))
    assert verified.counter == 5


def test_without_a_master_key_it_says_what_is_missing(monkeypatch, capsys):
    monkeypatch.delenv("SUN_MASTER_KEY", raising=False)
    assert main(["sun-plan", "--uid", UID, "--url", URL]) == 3
    assert "SUN_MASTER_KEY" in capsys.readouterr().err


def test_a_bad_uid_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("SUN_MASTER_KEY", MASTER_KEY)
    assert main(["sun-plan", "--uid", "zz", "--url", URL]) == 3
    assert "bad_sun_input" in capsys.readouterr().err
