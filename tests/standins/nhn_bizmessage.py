"""A local stand-in for NHN Cloud KakaoTalk Bizmessage (AlimTalk API v2.3), over real
HTTP on 127.0.0.1, speaking the contract the notifier uses (docs/notices.md):

- `X-Secret-Key` checked against the app key's secret (`header.resultCode` -1001, as
  NHN answers), an unknown app key (-1000), an unknown sender key (-1006), a second
  request with the same `X-NC-API-IDEMPOTENCY-KEY` within ten minutes (-1005);
- `POST /alimtalk/v2.3/appkeys/{appkey}/raw-messages`: each recipient's text and button
  are checked against the registered template (`#{...}` filled with any text); what
  does not match is refused by Kakao afterwards (result code 3016), and a number the
  stand-in is told is not a KakaoTalk user fails with 3019; either then goes as the
  SMS/LMS of its `resendParameter` (resendStatus RSC04, or RSC05 for numbers whose text
  message fails too). A number that does not exist fails with 3008, fallback failing too;
- `GET …/messages?recipientGroupingKey=…`: the messages sent with that key;
- `GET …/message-results?startUpdateDate=…&endUpdateDate=…&pageNum&pageSize`;
- 429 past `rate_per_second` requests a second; a 500 for the next `fail_next` sends;
  an answer held `delay` seconds for the next `slow_next` sends (after storing the message,
  as a real server that is slow to answer has it).

`python -m tests.standins.nhn_bizmessage` serves it on port 8088 with our templates.
"""

import json
import re
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
APP_KEY, SECRET_KEY, SENDER_KEY = "standin-appkey", "standin-secret", "standin-sender-key-0000000000000000000000"
PATH = re.compile(r"^/alimtalk/v2\.3/appkeys/(?P<appkey>[^/]+)/(?P<what>raw-messages|messages|message-results)$")


def _now() -> str:
    return datetime.now(KST).strftime("%Y-%m-%d %H:%M:%S")


def _pattern(text: str) -> re.Pattern:
    parts = re.split(r"#\{[^{}]+\}", text)
    return re.compile("^" + "(.+?)".join(re.escape(part) for part in parts) + "$", re.DOTALL)


@dataclass
class State:
    templates: dict[str, tuple[re.Pattern, re.Pattern]] = field(default_factory=dict)
    messages: list[dict] = field(default_factory=list)
    not_kakao_users: set[str] = field(default_factory=set)
    no_such_numbers: set[str] = field(default_factory=set)
    sms_fails: set[str] = field(default_factory=set)
    rate_per_second: int = 1000
    fail_next: int = 0
    slow_next: int = 0
    delay: float = 0.0
    send_requests: int = 0
    idempotency_keys: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    window: tuple[int, int] = (0, 0)

    def register(self, code: str, text: str, button_link: str) -> None:
        self.templates[code] = (_pattern(text), _pattern(button_link))

    def over_rate(self) -> bool:
        second = int(time.time())
        with self.lock:
            start, count = self.window
            self.window = (second, 1) if start != second else (second, count + 1)
            return self.window[1] > self.rate_per_second


class Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _header(self, code: int, message: str) -> dict:
        return {"header": {"resultCode": code, "resultMessage": message, "isSuccessful": code == 0}}

    def _route(self):
        url = urlparse(self.path)
        match = PATH.match(url.path)
        if match is None:
            self._answer(404, self._header(-1, "Not Found"))
            return None
        if match["appkey"] != APP_KEY:
            self._answer(200, self._header(-1000, "Invalid appKey."))
            return None
        if self.headers.get("X-Secret-Key") != SECRET_KEY:
            self._answer(200, self._header(-1001, "Invalid secretKey."))
            return None
        return match["what"], parse_qs(url.query)

    def do_GET(self) -> None:
        route = self._route()
        if route is None:
            return
        what, query = route
        one = {key: values[0] for key, values in query.items()}
        with self.state.lock:
            messages = list(self.state.messages)
        if what == "messages":
            key = one.get("recipientGroupingKey")
            found = [m for m in messages if key is None or m["recipientGroupingKey"] == key]
        elif what == "message-results":
            start, end = one.get("startUpdateDate", ""), one.get("endUpdateDate", "9999")
            found = [m for m in messages if start <= m["updateDate"] <= end]
        else:
            self._answer(405, self._header(-1, "Method Not Allowed"))
            return
        page, size = int(one.get("pageNum", 1)), int(one.get("pageSize", 15))
        shown = found[(page - 1) * size : page * size]
        self._answer(
            200,
            {
                **self._header(0, "SUCCESS"),
                "messageSearchResultResponse": {"messages": shown, "totalCount": len(found)},
            },
        )

    def do_POST(self) -> None:
        route = self._route()
        if route is None:
            return
        what, _query = route
        if what != "raw-messages":
            self._answer(405, self._header(-1, "Method Not Allowed"))
            return
        state = self.state
        if state.over_rate():
            self._answer(429, self._header(-9999, "Too Many Requests"))
            return
        with state.lock:
            state.send_requests += 1
            if state.fail_next:
                state.fail_next -= 1
                failing = True
            else:
                failing = False
            slow = state.slow_next > 0
            if slow:
                state.slow_next -= 1
        if failing:
            self._answer(500, self._header(-9999, "Internal Server Error"))
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        idempotency_key = self.headers.get("X-NC-API-IDEMPOTENCY-KEY")
        if idempotency_key:
            with state.lock:
                seen = state.idempotency_keys.get(idempotency_key)
                fresh = seen is None or time.time() - seen > 600
                if fresh:
                    state.idempotency_keys[idempotency_key] = time.time()
            if not fresh:
                message = "The same 'X-NC-API-IDEMPOTENCY-KEY' was used within the last 10 minute."
                self._answer(200, self._header(-1005, message))
                return
        if body.get("senderKey") != SENDER_KEY:
            self._answer(200, self._header(-1006, "Plus friend don't have senderKey."))
            return
        template = state.templates.get(body.get("templateCode", ""))
        request_id = datetime.now(KST).strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:12]
        results = []
        for seq, recipient in enumerate(body.get("recipientList") or [], start=1):
            number = recipient.get("recipientNo", "")
            if not re.fullmatch(r"01\d{8,9}", number):
                results.append(
                    {
                        "recipientSeq": seq,
                        "recipientNo": number,
                        "resultCode": -2004,
                        "resultMessage": "The 'recipientNo' must be between 10 and 11.",
                        "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                    }
                )
                continue
            state_row = self._outcome(template, recipient, number)
            row = {
                "requestId": request_id,
                "recipientSeq": seq,
                "plusFriendId": "@standin",
                "senderKey": SENDER_KEY,
                "templateCode": body.get("templateCode"),
                "recipientNo": number,
                "content": recipient.get("content"),
                "buttons": recipient.get("buttons") or [],
                "requestDate": _now(),
                "createDate": _now(),
                "updateDate": _now(),
                "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                **state_row,
            }
            with state.lock:
                state.messages.append(row)
            results.append(
                {
                    "recipientSeq": seq,
                    "recipientNo": number,
                    "resultCode": 0,
                    "resultMessage": "SUCCESS",
                    "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                }
            )
        if slow:
            time.sleep(state.delay)
        self._answer(
            200,
            {
                **self._header(0, "SUCCESS"),
                "message": {"requestId": request_id, "senderGroupingKey": None, "sendResults": results},
            },
        )

    def _outcome(self, template, recipient: dict, number: str) -> dict:
        """What Kakao (and the fallback) will make of the message, decided at once."""
        buttons = recipient.get("buttons") or []
        matches = (
            template is not None
            and template[0].match(recipient.get("content") or "") is not None
            and len(buttons) == 1
            and buttons[0].get("type") == "WL"
            and template[1].match(buttons[0].get("linkMo") or "") is not None
        )
        resend = recipient.get("resendParameter") or {}
        if number in self.state.no_such_numbers:
            code, name = "3008", "InvalidPhoneNumberException"
        elif not matches:
            code, name = "3016", "NoMatchedTemplateException"
        elif number in self.state.not_kakao_users:
            code, name = "3019", "NotTalkUserException"
        else:
            return {
                "messageStatus": "COMPLETED",
                "resultCode": "1000",
                "resultCodeName": "성공",
                "receiveDate": _now(),
                "resendStatus": "RSC01",
            }
        failed = {"messageStatus": "FAILED", "resultCode": code, "resultCodeName": name}
        if not resend.get("isResend"):
            return {**failed, "resendStatus": "RSC01"}
        if number in self.state.sms_fails or number in self.state.no_such_numbers:
            return {**failed, "resendStatus": "RSC05", "resendType": resend.get("resendType")}
        return {
            **failed,
            "resendStatus": "RSC04",
            "resendType": resend.get("resendType"),
            "resendContent": resend.get("resendContent"),
            "resendResultDate": _now(),
        }


@contextmanager
def running(state: State | None = None):
    """The stand-in on a free port: yields (base URL, state)."""
    state = state or State()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def with_our_templates(state: State, base_url: str) -> State:
    """Register every template of notifications/alimtalk.py, as the channel's console would."""
    from backend.notifications import alimtalk

    for template in alimtalk.TEMPLATES.values():
        state.register(template.code, template.text, base_url + alimtalk.BUTTON_PATH)
    return state


@contextmanager
def serving(settings):
    """The stand-in with our templates, and Django's settings (pytest-django's
    `settings` fixture) pointing the AlimTalk notifier at it: yields its state."""
    with running() as (base_url, state):
        with_our_templates(state, settings.PUBLIC_BASE_URL)
        settings.ALIMTALK_NOTIFIER_CLASS = "backend.notifications.nhn_bizmessage.NhnAlimTalkNotifier"
        settings.NHN_BIZMESSAGE_BASE_URL = base_url
        settings.NHN_BIZMESSAGE_APP_KEY = APP_KEY
        settings.NHN_BIZMESSAGE_SECRET_KEY = SECRET_KEY
        settings.NHN_BIZMESSAGE_SENDER_KEY = SENDER_KEY
        settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO = "0212345678"
        settings.NHN_BIZMESSAGE_TIMEOUT_SECONDS = 0.3
        settings.NHN_BIZMESSAGE_RATE_PER_SECOND = 1000
        yield state


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    django.setup()
    from django.conf import settings

    server_state = with_our_templates(State(), settings.PUBLIC_BASE_URL)
    handler = type("BoundHandler", (Handler,), {"state": server_state})
    print(f"NHN Bizmessage stand-in on http://127.0.0.1:8088: app key {APP_KEY}, secret {SECRET_KEY}")
    print(f"sender key {SENDER_KEY}")
    ThreadingHTTPServer(("127.0.0.1", 8088), handler).serve_forever()
