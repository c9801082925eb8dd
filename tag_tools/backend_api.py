"""The few backend endpoints the tool calls, with the API's error shape turned into ToolError."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import requests

from tag_tools.errors import ExitStatus, ToolError

REQUEST_TIMEOUT = 20  # seconds; a district's bins come a page at a time


class BackendClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})

    def bins(self, *, restaurant: str | None = None, district: str | None = None) -> Iterator[dict[str, Any]]:
        """Every bin of the restaurant or district, following the pages."""
        params = {"restaurant": restaurant} if restaurant else {"district": district}
        url: str | None = self._url("api/v1/bins/")
        while url:
            page = self._request("GET", url, params=params)
            yield from page["results"]
            url, params = self._same_origin(page.get("next")), None

    def tag(self, code: str) -> dict[str, Any]:
        return self._request("GET", self._url(f"api/v1/tags/{quote(code)}/"))

    def report_nfc_uid(self, code: str, uid: str) -> dict[str, Any]:
        return self._request("POST", self._url(f"api/v1/tags/{quote(code)}/nfc-uid/"), json={"uid": uid})

    def _url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def _same_origin(self, next_url: str | None) -> str | None:
        """The next page on the host we were given: behind a proxy the API may name itself http:// or another host,
        and the token should only go where the official pointed the tool."""
        if not next_url:
            return None
        base, page = urlsplit(self.base_url), urlsplit(next_url)
        return urlunsplit((base.scheme, base.netloc, page.path, page.query, ""))

    def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, url, timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise ToolError(
                "backend_unreachable",
                f"서버에 연결할 수 없습니다. Cannot reach the backend at {self.base_url}: {error.__class__.__name__}.",
                ExitStatus.BACKEND,
            ) from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.ok and isinstance(body, dict):
            return body
        raise _backend_error(response, body)


def _backend_error(response: requests.Response, body: Any) -> ToolError:
    if response.status_code == 401:
        return ToolError(
            "token_rejected",
            "토큰이 거부되었습니다. The backend rejected the token (401); get a new one with POST /api/v1/auth/token/.",
            ExitStatus.BACKEND,
        )
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("code"):
        return ToolError(str(error["code"]), str(error.get("message", "")), ExitStatus.BACKEND)
    return ToolError(
        "backend_error",
        f"서버 응답을 처리할 수 없습니다. Unexpected answer {response.status_code} from {response.url}.",
        ExitStatus.BACKEND,
    )
