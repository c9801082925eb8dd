"""`python -m tag_tools`: QR codes, sticker sheets and NFC tags for the officials who tag food-waste bins."""

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from backend.tags import codes
from backend.tags import qr as tag_qr
from tag_tools import label_sources, labels, sheets
from tag_tools.backend_api import BackendClient
from tag_tools.errors import ExitStatus, ToolError

if TYPE_CHECKING:
    from tag_tools.nfc_device import TagReading

DEFAULT_TIMEOUT = 30.0  # seconds to wait for a tag on the reader
PROGRESS_INTERVAL = 0.5  # seconds between progress lines

DESCRIPTION = """\
음식물 수거 용기 태그 도구 — Tag tools for food-waste bins.

  qr         태그 URL의 QR 코드(PNG/SVG) · a tag URL's QR code as PNG or SVG
  labels     활성 태그의 A4 스티커 라벨 PDF · print-ready A4 sticker labels for active tags
  write-nfc  NFC 태그(NTAG213/215/216)에 URL 기록 · write a tag URL to an NFC tag
  verify     NFC 태그나 QR 이미지 확인 · read an NFC tag or a QR image and check it with the backend
  sun-plan   NTAG 424 DNA 보안 태그의 키와 SDM 설정 계산 · keys and SDM settings for an NTAG 424 DNA tag

토큰은 환경 변수 TAG_TOOLS_TOKEN으로, write-nfc와 verify의 서버 주소는 TAG_TOOLS_API로도 줄 수 있습니다.
The token can come from TAG_TOOLS_TOKEN, and the backend address of write-nfc and verify from TAG_TOOLS_API.
"""

DEVICE_HELP = "NFC 리더 · reader: usb, usb:VID:PID, usb:BUS:DEV, tty:USB0:pn532, udp:HOST:PORT"
EXIT_CODES = """\
종료 코드 / exit status: 0 성공 ok · 2 잘못된 명령 usage · 3 입력 파일 input · 4 서버 backend ·
5 리더 reader · 6 태그 거부 tag refused · 7 태그 없음 no tag in time
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(format="%(name)s: %(message)s", level=logging.DEBUG if arguments.verbose else logging.WARNING)
    try:
        arguments.run(arguments, parser)
    except ToolError as error:
        print(f"오류 error {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        print("중단됨. Interrupted.", file=sys.stderr)
        return 130
    return ExitStatus.OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tag_tools",
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="nfcpy 디버그 로그 · show nfcpy's debug log")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    qr = commands.add_parser(
        "qr",
        help="QR 코드 파일 · QR code file",
        description="태그 URL의 QR 코드 (오류 정정 H). A tag URL's QR code, error correction H, 4-module quiet zone.",
    )
    qr.add_argument("url", metavar="URL")
    qr.add_argument("--out", type=Path, required=True, help="FILE.png 또는 FILE.svg · PNG or SVG by extension")
    qr.set_defaults(run=_run_qr)

    sheet = commands.add_parser(
        "labels",
        help="라벨 PDF · label sheets",
        description="활성 태그의 스티커 라벨 PDF (A4). Print-ready A4 sticker labels for the bins' active tags.",
        epilog="CSV 열 / columns: code,url,manual_code,restaurant_name,bin_label (UTF-8 or CP949)",
    )
    source = sheet.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", type=Path, metavar="FILE", help="라벨 내용 CSV · labels from a CSV file")
    source.add_argument("--api", metavar="BASE_URL", help="서버 주소 · backend base URL, e.g. https://waste.example.kr")
    _token_option(sheet)
    scope = sheet.add_mutually_exclusive_group()
    scope.add_argument("--restaurant", metavar="ID", help="음식점 ID · one restaurant's bins")
    scope.add_argument("--district", metavar="ID", help="구 ID · every bin in a district")
    sheet.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    sheet.add_argument("--layout", default=sheets.DEFAULT_LAYOUT, help="열x행 · columns x rows (default %(default)s)")
    sheet.add_argument(
        "--margins",
        default=sheets.DEFAULT_MARGINS,
        help="쪽 여백 mm · page margins T[,R[,B[,L]]] (default %(default)s)",
    )
    sheet.add_argument(
        "--gaps", default=sheets.DEFAULT_GAPS, help="라벨 간격 mm · gaps COLUMN[,ROW] (default %(default)s)"
    )
    sheet.set_defaults(run=_run_labels)

    write = commands.add_parser(
        "write-nfc",
        help="NFC 태그 기록 · write an NFC tag",
        description="NTAG213/215/216에 태그 URL을 NDEF URI 레코드 하나로 기록하고 다시 읽어 확인합니다. "
        "Writes the tag URL as a single NDEF URI record, reads it back, optionally locks the tag.",
    )
    write.add_argument("--device", required=True, help=DEVICE_HELP)
    target = write.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="기록할 URL · the tag URL")
    target.add_argument("--code", help="태그 코드 (URL은 서버에서) · tag code; the URL comes from --api")
    write.add_argument(
        "--lock", action="store_true", help="읽기 전용으로 잠금 (되돌릴 수 없음) · make read-only, for good"
    )
    write.add_argument(
        "--report", action="store_true", help="칩 UID를 서버에 등록 · report the chip UID to the backend"
    )
    write.add_argument("--api", metavar="BASE_URL", default=os.environ.get("TAG_TOOLS_API"), help="서버 주소 · backend")
    _token_option(write)
    _timeout_option(write)
    write.set_defaults(run=_run_write_nfc)

    verify = commands.add_parser(
        "verify",
        help="태그 확인 · check a tag",
        description="NFC 태그나 QR 이미지를 읽고, --api가 있으면 서버에 확인합니다. "
        "Reads an NFC tag or decodes a QR image and, with --api, asks the backend what it is.",
    )
    medium = verify.add_mutually_exclusive_group(required=True)
    medium.add_argument("--device", help=DEVICE_HELP)
    medium.add_argument("--image", type=Path, metavar="FILE", help="QR 코드 사진 · photo or scan of a QR code")
    verify.add_argument(
        "--api", metavar="BASE_URL", default=os.environ.get("TAG_TOOLS_API"), help="서버 주소 · backend"
    )
    _token_option(verify)
    _timeout_option(verify)
    verify.set_defaults(run=_run_verify)

    plan = commands.add_parser(
        "sun-plan",
        help="보안 태그 설정 계산 · plan an NTAG 424 DNA tag",
        description="칩 UID와 태그 URL로 NTAG 424 DNA 태그의 키(칩마다 다름)와 SDM 파일 설정을 계산합니다. "
        "마스터 키는 환경 변수 SUN_MASTER_KEY에서 읽습니다(명령줄에 쓰지 마세요). "
        "Computes the per-tag keys and SDM file settings for an NTAG 424 DNA tag from its UID and URL; "
        "the master key is read from SUN_MASTER_KEY, never from the command line (docs/sun.md).",
    )
    plan.add_argument("--uid", required=True, help="칩 UID (hex) · the chip's UID, e.g. 04A1B2C3D4E5F6")
    plan.add_argument("--url", required=True, help="태그 URL · the tag's URL, {PUBLIC_BASE_URL}/t/{code}")
    plan.set_defaults(run=_run_sun_plan)
    return parser


def _token_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token", default=os.environ.get("TAG_TOOLS_TOKEN"), help="API 토큰 · API token (or TAG_TOOLS_TOKEN)"
    )


def _timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="태그 대기 초 · seconds to wait (default %(default)s)"
    )


def _run_qr(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if arguments.out.suffix.lower() not in (".png", ".svg"):
        parser.error("--out 파일은 .png 또는 .svg여야 합니다. --out must end in .png or .svg")
    tag_qr.write_qr_file(arguments.url, arguments.out)
    print(f"QR 코드 저장 / written: {arguments.out}")


def _run_labels(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    try:
        sheet = sheets.parse_sheet(arguments.layout, arguments.margins, arguments.gaps)
    except ValueError as error:
        raise ToolError("bad_layout", str(error), ExitStatus.INPUT) from error
    if arguments.csv:
        batch = label_sources.labels_from_csv(arguments.csv)
    else:
        if not (arguments.restaurant or arguments.district):
            parser.error("--api에는 --restaurant 또는 --district가 필요합니다. --api needs --restaurant or --district")
        batch = label_sources.labels_from_backend(
            _client(arguments, parser), restaurant=arguments.restaurant, district=arguments.district
        )
    if batch.skipped:
        print(
            f"경고: 활성 태그가 없는 용기 {batch.skipped}개는 건너뜁니다. "
            f"Warning: skipped {batch.skipped} bins without an active tag.",
            file=sys.stderr,
        )
    if not batch.labels:
        raise ToolError("no_labels", "인쇄할 라벨이 없습니다. Nothing to print.", ExitStatus.INPUT)
    module_mm = labels.qr_module_mm(sheet, batch.labels[0].url)
    if module_mm < labels.SMALLEST_MODULE_MM:
        print(
            f"경고: QR 모듈이 {module_mm:.2f} mm로 작습니다. Warning: QR modules are only {module_mm:.2f} mm; "
            "dirty bins scan better from larger labels.",
            file=sys.stderr,
        )
    pages = labels.render_labels(batch.labels, arguments.out, sheet, progress=_progress_printer(sys.stderr))
    print(f"라벨 {len(batch.labels)}개, {pages}쪽 저장 / {len(batch.labels)} labels on {pages} pages: {arguments.out}")


def _run_write_nfc(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    client = _client(arguments, parser) if arguments.api or arguments.report or arguments.code else None
    url, code = arguments.url, arguments.code
    if client:
        if not code:
            code = codes.parse_tag_reference(url).code
            if code is None:
                parser.error(f"태그 URL이 아닙니다 / not a tag URL ending in /t/<code>: {url}")
        issued = client.tag(code)
        _require_active(issued)
        if url and issued["url"] != url:
            raise ToolError(
                "url_mismatch",
                f"서버의 URL과 다릅니다. The backend issued {issued['url']}, not {url}.",
                ExitStatus.BACKEND,
            )
        url = issued["url"]
    nfc_device = _nfc_device_module(verbose=arguments.verbose)
    with nfc_device.reader(arguments.device) as clf:
        print("태그를 리더에 올려 주세요… Place the tag on the reader…", file=sys.stderr)
        reading = nfc_device.write_url(clf, url, lock=arguments.lock, timeout=arguments.timeout)
    _print_reading(reading)
    if arguments.report and client:
        try:
            client.report_nfc_uid(code, reading.uid)
        except ToolError as error:
            error.message = f"태그는 기록했지만 UID 등록에 실패했습니다. Tag written, UID not reported: {error.message}"
            raise
        print(f"UID 등록 완료 / reported UID {reading.uid} for {code}")


def _run_verify(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    client = _client(arguments, parser) if arguments.api else None
    if arguments.image:
        url, uid = _read_qr_image(arguments.image), None
        print(f"URL: {url}")
    else:
        nfc_device = _nfc_device_module(verbose=arguments.verbose)
        with nfc_device.reader(arguments.device) as clf:
            print("태그를 리더에 올려 주세요… Place the tag on the reader…", file=sys.stderr)
            reading = nfc_device.read_tag(clf, timeout=arguments.timeout)
        _print_reading(reading)
        if reading.url is None:
            raise ToolError("no_url", "태그에 URL이 없습니다. The tag holds no URL record.", ExitStatus.TAG_REFUSED)
        url, uid = reading.url, reading.uid
    code = codes.parse_tag_reference(url).code
    if code is None:
        raise ToolError(
            "not_a_tag_url", f"태그 URL이 아닙니다. Not a tag URL (…/t/<code>): {url}", ExitStatus.TAG_REFUSED
        )
    print(f"코드 / code: {code}")
    if client:
        _check_with_backend(client, code, url, uid)


def _check_with_backend(client: BackendClient, code: str, url: str, uid: str | None) -> None:
    issued = client.tag(code)
    print(
        f"서버 / backend: status={issued.get('status')} manual_code={issued.get('manual_code_display')} "
        f"bin={issued.get('bin')} nfc_uid={issued.get('nfc_uid') or '-'}"
    )
    _require_active(issued)
    if issued.get("url") != url:
        raise ToolError(
            "url_mismatch",
            f"서버의 URL과 다릅니다. The backend issued {issued.get('url')}, the tag holds {url}.",
            ExitStatus.TAG_REFUSED,
        )
    if uid and issued.get("nfc_uid") and issued["nfc_uid"].upper() != uid:
        raise ToolError(
            "uid_mismatch",
            f"등록된 칩이 아닙니다 (등록 {issued['nfc_uid']}, 읽음 {uid}). "
            "This chip is not the one recorded for the tag: a copy, or a replaced sticker?",
            ExitStatus.TAG_REFUSED,
        )
    print("확인 완료 / verified: the backend knows this tag and it is active")


def _require_active(issued: dict) -> None:
    if issued.get("status") != "active":
        raise ToolError(
            "tag_not_active",
            f"사용 중인 태그가 아닙니다 ({issued.get('status')}). "
            "The backend says this tag is not active (revoked); issue a new tag for the bin.",
            ExitStatus.BACKEND,
        )


def _client(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> BackendClient:
    if not (arguments.api and arguments.token):
        parser.error("서버 주소와 토큰이 필요합니다. This needs --api and --token (or TAG_TOOLS_API, TAG_TOOLS_TOKEN).")
    return BackendClient(arguments.api, arguments.token)


def _nfc_device_module(*, verbose: bool):
    """Import the reader module only for NFC commands, and say what is missing when nfcpy cannot load."""
    try:
        from tag_tools import nfc_device
    except ImportError as error:
        raise ToolError(
            "nfcpy_missing",
            f"nfcpy를 불러올 수 없습니다 ({error}). Install it with `pip install nfcpy`.",
            ExitStatus.READER,
        ) from error
    # nfcpy sets its logger to INFO when imported; we explain reader failures ourselves unless asked for its log.
    logging.getLogger("nfc").setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    return nfc_device


def _read_qr_image(path: Path) -> str:
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError as error:
        raise ToolError(
            "zxing_missing",
            f"QR 해독기가 없습니다 ({error}). Install it with `pip install zxing-cpp`.",
            ExitStatus.INPUT,
        ) from error
    try:
        image = Image.open(path)
    except (OSError, UnidentifiedImageError) as error:
        raise ToolError(
            "image_unreadable", f"이미지를 열 수 없습니다. Cannot open {path}: {error}", ExitStatus.INPUT
        ) from error
    found = [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    if not found:
        raise ToolError("no_qr_code", f"이미지에서 QR 코드를 찾지 못했습니다. No QR code in {path}.", ExitStatus.NO_TAG)
    return found[0]


def _print_reading(reading: "TagReading") -> None:
    print(f"URL: {reading.url or '-'}")
    print(
        f"UID: {reading.uid}  칩 / chip: {reading.chip}  용량 / capacity: {reading.capacity} B  "
        f"잠금 / locked: {'예 yes' if reading.locked else '아니오 no'}"
    )


def _progress_printer(stream: TextIO) -> Callable[[int, int, int, int], None]:
    last_shown = 0.0

    def show(done: int, total: int, page: int, pages: int) -> None:
        nonlocal last_shown
        now = time.monotonic()
        if done == total or now - last_shown >= PROGRESS_INTERVAL:
            last_shown = now
            print(f"라벨 {done}/{total} (page {page}/{pages})", file=stream, flush=True)

    return show


def _run_sun_plan(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    import json

    from backend.core.errors import DomainError
    from tag_tools.sun_keys import plan_sun_tag

    master_key = os.environ.get("SUN_MASTER_KEY")
    if not master_key:
        raise ToolError(
            "no_master_key",
            "환경 변수 SUN_MASTER_KEY가 없습니다. Set SUN_MASTER_KEY (32 hex digits).",
            ExitStatus.INPUT,
        )
    try:
        plan = plan_sun_tag(master_key, arguments.uid, arguments.url)
    except (DomainError, ValueError) as error:
        raise ToolError("bad_sun_input", str(error), ExitStatus.INPUT) from error
    print(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2))
