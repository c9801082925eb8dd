"""A tiny backend on loopback that answers the tag tools' requests as the API contract says."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from backend.tags import codes

TOKEN = "officials-token"
PUBLIC_BASE_URL = "https://waste.example.go.kr"
DISTRICT = "5f0c1c1e-0000-4000-8000-00000000d157"
RESTAURANT = "0d3b7a52-0000-4000-8000-0000000000a1"


def tag_json(code: str, manual_code: str, *, status: str = "active", nfc_uid: str = "") -> dict:
    return {
        "code": code,
        "url": f"{PUBLIC_BASE_URL}/t/{code}",
        "manual_code": manual_code,
        "manual_code_display": f"{manual_code[:4]}-{manual_code[4:8]}-{manual_code[8:]}",
        "status": status,
        "nfc_uid": nfc_uid,
        "bin": "b1",
    }


def bin_json(bin_id: str, restaurant_name: str, label: str, tag: dict | None) -> dict:
    return {
        "id": bin_id,
        "restaurant": RESTAURANT,
        "restaurant_name": restaurant_name,
        "capacity_liters": 120,
        "label": label,
        "status": "active",
        "active_tag": tag,
    }


MANUAL_CODES = [body + codes.manual_check_character(body) for body in ("ABCDEFGH", "23456789", "KMNPQRST")]


@dataclass
class FakeBackend:
    """Serves /api/v1/bins/ in two pages, /api/v1/tags/<code>/ and records POSTed NFC UIDs."""

    base_url: str = ""
    bin_pages: list[list[dict]] = field(default_factory=list)
    tags: dict[str, dict] = field(default_factory=dict)
    reported_uids: list[tuple[str, str]] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)


@contextmanager
def serving_backend() -> Iterator[FakeBackend]:
    fake = FakeBackend()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Token {TOKEN}":
                return True
            self._answer(401, {"error": {"code": "not_authenticated", "message": "Invalid token.", "fields": {}}})
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            if url.path == "/api/v1/bins/":
                fake.queries.append(query)
                page = int(query.get("page", "1"))
                scope = {key: value for key, value in query.items() if key in ("restaurant", "district")}
                # DRF names the next page with the host it was asked for; behind a proxy that can be wrong.
                next_page = (
                    f"http://localhost:1/api/v1/bins/?{'&'.join(f'{k}={v}' for k, v in scope.items())}&page={page + 1}"
                    if page < len(fake.bin_pages)
                    else None
                )
                results = fake.bin_pages[page - 1]
                count = sum(len(p) for p in fake.bin_pages)
                self._answer(200, {"count": count, "next": next_page, "previous": None, "results": results})
            elif url.path.startswith("/api/v1/tags/") and url.path.count("/") == 5:
                code = url.path.split("/")[4]
                if code in fake.tags:
                    self._answer(200, fake.tags[code])
                else:
                    self._answer(404, {"error": {"code": "not_found", "message": "No such tag.", "fields": {}}})
            else:
                self._answer(404, {"error": {"code": "not_found", "message": "Not found.", "fields": {}}})

        def do_POST(self) -> None:
            if not self._authorised():
                return
            parts = urlsplit(self.path).path.split("/")
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if len(parts) == 7 and parts[5] == "nfc-uid" and parts[4] in fake.tags:
                fake.reported_uids.append((parts[4], body["uid"]))
                fake.tags[parts[4]]["nfc_uid"] = body["uid"]
                self._answer(200, fake.tags[parts[4]])
            else:
                self._answer(404, {"error": {"code": "not_found", "message": "Not found.", "fields": {}}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
