"""A small stand-in for the backend's batch API, on 127.0.0.1, for the reader's tests and bench.

It keeps events in a dict keyed by id and answers like the contract says: created,
duplicate (same id, same body) or rejected (with an error). It can also misbehave
on purpose: refuse the token, fail with 5xx/429, store a batch and then drop the
connection before answering (the network cut that makes retries necessary), answer
400 for a whole batch because of one event in it (a body the server cannot read),
or stop listening and come back on the same port.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "test-token"
UNKNOWN_TAG = {"code": "unknown_tag", "message": "등록되지 않은 태그입니다.", "fields": {}}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # cut connections are the point of some tests; no tracebacks for them


class FakeBackend:
    def __init__(self, *, token: str = TOKEN, bins: list[dict[str, Any]] | None = None):
        self.token = token
        self.bins = bins or []
        self.events: dict[str, dict[str, Any]] = {}  # id → the body first received
        self.batches: list[int] = []  # size of every batch received, answered or not
        self.failures: list[tuple[int, dict[str, str]]] = []  # (status, headers) to answer the next requests with
        self.drop_after_storing = 0  # next N batches: store, then cut the connection without answering
        self.go_down_at_batch: int | None = None  # that batch is stored, unanswered, and the server goes away
        self.answer_only_first: int | None = None  # answer for only this many events (a buggy proxy)
        self.max_batch = 1000
        self.reject: Callable[[dict[str, Any]], dict[str, Any] | None] = self._reject_unknown_tags
        # An event for which this is true makes the whole batch it is in answer 400.
        self.unreadable: Callable[[dict[str, Any]], bool] = lambda event: False
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self.port = 0

    @staticmethod
    def _reject_unknown_tags(event: dict[str, Any]) -> dict[str, Any] | None:
        return UNKNOWN_TAG if "unknown" in str(event.get("tag")) else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBackend:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with backend.lock:
                    backend._connections.add(self.connection)

            def finish(self) -> None:
                with backend.lock:
                    backend._connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                backend._handle(self, "POST")

            def do_GET(self) -> None:
                backend._handle(self, "GET")

        self._server = _QuietServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are then refused); `start()` again to come back on the same port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self.lock:
            # Kept-alive connections would otherwise go on being served: cut them too.
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections.clear()

    def __enter__(self) -> FakeBackend:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the contract ---------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""  # always read it: the connection is kept alive
        if request.headers.get("Authorization") != f"Token {self.token}":
            return self._send(request, 401, {"error": {"code": "not_authenticated", "message": "Invalid token."}})
        with self.lock:
            if self.failures:
                status, headers = self.failures.pop(0)
                return self._send(request, status, {"error": {"code": "unavailable", "message": "busy"}}, headers)
        path = urlsplit(request.path)
        if method == "GET" and path.path == "/api/v1/bins/":
            return self._bins(request, parse_qs(path.query))
        if method == "POST" and path.path == "/api/v1/collections/batch/":
            return self._batch(request, json.loads(body))
        return self._send(request, 404, {"error": {"code": "not_found", "message": "Not found."}})

    def _batch(self, request: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        events = body["events"]
        with self.lock:
            self.batches.append(len(events))
            if len(events) > self.max_batch:
                error = {"code": "batch_too_large", "message": f"At most {self.max_batch} events per batch."}
                return self._send(request, 400, {"error": error})
            if any(self.unreadable(event) for event in events):
                error = {"code": "parse_error", "message": "요청을 읽을 수 없습니다. Malformed request.", "fields": {}}
                return self._send(request, 400, {"error": error})
            results = [self._record(event) for event in events]
            if self.go_down_at_batch == len(self.batches):
                self.go_down_at_batch = None
                request.close_connection = True
                threading.Thread(target=self.stop).start()
                return None
            if self.drop_after_storing:
                self.drop_after_storing -= 1
                request.close_connection = True  # stored, but the answer never reaches the truck
                return None
            if self.answer_only_first is not None:
                results = results[: self.answer_only_first]
        return self._send(request, 200, {"results": results})

    def _record(self, event: dict[str, Any]) -> dict[str, Any]:
        event_id = str(uuid.UUID(event["id"]))
        if event_id in self.events:
            if self.events[event_id] == event:
                return {"id": event_id, "status": "duplicate"}
            error = {"code": "idempotency_conflict", "message": "같은 ID로 다른 내용의 스캔이 이미 기록되었습니다."}
            return {"id": event_id, "status": "rejected", "error": {**error, "fields": {}}}
        if ("weight_kg" in event) == ("exception_code" in event):
            error = {"code": "validation_error", "message": "입력값을 확인해 주세요: weight_kg.", "fields": {}}
            return {"id": event_id, "status": "rejected", "error": error}
        if (error := self.reject(event)) is not None:
            return {"id": event_id, "status": "rejected", "error": error}
        self.events[event_id] = event
        return {"id": event_id, "status": "created"}

    def _bins(self, request: BaseHTTPRequestHandler, query: dict[str, list[str]]) -> None:
        page = int(query.get("page", ["1"])[0])
        size = 2
        chunk = self.bins[(page - 1) * size : page * size]
        more = page * size < len(self.bins)
        next_url = f"{self.url}/api/v1/bins/?page={page + 1}" if more else None
        self._send(request, 200, {"count": len(self.bins), "next": next_url, "previous": None, "results": chunk})

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)


def bin_entry(*, code: str, manual_code: str, restaurant_name: str, label: str, capacity: int = 120) -> dict[str, Any]:
    """One result of GET /api/v1/bins/, as the contract describes it."""
    return {
        "id": str(uuid.uuid4()),
        "restaurant": str(uuid.uuid4()),
        "restaurant_name": restaurant_name,
        "capacity_liters": capacity,
        "label": label,
        "status": "active",
        "active_tag": {
            "code": code,
            "url": f"https://waste.example.go.kr/t/{code}",
            "manual_code": manual_code,
            "manual_code_display": f"{manual_code[:4]}-{manual_code[4:8]}-{manual_code[8:]}",
            "status": "active",
            "nfc_uid": None,
        },
    }
