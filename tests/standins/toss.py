"""A local stand-in for Toss Payments' API v1, over real HTTP on 127.0.0.1.

It speaks the contract our client (backend/payments/toss.py) is written against, as
Toss documents it (docs.tosspayments.com, "API 레퍼런스", "에러 코드", "웹훅"):

- HTTP Basic auth with the secret key (`secret:`), else 401 UNAUTHORIZED_KEY;
- `POST /v1/payments` makes a payment window (a Payment with `checkout.url`), whose page
  here has a button to pay and one to give up; paying sends the browser to
  `successUrl?paymentKey=&orderId=&amount=`, giving up to `failUrl?code=&message=&orderId=`;
- `POST /v1/payments/confirm` takes an authorised payment (a card: DONE; a virtual
  account: WAITING_FOR_DEPOSIT with its `virtualAccount` and `secret`), answering the
  documented errors (ALREADY_PROCESSED_PAYMENT, NOT_FOUND_PAYMENT_SESSION, ...); a test
  can plant any documented code for an order's next confirm, or a delay after it;
- `GET /v1/payments/{paymentKey}`, `GET /v1/payments/orders/{orderId}`;
- `POST /v1/payments/{paymentKey}/cancel` with `Idempotency-Key` (the same key answers
  the first answer again);
- `GET /v1/settlements?startDate=&endDate=&page=&size=` (plus lines a test plants);
- `deposit(paymentKey)` (the bank tells Toss of a transfer) and `send_webhook(url, body)`,
  which posts a webhook to our endpoint over HTTP, as often and as late as a test likes.

    with TossStandIn() as toss:
        toss.base_url  # http://127.0.0.1:<port>

Run it alone with `python -m tests.standins.toss [port]`.
"""

import base64
import contextlib
import json
import secrets
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
SECRET_KEY = "test_sk_standin_0000000000"

# (HTTP status, Korean message) of the documented confirm errors a test may plant.
CONFIRM_ERRORS = {
    "ALREADY_PROCESSED_PAYMENT": (400, "이미 처리된 결제 입니다."),
    "PROVIDER_ERROR": (400, "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요."),
    "EXCEED_MAX_CARD_INSTALLMENT_PLAN": (400, "설정 가능한 최대 할부 개월 수를 초과했습니다."),
    "INVALID_REQUEST": (400, "잘못된 요청입니다."),
    "NOT_ALLOWED_POINT_USE": (400, "포인트 사용이 불가한 카드로 카드 포인트 결제에 실패했습니다."),
    "INVALID_API_KEY": (400, "잘못된 시크릿키 연동 정보 입니다."),
    "INVALID_REJECT_CARD": (400, "카드 사용이 거절되었습니다. 카드사 문의가 필요합니다."),
    "BELOW_MINIMUM_AMOUNT": (400, "신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다."),
    "INVALID_CARD_EXPIRATION": (400, "카드 정보를 다시 확인해주세요. (유효기간)"),
    "INVALID_STOPPED_CARD": (400, "정지된 카드 입니다."),
    "EXCEED_MAX_DAILY_PAYMENT_COUNT": (400, "하루 결제 가능 횟수를 초과했습니다."),
    "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT": (400, "할부가 지원되지 않는 카드 또는 가맹점 입니다."),
    "INVALID_CARD_INSTALLMENT_PLAN": (400, "할부 개월 정보가 잘못되었습니다."),
    "NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN": (400, "할부가 지원되지 않는 카드입니다."),
    "EXCEED_MAX_PAYMENT_AMOUNT": (400, "하루 결제 가능 금액을 초과했습니다."),
    "NOT_FOUND_TERMINAL_ID": (400, "단말기번호(Terminal Id)가 없습니다. 토스페이먼츠로 문의 바랍니다."),
    "INVALID_AUTHORIZE_AUTH": (400, "유효하지 않은 인증 방식입니다."),
    "INVALID_CARD_LOST_OR_STOLEN": (400, "분실 혹은 도난 카드입니다."),
    "RESTRICTED_TRANSFER_ACCOUNT": (400, "계좌는 등록 후 12시간 뒤부터 결제할 수 있습니다."),
    "INVALID_CARD_NUMBER": (400, "카드번호를 다시 확인해주세요."),
    "INVALID_UNREGISTERED_SUBMALL": (400, "등록되지 않은 서브몰입니다."),
    "NOT_REGISTERED_BUSINESS": (400, "등록되지 않은 사업자 번호입니다."),
    "EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT": (400, "1일 출금 한도를 초과했습니다."),
    "EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT": (400, "1회 출금 한도를 초과했습니다."),
    "CARD_PROCESSING_ERROR": (400, "카드사에서 오류가 발생했습니다."),
    "EXCEED_MAX_AMOUNT": (400, "거래금액 한도를 초과했습니다."),
    "INVALID_ACCOUNT_INFO_RE_REGISTER": (400, "유효하지 않은 계좌입니다. 계좌 재등록 후 시도해주세요."),
    "NOT_AVAILABLE_PAYMENT": (400, "결제가 불가능한 시간대입니다."),
    "UNAPPROVED_ORDER_ID": (400, "아직 승인되지 않은 주문번호입니다."),
    "UNAUTHORIZED_KEY": (401, "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."),
    "REJECT_ACCOUNT_PAYMENT": (403, "잔액부족으로 결제에 실패했습니다."),
    "REJECT_CARD_PAYMENT": (403, "한도초과 혹은 잔액부족으로 결제에 실패했습니다."),
    "REJECT_CARD_COMPANY": (403, "결제 승인이 거절되었습니다."),
    "FORBIDDEN_REQUEST": (403, "허용되지 않은 요청입니다."),
    "REJECT_TOSSPAY_INVALID_ACCOUNT": (403, "선택하신 출금 계좌가 출금이체 등록이 되어 있지 않아요."),
    "EXCEED_MAX_AUTH_COUNT": (403, "최대 인증 횟수를 초과했습니다."),
    "EXCEED_MAX_ONE_DAY_AMOUNT": (403, "일일 한도를 초과했습니다."),
    "NOT_AVAILABLE_BANK": (403, "은행 서비스 시간이 아닙니다."),
    "INVALID_PASSWORD": (403, "결제 비밀번호가 일치하지 않습니다."),
    "INCORRECT_BASIC_AUTH_FORMAT": (403, "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요."),
    "FDS_ERROR": (403, "위험거래가 감지되어 결제가 제한됩니다."),
    "NOT_FOUND_PAYMENT": (404, "존재하지 않는 결제 정보 입니다."),
    "NOT_FOUND_PAYMENT_SESSION": (404, "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다."),
    "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING": (500, "결제가 완료되지 않았어요. 다시 시도해주세요."),
    "FAILED_INTERNAL_SYSTEM_PROCESSING": (500, "내부 시스템 처리 작업이 실패했습니다."),
    "UNKNOWN_PAYMENT_ERROR": (500, "결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요."),
}


def _now() -> str:
    return datetime.now(SEOUL).isoformat(timespec="seconds")


class TossStandIn:
    def __init__(self, *, secret_key: str = SECRET_KEY, port: int = 0):
        self.secret_key, self.port = secret_key, port
        self.payments: dict[str, dict] = {}  # paymentKey -> Payment object
        self.by_order: dict[str, str] = {}  # orderId -> paymentKey
        self.windows: dict[str, dict] = {}  # paymentKey -> {successUrl, failUrl}
        self.confirm_errors: dict[str, str] = {}  # orderId -> a code its next confirm answers
        self.confirm_delay = 0.0  # seconds to wait after a confirm is done, before answering
        self.cancel_answers: dict[str, tuple[int, dict]] = {}  # Idempotency-Key -> first answer
        self.planted_settlements: list[dict] = []
        self.calls: list[tuple[str, str]] = []  # (method, path) of every API call
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None

    # --- Lifecycle ----------------------------------------------------------------
    def __enter__(self) -> "TossStandIn":
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def count(self, method: str, path_start: str) -> int:
        return sum(1 for m, p in self.calls if m == method and p.startswith(path_start))

    # --- What the owner and the bank do --------------------------------------------
    def authorize(self, payment_key: str) -> str:
        """The owner pays in the window: where Toss sends their browser (successUrl)."""
        with self.lock:
            payment = self.payments[payment_key]
            if payment["status"] == "READY":
                payment["status"] = "IN_PROGRESS"
            query = urlencode(
                {"paymentKey": payment_key, "orderId": payment["orderId"], "amount": payment["totalAmount"]}
            )
            return _join(self.windows[payment_key]["successUrl"], query)

    def give_up(self, payment_key: str) -> str:
        with self.lock:
            payment = self.payments[payment_key]
            query = urlencode(
                {
                    "code": "PAY_PROCESS_CANCELED",
                    "message": "사용자에 의해 결제가 취소되었습니다.",
                    "orderId": payment["orderId"],
                }
            )
            return _join(self.windows[payment_key]["failUrl"], query)

    def key_of(self, order_id) -> str:
        return self.by_order[str(order_id)]

    def deposit(self, payment_key: str) -> bytes:
        """The owner's transfer reaches the virtual account: DONE, and the DEPOSIT_CALLBACK body."""
        with self.lock:
            payment = self.payments[payment_key]
            assert payment["status"] == "WAITING_FOR_DEPOSIT", payment["status"]
            payment["status"], payment["approvedAt"] = "DONE", _now()
            body = {
                "createdAt": _now(),
                "secret": payment["secret"],
                "status": "DONE",
                "transactionKey": payment["lastTransactionKey"],
                "orderId": payment["orderId"],
            }
        return json.dumps(body, ensure_ascii=False).encode()

    def status_changed(self, payment_key: str) -> bytes:
        """A PAYMENT_STATUS_CHANGED webhook's body for the payment as it is now."""
        with self.lock:
            data = dict(self.payments[payment_key])
        body = {"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": _now(), "data": data}
        return json.dumps(body, ensure_ascii=False).encode()

    @staticmethod
    def send_webhook(url: str, body: bytes) -> int:
        """POST a webhook to our endpoint over HTTP, as Toss does; its status code."""
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # --- The API ---------------------------------------------------------------------
    def create(self, body: dict) -> tuple[int, dict]:
        required = ("method", "amount", "orderId", "orderName", "successUrl", "failUrl")
        if any(not body.get(k) for k in required) or not isinstance(body["amount"], int) or body["amount"] < 100:
            return _error("INVALID_REQUEST")
        if body["method"] not in ("카드", "가상계좌"):
            return _error("INVALID_REQUEST")
        with self.lock:
            if body["orderId"] in self.by_order:
                return 400, {
                    "code": "DUPLICATED_ORDER_ID",
                    "message": "이미 승인 및 취소가 진행된 중복된 주문번호 입니다.",
                }
            key = "tpk_" + secrets.token_hex(12)
            payment = {
                "mId": "tosspayments",
                "version": "2022-11-16",
                "paymentKey": key,
                "orderId": body["orderId"],
                "orderName": body["orderName"],
                "currency": "KRW",
                "method": body["method"],
                "status": "READY",
                "totalAmount": body["amount"],
                "balanceAmount": body["amount"],
                "requestedAt": _now(),
                "approvedAt": None,
                "lastTransactionKey": None,
                "cancels": None,
                "virtualAccount": None,
                "secret": None,
                "failure": None,
                "checkout": {"url": f"{self.base_url}/v1/payments/{key}/checkout"},
            }
            self.payments[key], self.by_order[body["orderId"]] = payment, key
            self.windows[key] = {"successUrl": body["successUrl"], "failUrl": body["failUrl"]}
        return 200, payment

    def confirm(self, body: dict) -> tuple[int, dict]:
        key, order_id, amount = body.get("paymentKey"), body.get("orderId"), body.get("amount")
        with self.lock:
            planted = self.confirm_errors.pop(str(order_id), None)
            if planted:
                return _error(planted)
            payment = self.payments.get(key or "")
            if payment is None or payment["orderId"] != order_id or payment["status"] == "READY":
                return _error("NOT_FOUND_PAYMENT_SESSION")
            if payment["status"] in ("DONE", "WAITING_FOR_DEPOSIT", "CANCELED", "PARTIAL_CANCELED"):
                return _error("ALREADY_PROCESSED_PAYMENT")
            if amount != payment["totalAmount"]:
                return _error("INVALID_REQUEST")
            payment["lastTransactionKey"] = secrets.token_hex(16)
            if payment["method"] == "가상계좌":
                payment["status"], payment["secret"] = "WAITING_FOR_DEPOSIT", "ps_" + secrets.token_hex(12)
                payment["virtualAccount"] = {
                    "accountType": "일반",
                    "accountNumber": "X6505636518308",
                    "bankCode": "20",
                    "customerName": "",
                    "dueDate": (datetime.now(SEOUL) + timedelta(days=7)).isoformat(timespec="seconds"),
                    "expired": False,
                }
            else:
                payment["status"], payment["approvedAt"] = "DONE", _now()
            answer = dict(payment)
        if self.confirm_delay:
            time.sleep(self.confirm_delay)  # done at Toss; the answer is late
        return 200, answer

    def lookup(self, *, key: str | None = None, order_id: str | None = None) -> tuple[int, dict]:
        with self.lock:
            if order_id is not None:
                key = self.by_order.get(order_id)
            payment = self.payments.get(key or "")
            return (200, dict(payment)) if payment else _error("NOT_FOUND_PAYMENT")

    def cancel(self, key: str, body: dict, idempotency_key: str) -> tuple[int, dict]:
        with self.lock:
            if idempotency_key and idempotency_key in self.cancel_answers:
                return self.cancel_answers[idempotency_key]
            payment = self.payments.get(key)
            amount = body.get("cancelAmount", payment["balanceAmount"] if payment else 0)
            if payment is None:
                answer = _error("NOT_FOUND_PAYMENT")
            elif not body.get("cancelReason"):
                answer = _error("INVALID_REQUEST")
            elif payment["status"] not in ("DONE", "PARTIAL_CANCELED"):
                answer = 403, {"code": "NOT_CANCELABLE_PAYMENT", "message": "취소 할 수 없는 결제 입니다."}
            elif not isinstance(amount, int) or not 0 < amount <= payment["balanceAmount"]:
                answer = 403, {"code": "NOT_CANCELABLE_AMOUNT", "message": "취소 할 수 없는 금액 입니다."}
            else:
                payment["balanceAmount"] -= amount
                payment["status"] = "CANCELED" if payment["balanceAmount"] == 0 else "PARTIAL_CANCELED"
                payment["cancels"] = [
                    *(payment["cancels"] or []),
                    {
                        "transactionKey": secrets.token_hex(16),
                        "cancelReason": body["cancelReason"],
                        "cancelAmount": amount,
                        "canceledAt": _now(),
                        "cancelStatus": "DONE",
                    },
                ]
                answer = 200, dict(payment)
            if idempotency_key:
                self.cancel_answers[idempotency_key] = answer
            return answer

    def settlements(self, start: str, end: str, page: int, size: int) -> tuple[int, list[dict]]:
        rows = []
        with self.lock:
            for payment in self.payments.values():
                if payment["approvedAt"] and start <= payment["approvedAt"][:10] <= end:
                    rows.append(_line(payment, payment["totalAmount"], payment["approvedAt"][:10], cancel=None))
                for cancel in payment["cancels"] or []:
                    if start <= cancel["canceledAt"][:10] <= end:
                        rows.append(_line(payment, -cancel["cancelAmount"], cancel["canceledAt"][:10], cancel=cancel))
            rows += [row for row in self.planted_settlements if start <= row["soldDate"] <= end]
        return 200, rows[(page - 1) * size : page * size]


def _line(payment: dict, amount: int, day: str, *, cancel) -> dict:
    return {
        "mId": payment["mId"],
        "paymentKey": payment["paymentKey"],
        "transactionKey": cancel["transactionKey"] if cancel else payment["lastTransactionKey"],
        "orderId": payment["orderId"],
        "currency": "KRW",
        "method": payment["method"],
        "amount": amount,
        "interestFee": 0,
        "fees": [],
        "supplyAmount": amount,
        "vat": 0,
        "payOutAmount": amount,
        "approvedAt": payment["approvedAt"],
        "soldDate": day,
        "paidOutDate": day,
        "cancel": cancel,
    }


def _error(code: str) -> tuple[int, dict]:
    status, message = CONFIRM_ERRORS[code]
    return status, {"code": code, "message": message}


def _join(url: str, query: str) -> str:
    return url + ("&" if urlsplit(url).query else "?") + query


_WINDOW = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>토스페이먼츠 (stand-in)</title></head>
<body><main><h1>토스페이먼츠 결제 (stand-in)</h1><p>{order_name} · {amount:,}원 · {method}</p>
<form method="post"><button name="outcome" value="pay">결제 승인</button>
<button name="outcome" value="give_up">결제 취소</button></form></main></body></html>"""


def _handler(standin: TossStandIn):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _json(self, status: int, body) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            expected = "Basic " + base64.b64encode(f"{standin.secret_key}:".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._json(*_error("UNAUTHORIZED_KEY"))
                return False
            return True

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return {}
            try:
                parsed = json.loads(raw)
            except ValueError:
                return {}
            return parsed if isinstance(parsed, dict) else {}

        def do_GET(self):
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/").split("/")
            if len(path) == 5 and path[1:3] == ["v1", "payments"] and path[4] == "checkout":
                payment = standin.payments.get(path[3])
                if payment is None:
                    self._json(404, {"code": "NOT_FOUND_PAYMENT", "message": "존재하지 않는 결제 정보 입니다."})
                    return
                page = _WINDOW.format(
                    order_name=payment["orderName"], amount=payment["totalAmount"], method=payment["method"]
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            standin.calls.append(("GET", parts.path))
            if not self._authorised():
                return
            if parts.path == "/v1/settlements":
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if not query.get("startDate") or not query.get("endDate"):
                    self._json(*_error("INVALID_REQUEST"))
                    return
                self._json(
                    *standin.settlements(
                        query["startDate"], query["endDate"], int(query.get("page", 1)), int(query.get("size", 100))
                    )
                )
            elif len(path) == 5 and path[1:4] == ["v1", "payments", "orders"]:
                self._json(*standin.lookup(order_id=path[4]))
            elif len(path) == 4 and path[1:3] == ["v1", "payments"]:
                self._json(*standin.lookup(key=path[3]))
            else:
                self._json(404, {"code": "NOT_FOUND", "message": "존재하지 않는 정보 입니다."})

        def do_POST(self):
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/").split("/")
            if len(path) == 5 and path[1:3] == ["v1", "payments"] and path[4] == "checkout":
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                key = path[3]
                go = standin.authorize(key) if form.get("outcome") == ["pay"] else standin.give_up(key)
                self.send_response(303)
                self.send_header("Location", go)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            standin.calls.append(("POST", parts.path))
            if not self._authorised():
                return
            body = self._body()
            if parts.path == "/v1/payments":
                self._json(*standin.create(body))
            elif parts.path == "/v1/payments/confirm":
                self._json(*standin.confirm(body))
            elif len(path) == 5 and path[1:3] == ["v1", "payments"] and path[4] == "cancel":
                self._json(*standin.cancel(path[3], body, self.headers.get("Idempotency-Key", "")))
            else:
                self._json(404, {"code": "NOT_FOUND", "message": "존재하지 않는 정보 입니다."})

    return Handler


if __name__ == "__main__":
    with TossStandIn(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0) as toss:
        print(f"Toss Payments stand-in at {toss.base_url} (secret key {toss.secret_key})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
