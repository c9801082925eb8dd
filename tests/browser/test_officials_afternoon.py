"""A district switches over in one afternoon, in Chromium, as a new official does it at
1280 px: sign in, upload the licence register (CP949, the real layout), preview,
confirm and watch the progress bar, give every restaurant a bin, issue the tags in
bulk, download the label sheet and read its QR codes back to the live tag URLs, invite
an owner whose one-time link opens on a 360 px phone to set a password, set a tariff,
start billing and watch it finish. Every new page state passes `assert_usable`
(axe-core WCAG 2.1 AA, 44 px targets, no sideways scrolling). Screenshots of each step
go to var/screenshots/afternoon/ for a person to look at."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.billing.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.registers import register_files as rf
from tests.registers.conftest import places  # noqa: F401 (the districts the file names)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"
OWNER_PASSWORD = "galbi-since-1988"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "afternoon"
RESTAURANTS = 6


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def step(page, name: str) -> None:
    """A new page state: usable by everyone, and kept as a picture."""
    shot(page, name)
    assert_usable(page, name)


def qr_texts(pdf: bytes) -> list[str]:
    """Every QR code on every page of the PDF, read as a phone's camera would."""
    import pypdfium2
    import zxingcpp

    texts = []
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    for index in range(len(document)):
        image = document[index].render(scale=3).to_pil()
        texts += [found.text for found in zxingcpp.read_barcodes(image)]
    return texts


@pytest.mark.usefixtures("places")
def test_a_district_switches_over_in_one_afternoon(
    desk,
    phone,
    official,
    settings,
    live_server,
    tmp_path,
    scan,
):
    from backend.billing import runs as billing_runs
    from backend.billing.models import BillingRun, Invoice
    from backend.registers import runs as register_runs
    from backend.registers.models import RegisterImport
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    settings.PUBLIC_BASE_URL = live_server.url  # what `make run` does with PORT
    settings.MEDIA_ROOT = str(tmp_path / "media")
    official.set_password(PASSWORD)
    official.save()
    page = desk

    # Sign in: the home page is where an official starts.
    sign_in(page, "official", PASSWORD, "/")
    page.wait_for_url(re.compile(r"/$"))
    step(page, "01-home")

    # The register: upload, preview, confirm, progress, result.
    page.get_by_role("link", name=re.compile("인허가 데이터 가져오기")).first.click()
    page.wait_for_url("**/registers/")
    step(page, "02-register-upload")
    rows = [rf.row(n, dong=("서교동", "합정동")[n % 2]) for n in range(1, RESTAURANTS + 1)]
    rows.append(rf.row(RESTAURANTS + 1, **{"사업장명": ""}))  # refused: no name
    register = tmp_path / "6110000_일반음식점.csv"
    register.write_bytes(rf.csv_bytes(rows, encoding="cp949"))
    page.get_by_label("인허가 데이터 파일").set_input_files(str(register))
    page.get_by_role("button", name="미리 보기").click()
    page.wait_for_url(re.compile(r"/registers/[0-9a-f-]{36}/$"))
    counts = page.get_by_test_id("preview-counts").inner_text()
    assert re.search(rf"새로 등록.*\s{RESTAURANTS}\b", counts), counts
    assert "8" in page.get_by_test_id("refused").inner_text()  # the nameless row, by its line
    assert Restaurant.objects.count() == 0  # nothing written before confirming
    step(page, "03-register-preview")
    expect(page.locator("a.back").first).to_have_attribute("href", "/registers/")

    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("가져오는 중")
    step(page, "04-register-running")
    # No worker in this test: the import is worked here, a chunk at a time, as a worker would.
    register_import = RegisterImport.objects.get()
    register_runs.run_import(import_id=register_import.id, chunk_size=3, max_chunks=1)
    expect(page.get_by_test_id("progress-text")).to_contain_text(f"3 / {RESTAURANTS}")
    step(page, "05-register-progress")
    register_runs.run_import(import_id=register_import.id, chunk_size=3)
    page.get_by_test_id("written").wait_for()
    assert Restaurant.objects.filter(register_id__isnull=False).count() == RESTAURANTS
    step(page, "06-register-done")

    # Bins: every open restaurant without one gets one, the import's next step.
    page.get_by_test_id("next-bins").click()
    page.wait_for_url("**/console/bins/bulk/")
    step(page, "07-bins-bulk")
    page.get_by_label("용량 (L)").fill("120")
    page.get_by_role("button", name="용기 추가").click()
    expect(page.get_by_role("status").first).to_contain_text(str(RESTAURANTS))
    assert Bin.objects.filter(capacity_liters=120).count() == RESTAURANTS
    step(page, "08-bins-added")

    # Tags in bulk, then the label sheet.
    page.get_by_role("link", name=re.compile("태그 일괄 발급")).first.click()
    expect(page.locator(".totals-figure")).to_have_text(str(RESTAURANTS))
    step(page, "09-tags-bulk")
    page.get_by_role("button", name=f"태그 {RESTAURANTS}개 발급").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert Tag.objects.filter(status="active").count() == RESTAURANTS
    step(page, "10-tags-issued")

    page.get_by_role("link", name="라벨 인쇄로").click()
    step(page, "11-label-sheets")
    page.get_by_label("라벨을 인쇄하지 않은 모든 태그").check()
    page.get_by_role("button", name="A4 PDF 만들기").click()
    download_link = page.get_by_role("link", name="PDF 내려받기")
    download_link.wait_for()
    step(page, "12-label-sheet-done")
    with page.expect_download() as caught:
        download_link.click()
    pdf = Path(caught.value.path()).read_bytes()
    urls = sorted(qr_texts(pdf))
    assert urls == sorted(tag.url for tag in Tag.objects.filter(status="active"))
    assert all(url.startswith(f"{live_server.url}/t/") for url in urls)
    tag_page = page.context.new_page()
    assert tag_page.goto(urls[0]).status == 200  # a printed label leads to a live page
    tag_page.close()

    # The owner of the first restaurant, invited from the console; they set a password on a phone.
    page.get_by_role("link", name=re.compile("업주·작업자")).first.click()
    page.wait_for_url("**/console/people/")
    step(page, "13-people")
    page.get_by_role("link", name="업주 초대").click()
    step(page, "14-invite-owner")
    choice = page.locator("#id_target option", has_text="마포식당 1").first.get_attribute("value")
    page.locator("#id_target").select_option(choice)
    page.get_by_label("휴대전화").fill("010-2345-6789")
    page.locator("#id_name").fill("김사장")
    page.get_by_role("button", name="초대하기").click()
    link = page.get_by_label("초대 링크").input_value()
    assert link.startswith(f"{live_server.url}/welcome/")  # the link works as printed
    step(page, "15-owner-invited")

    phone.goto(link)
    shot(phone, "16-phone-set-password")
    assert_usable(phone, "16-phone-set-password")
    phone.get_by_label("새 비밀번호").fill(OWNER_PASSWORD)
    phone.get_by_label("비밀번호 확인").fill(OWNER_PASSWORD)
    phone.get_by_role("button", name="비밀번호 저장").click()
    expect(phone.get_by_text("비밀번호를 정했습니다")).to_be_visible()
    shot(phone, "17-phone-sign-in")
    assert_usable(phone, "17-phone-sign-in")
    sign_in(phone, "010-2345-6789", OWNER_PASSWORD, "/")
    expect(phone.get_by_text("마포식당 1").first).to_be_visible()
    shot(phone, "18-phone-owner-home")
    assert_usable(phone, "18-phone-owner-home")

    # A month's weighings for one of the new restaurants (the crew's phone's work).
    first_bin = Bin.objects.order_by("restaurant__register_id").first()
    Bin.objects.filter(pk=first_bin.pk).update(created_at=seoul(2026, 9, 1))
    scan(first_bin, seoul(2026, 10, 6, 6), 12_500)

    # The tariff, then billing October and watching it finish.
    page.get_by_role("link", name=re.compile("요금표")).first.click()
    page.wait_for_url("**/console/tariffs/")
    step(page, "19-tariffs")
    page.get_by_label("적용 시작일").fill("2026-01-01")
    page.get_by_label("kg당 요금").fill("130")
    page.get_by_label("변경 사유").fill("2026년 요금")
    page.get_by_role("button", name="요금표 만들기").click()
    expect(page.get_by_role("status").first).to_contain_text("요금표를 만들었습니다")
    step(page, "20-tariff-set")

    page.get_by_role("link", name=re.compile("^청구")).first.click()
    page.wait_for_url("**/console/billing/")
    step(page, "21-billing")
    assert page.get_by_role("link", name="청구", exact=True).get_attribute("aria-current") == "page"
    page.get_by_label("청구 월").fill("2026-10")
    page.get_by_role("button", name="청구 시작").click()
    expect(page.get_by_role("status").first).to_contain_text("청구를 시작했습니다")
    step(page, "22-billing-started")
    billing_runs.execute_billing_run(run_id=BillingRun.objects.get().id)
    page.get_by_test_id("run-result").wait_for(timeout=20_000)
    step(page, "23-billing-done")
    invoice = Invoice.objects.get(restaurant=first_bin.restaurant)
    assert invoice.period == date(2026, 10, 1)
    assert invoice.subtotal_krw == 1_625  # 12.5 kg at 130 KRW
