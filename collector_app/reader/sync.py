"""Sending the outbox to the backend, in batches, until every scan has an answer.

The server's answer for each event decides its fate (created/duplicate → synced,
rejected → kept with the reason). No network, a 5xx (503 while the database is
down), a 429, a 401 for the whole batch leave the scans queued; they are tried again
later with exponential backoff and jitter, and never sooner than the server's
Retry-After. Resending is safe: the event id is chosen here, at capture, and the
server answers "duplicate" for an id it already has.

A 400, 413 or 422 for a whole batch says something in the request is wrong, and
sending the same batch again would get the same answer forever. The batch is split
in halves until the event the server refuses is alone; that one is kept as rejected
with the server's reason and the others are delivered (about 2·log₂ n requests for
one bad event among n).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

import requests

from collector_app.reader.outbox import Outbox, Outcome, QueuedScan

log = logging.getLogger(__name__)

BATCH_LIMIT = 1000  # the server's limit per request
BATCH_PATH = "/api/v1/collections/batch/"
BINS_PATH = "/api/v1/bins/"
_STATUSES = ("created", "duplicate", "rejected")
# Whole-batch answers that are about the request's content: split the batch to find the event.
_CONTENT_REFUSALS = frozenset({400, 413, 422})
MAX_RETRY_AFTER_S = 3600.0  # a bogus header must not park a truck's outbox for days


class TransientFailure(Exception):
    """Worth retrying soon: no network, a timeout, a 5xx, a 429."""

    def __init__(self, message: str, *, retry_after_s: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s


class BatchRefused(Exception):
    """The server refused the whole request (4xx): a person must act, e.g. a new token."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds or as an HTTP date (RFC 9110), capped; None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return min(max((moment - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER_S)


def _refusal(response: requests.Response) -> BatchRefused:
    fields: dict = {}
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
        if isinstance(error.get("fields"), dict):
            fields = error["fields"]
    except (ValueError, KeyError, TypeError):
        code, message = f"http_{response.status_code}", response.text[:200]
    if response.status_code == 401:
        message = (
            f"인증 토큰이 유효하지 않습니다. 관리자에게 새 토큰을 받으세요. The API token was refused. ({message})"
        )
    elif response.status_code == 403:
        message = f"이 계정은 수거 기록 권한이 없습니다. This account may not record collections. ({message})"
    return BatchRefused(response.status_code, code, message, fields)


def _outcome(raw: Any) -> Outcome | None:
    if not isinstance(raw, dict) or raw.get("status") not in _STATUSES:
        return None
    try:
        event_id = uuid.UUID(str(raw["id"]))
    except (KeyError, ValueError):
        return None
    if raw["status"] != "rejected":
        return Outcome(id=event_id, status=raw["status"])
    error = raw.get("error") if isinstance(raw.get("error"), dict) else {}
    return Outcome(
        id=event_id,
        status="rejected",
        error_code=str(error.get("code") or "rejected"),
        error_message=str(error.get("message") or ""),
        error_fields=error.get("fields") if isinstance(error.get("fields"), dict) else {},
    )


class Api:
    """The backend's HTTP API, as the reader uses it. Token auth, JSON both ways."""

    def __init__(self, base_url: str, token: str, *, timeout_s: tuple[float, float] = (5.0, 60.0)):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.session.headers["User-Agent"] = "foodwaste-collector-reader/1"

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout_s, **kwargs)
        except requests.RequestException as error:
            raise TransientFailure(
                f"서버에 연결할 수 없습니다. Cannot reach the server: {type(error).__name__}"
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientFailure(
                f"서버가 일시적으로 응답하지 못합니다. The server is busy (HTTP {response.status_code}).",
                retry_after_s=_retry_after(response),
            )
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def post_batch(self, events: list[dict[str, str]]) -> list[Outcome]:
        """One request; one Outcome per event the server answered (unparseable answers are left out)."""
        response = self._request("POST", self.base_url + BATCH_PATH, json={"events": events})
        try:
            results = response.json()["results"]
        except (ValueError, KeyError, TypeError):
            raise TransientFailure(
                f"서버 응답을 읽을 수 없습니다. Unreadable answer (HTTP {response.status_code})."
            ) from None
        if not isinstance(results, list):
            raise TransientFailure("서버 응답을 읽을 수 없습니다. Unreadable answer: no results list.")
        return [outcome for raw in results if (outcome := _outcome(raw)) is not None]

    def list_bins(self, *, district: str | None = None) -> Iterator[dict[str, Any]]:
        """Every bin the account may see (following pagination), for the local bin directory."""
        url: str | None = self.base_url + BINS_PATH
        params = {"district": district} if district else None
        while url:
            page = self._request("GET", url, params=params).json()
            yield from page.get("results", [])
            url, params = page.get("next"), None


class LinkState(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Link:
    """How the last contact with the server went, for the crew's screen."""

    state: LinkState = LinkState.UNKNOWN
    message: str = ""
    at: datetime | None = None
    retry_at: float | None = None  # time.monotonic() of the next attempt


@dataclass(slots=True)
class SyncReport:
    sent: int = 0
    created: int = 0
    duplicate: int = 0
    rejected: int = 0
    unanswered: int = 0
    failure: TransientFailure | BatchRefused | None = None

    @property
    def synced(self) -> int:
        return self.created + self.duplicate


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with jitter: base·2ⁿ capped, then a random half of that added.

    The jitter keeps a fleet of trucks that lost the network together (a tunnel, a
    server restart) from all coming back in the same second.
    """

    base_s: float = 1.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self, *, at_least_s: float | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * 2**self.attempt)
        self.attempt += 1
        delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        return max(delay, at_least_s or 0.0)

    def reset(self) -> None:
        self.attempt = 0


class Syncer:
    """Moves queued scans to the server. `sync_once()` for one pass; `start()` for the thread."""

    def __init__(
        self,
        outbox: Outbox,
        api: Api,
        *,
        batch_size: int = BATCH_LIMIT,
        backoff: Backoff | None = None,
        refused_retry_s: float = 120.0,
        interval_s: float = 30.0,
        on_change: Callable[[], None] = lambda: None,
        directory_refresh: Callable[[], None] | None = None,
        directory_refresh_s: float = 3600.0,
    ):
        if not 1 <= batch_size <= BATCH_LIMIT:
            raise ValueError(f"batch_size must be 1..{BATCH_LIMIT}")
        self.outbox = outbox
        self.api = api
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self.refused_retry_s = refused_retry_s
        self.interval_s = interval_s
        self.on_change = on_change
        self.directory_refresh = directory_refresh
        self.directory_refresh_s = directory_refresh_s
        self._link = Link()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._directory_due = 0.0

    @property
    def link(self) -> Link:
        return self._link

    def _set_link(self, state: LinkState, message: str = "", retry_at: float | None = None) -> None:
        self._link = Link(state=state, message=message, at=datetime.now(UTC), retry_at=retry_at)

    def sync_once(self) -> SyncReport:
        """Send every scan queued right now, a batch at a time; stop at the first failure."""
        report = SyncReport()
        after = 0
        while batch := self.outbox.queued(after=after, limit=self.batch_size):
            after = batch[-1].position
            self.outbox.note_attempt(queued.scan.id for queued in batch)
            failure: TransientFailure | BatchRefused | None = None
            try:
                self._deliver(batch, report)
            except BatchRefused as refusal:
                if refusal.code == "batch_too_large" and len(batch) > 1:
                    # The server's limit is lower than ours: halve and resend the same scans.
                    self.batch_size = max(1, len(batch) // 2)
                    after = batch[0].position - 1
                    log.warning("server refused %d events in one batch; trying %d", len(batch), self.batch_size)
                    continue
                failure = refusal
            except TransientFailure as transient:
                failure = transient
            if failure is not None:
                report.failure = failure
                state = LinkState.OFFLINE if isinstance(failure, TransientFailure) else LinkState.REFUSED
                self._set_link(state, failure.message)
                log.warning("sync failed: %s", failure)
                break
            self._set_link(LinkState.ONLINE)
            self.on_change()
        if report.unanswered and report.failure is None:
            # Unanswered scans stay queued; try them again like after a network error.
            report.failure = TransientFailure(
                f"서버가 {report.unanswered}건에 답하지 않았습니다. "
                f"The server did not answer {report.unanswered} scans."
            )
        return report

    def _deliver(self, batch: Sequence[QueuedScan], report: SyncReport) -> None:
        """Send the batch and record the answers; on a content refusal, bisect (module docstring).

        Halves already answered stay settled when a later half fails transiently."""
        try:
            outcomes = self.api.post_batch([queued.scan.to_event() for queued in batch])
        except BatchRefused as refusal:
            if refusal.status not in _CONTENT_REFUSALS or refusal.code == "batch_too_large":
                raise
            if len(batch) > 1:
                middle = len(batch) // 2
                self._deliver(batch[:middle], report)
                self._deliver(batch[middle:], report)
                return
            log.warning("server refused scan %s on its own: %s", batch[0].scan.id, refusal)
            outcomes = [
                Outcome(
                    id=batch[0].scan.id,
                    status="rejected",
                    error_code=refusal.code,
                    error_message=refusal.message,
                    error_fields=refusal.fields,
                )
            ]
        sent_ids = {queued.scan.id for queued in batch}
        outcomes = [outcome for outcome in outcomes if outcome.id in sent_ids]
        self.outbox.settle(outcomes)
        report.sent += len(batch)
        for outcome in outcomes:
            setattr(report, outcome.status, getattr(report, outcome.status) + 1)
        report.unanswered += len(batch) - len({outcome.id for outcome in outcomes})

    def _delay_after(self, report: SyncReport) -> float:
        if report.failure is None:
            self.backoff.reset()
            return self.interval_s
        if isinstance(report.failure, BatchRefused):
            return self.backoff.next_delay(at_least_s=self.refused_retry_s)
        return self.backoff.next_delay(at_least_s=report.failure.retry_after_s)

    def flush(self, *, timeout_s: float, sleep: Callable[[float], None] = time.sleep) -> SyncReport:
        """Retry with backoff until the queue is empty or `timeout_s` passed. For `--sync-only`."""
        deadline = time.monotonic() + timeout_s
        total = SyncReport()
        while True:
            report = self.sync_once()
            for name in ("sent", "created", "duplicate", "rejected"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.failure = report.failure
            if report.failure is None and not self.outbox.counts().queued:
                return total
            delay = self._delay_after(report)
            if time.monotonic() + delay > deadline:
                return total
            sleep(delay)

    def _refresh_directory(self) -> None:
        if self.directory_refresh is None or time.monotonic() < self._directory_due:
            return
        try:
            self.directory_refresh()
        except (TransientFailure, BatchRefused) as failure:
            log.warning("bin directory not refreshed: %s", failure)
            self._directory_due = time.monotonic() + 60.0
            return
        self._directory_due = time.monotonic() + self.directory_refresh_s
        self.on_change()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._refresh_directory()
            report = self.sync_once()
            delay = self._delay_after(report)
            if report.failure is not None:
                self._set_link(self._link.state, self._link.message, retry_at=time.monotonic() + delay)
            self.on_change()
            self._wake.wait(delay)
            self._wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-sync", daemon=True)
        self._thread.start()

    def wake(self, *, force: bool = False) -> None:
        """A new scan was queued. While offline we keep to the backoff unless `force` (crew pressed 'sync')."""
        if force or self._link.state in (LinkState.ONLINE, LinkState.UNKNOWN):
            self._wake.set()

    def stop(self, *, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
