"""A TCP proxy on 127.0.0.1 between the truck's reader and the server, whose line can be cut.

It reads HTTP/1.1 requests and answers whole (Content-Length or chunked bodies), so it
knows which request it is carrying and can do what a mobile network does at the worst
moment: deliver a batch to the server, let the server store it, and lose the answer.
While the line is down, every open connection is gone and new ones are reset at once
(a real dead line would hang until the reader's timeout; a reset keeps the test short).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import BinaryIO

_MAX_LINE = 65536


@dataclass(slots=True)
class Exchange:
    """One request the proxy carried to the server, and the answer it got (if any)."""

    number: int  # 1-based, in the order the proxy received requests
    method: str
    path: str
    body: bytes
    status: int | None = None
    answer: bytes = b""
    delivered: bool = False  # the reader got the answer

    def request_json(self) -> dict:
        return json.loads(self.body)

    def answer_json(self) -> dict:
        return json.loads(self.answer)


@dataclass(slots=True)
class _Message:
    raw: bytes
    start_line: str
    body: bytes


def _read_line(stream: BinaryIO) -> bytes:
    line = stream.readline(_MAX_LINE)
    if not line.endswith(b"\n"):
        raise ConnectionError("connection closed inside a header")
    return line


def _read_message(stream: BinaryIO, *, until_close_without_length: bool) -> _Message | None:
    """One HTTP message off the stream; None when the peer closed between messages."""
    first = stream.readline(_MAX_LINE)
    if not first:
        return None
    if not first.endswith(b"\n"):
        raise ConnectionError("connection closed inside the start line")
    raw = [first]
    headers: dict[str, str] = {}
    while (line := _read_line(stream)) not in (b"\r\n", b"\n"):
        raw.append(line)
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raw.append(line)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = []
        while True:
            size_line = _read_line(stream)
            raw.append(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            chunk = stream.read(size + 2) if size else b""
            raw.append(chunk)
            body.append(chunk[:size])
            if size == 0:
                while (trailer := _read_line(stream)) not in (b"\r\n", b"\n"):
                    raw.append(trailer)
                raw.append(trailer)
                break
        content = b"".join(body)
    elif "content-length" in headers:
        content = stream.read(int(headers["content-length"]))
        raw.append(content)
    elif until_close_without_length:
        content = stream.read()
        raw.append(content)
    else:
        content = b""
    return _Message(raw=b"".join(raw), start_line=first.decode("latin-1").strip(), body=content)


def _reset(sock: socket.socket) -> None:
    """Close with RST rather than FIN: the peer's next read or write fails at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@dataclass
class CuttableProxy:
    upstream: tuple[str, int]
    lose_answer_to: int | None = None  # the Nth successful (2xx) answer is lost, and the line with it
    exchanges: list[Exchange] = field(default_factory=list)
    refused: int = 0  # connections reset while the line was down
    cut_happened: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._down = False
        self._closed = False
        self._successes = 0
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, name="proxy-accept", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> CuttableProxy:
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closed = True
        self.cut()
        self._acceptor.join(5)
        self._listener.close()

    def cut(self) -> None:
        """The line goes down: every open connection dies, new ones are reset."""
        with self._lock:
            self._down = True
            doomed, self._open = self._open, set()
        for sock in doomed:
            _reset(sock)
        self.cut_happened.set()

    def restore(self) -> None:
        with self._lock:
            self._down = False

    def exchanges_since(self, number: int) -> list[Exchange]:
        with self._lock:
            return [exchange for exchange in self.exchanges if exchange.number > number]

    def _track(self, sock: socket.socket) -> bool:
        with self._lock:
            if self._down:
                return False
            self._open.add(sock)
            return True

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._track(client):
                with self._lock:
                    self.refused += 1
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client,), name="proxy-connection", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        """Carry requests one at a time (HTTP/1.1 keep-alive, no pipelining), each on a fresh upstream connection."""
        try:
            from_client = client.makefile("rb")
            while (request := _read_message(from_client, until_close_without_length=False)) is not None:
                with self._lock:
                    method, path, _ = request.start_line.split(" ", 2)
                    exchange = Exchange(len(self.exchanges) + 1, method, path, request.body)
                    self.exchanges.append(exchange)
                answer = self._carry(request)
                if answer is None:
                    return
                exchange.status = int(answer.start_line.split(" ", 2)[1])
                exchange.answer = answer.body
                if self._is_answer_to_lose(exchange):
                    self.cut()  # the server has answered, so it has committed; the reader never hears of it
                    return
                client.sendall(answer.raw)
                exchange.delivered = True
        except (OSError, ValueError):
            pass  # a cut line, or a reader killed mid-request
        finally:
            self._forget(client)
            _reset(client)

    def _is_answer_to_lose(self, exchange: Exchange) -> bool:
        if exchange.status is None or not 200 <= exchange.status < 300:
            return False
        with self._lock:
            self._successes += 1
            return self._successes == self.lose_answer_to

    def _carry(self, request: _Message) -> _Message | None:
        upstream = socket.create_connection(self.upstream, timeout=60)
        if not self._track(upstream):
            _reset(upstream)
            return None
        try:
            upstream.sendall(request.raw)
            return _read_message(upstream.makefile("rb"), until_close_without_length=True)
        finally:
            self._forget(upstream)
            with contextlib.suppress(OSError):
                upstream.close()
