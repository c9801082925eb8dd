"""An official imports the licence register in Chromium at 1280 px: upload, preview,
an error, confirm, the progress bar moving while the import runs, the result. Each
state passes axe-core (WCAG 2.1 AA), 44 px targets and no sideways scrolling."""

import re

import pytest
from playwright.sync_api import expect

from backend.registers import runs
from backend.registers.models import RegisterImport
from backend.restaurants.models import Restaurant
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.registers import register_files as rf
from tests.registers.conftest import places  # noqa: F401 (the districts the file names)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


@pytest.fixture
def official_at_desk(desk, official, places):  # noqa: F811 (the fixture imported above)
    official.set_password(PASSWORD)
    official.save()
    sign_in(desk, "official", PASSWORD, "/registers/")
    return desk


def test_an_official_imports_the_register_and_watches_it_run(official_at_desk, tmp_path):
    page = official_at_desk
    page.wait_for_url("**/registers/")
    assert_usable(page, "upload page")

    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    page.get_by_label("인허가 데이터 파일").set_input_files(str(bad))
    page.get_by_role("button", name="미리 보기").click()
    assert "CSV 또는 XLSX로 저장해 주세요" in page.get_by_role("alert").inner_text()
    assert_usable(page, "after an unreadable file")

    rows = [rf.row(n, dong=("서교동", "합정동")[n % 2]) for n in range(1, 6)]
    rows += [rf.row(6, dong="망원동"), rf.row(7, **{"사업장명": ""}), rf.row(8, place=None)]
    good = tmp_path / "일반음식점.csv"
    good.write_bytes(rf.csv_bytes(rows, encoding="cp949"))
    page.get_by_label("인허가 데이터 파일").set_input_files(str(good))
    page.get_by_role("button", name="미리 보기").click()
    page.wait_for_url(re.compile(r"/registers/[0-9a-f-]{36}/$"))
    counts = page.get_by_test_id("preview-counts").inner_text()
    assert re.search(r"새로 등록.*\s6\b", counts), counts
    assert "망원동" in page.get_by_test_id("refused").inner_text()
    assert_usable(page, "preview")

    page.get_by_label("망원동 → 동").select_option(label="망원1동")
    page.get_by_role("button", name="연결").click()
    assert re.search(r"새로 등록.*\s7\b", page.get_by_test_id("preview-counts").inner_text())
    assert_usable(page, "preview after mapping a place")

    # No worker runs in this test: the import stays "running" until the test works it.
    page.get_by_test_id("confirm").click()
    assert page.get_by_test_id("status").inner_text() == "가져오는 중"
    assert_usable(page, "running, nothing done yet")
    register_import = RegisterImport.objects.get()
    runs.run_import(import_id=register_import.id, chunk_size=3, max_chunks=1)
    expect(page.get_by_test_id("progress-text")).to_contain_text("3 / 7")  # the script polled and moved the bar
    assert page.locator("#progress-bar").evaluate("bar => bar.value") == 42
    assert_usable(page, "running, one chunk done")

    runs.run_import(import_id=register_import.id, chunk_size=3)
    page.wait_for_selector("[data-testid=written]")
    assert page.get_by_test_id("status").inner_text() == "처리 완료"
    assert re.search(r"새로 등록.*\s7\b", page.get_by_test_id("written").inner_text())
    assert Restaurant.objects.filter(register_id__isnull=False).count() == 7
    assert_usable(page, "done")
