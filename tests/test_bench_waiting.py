"""The benches wait for a cold server instead of dying on its first slow answer."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bench.waiting import NotAnswering, until_answered


@pytest.fixture
def server():
    """A server whose first answer takes `slow_first` seconds, as a cold worker's does."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if not state["answered"]:
                time.sleep(state["slow_first"])
            state["answered"] = True
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    state = {"answered": False, "slow_first": 1.5}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{httpd.server_port}/healthz"
    httpd.shutdown()


def test_a_first_answer_slower_than_the_read_timeout_is_waited_for(server):
    _state, url = server
    with pytest.raises(requests.Timeout):
        requests.get(url, timeout=0.3)  # what the bench used to do, once
    answer = until_answered(lambda timeout: requests.get(url, timeout=timeout), what="server", first_timeout=0.3)
    assert answer.text == "ok"


def test_a_server_that_never_answers_stops_the_bench_with_a_message_at_the_deadline(server):
    state, url = server
    state["slow_first"] = 30
    started = time.monotonic()
    with pytest.raises(NotAnswering, match="server did not answer within 1 s"):
        until_answered(lambda timeout: requests.get(url, timeout=timeout), what="server", within=1, first_timeout=0.3)
    assert time.monotonic() - started < 5


def test_a_dead_server_is_reported_at_once():
    def died():
        raise RuntimeError("gunicorn exited with 1")

    with pytest.raises(RuntimeError, match="exited"):
        until_answered(
            lambda timeout: requests.get("http://127.0.0.1:9/", timeout=timeout), what="x", still_running=died
        )
