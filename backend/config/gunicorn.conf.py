"""gunicorn settings shared by `make run` (Procfile) and bench/bench_ingest.py."""

import gc


def post_worker_init(worker):
    # A batch of 1,000 scans allocates tens of thousands of short-lived objects; the
    # default collector thresholds spent ~30 % of the batch's Python time walking the
    # long-lived app objects (docs/performance.md). Freeze what the app loaded, and
    # collect the young generation less often.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
