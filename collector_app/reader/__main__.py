"""`python -m collector_app.reader`: the reader in the truck.

    python -m collector_app.reader --config reader.toml      # the loop: tap, weigh, saved, synced
    python -m collector_app.reader --once                     # one scan, send it, exit
    python -m collector_app.reader --sync-only                # send everything queued, then exit
    python -m collector_app.reader --status                   # counts and recent rejections
    python -m collector_app.reader --requeue-rejected         # send rejected scans again

Settings: docs/hardware.md ("The reader's configuration"). Ctrl-C (or SIGTERM) stops
cleanly: the current scan is abandoned unless already saved, the sync thread is stopped.
Exit status: 0 done, 1 scans still queued after --once/--sync-only, 2 bad configuration.
"""

from __future__ import annotations

import argparse
import functools
import logging
import signal as os_signal
import sys
import threading
from typing import TextIO

from collector_app.reader.capture import Capture, TagSource, Weigher
from collector_app.reader.config import ConfigError, ReaderConfig, load_config
from collector_app.reader.directory import BinDirectory
from collector_app.reader.nfc import NfcError, NfcReader
from collector_app.reader.outbox import Outbox
from collector_app.reader.scale import Scale, ScaleError
from collector_app.reader.screen import Keyboard, Screen, Signal, Summary, TerminalBell, describe_rejection
from collector_app.reader.sync import Api, Backoff, Link, LinkState, Syncer

log = logging.getLogger("collector_app.reader")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m collector_app.reader", description="음식물 수거 차량 리더 / Food-waste truck reader"
    )
    parser.add_argument("--config", help="TOML settings file (default: $COLLECTOR_CONFIG; env COLLECTOR_* wins)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="capture one scan, send it, exit")
    mode.add_argument("--sync-only", action="store_true", help="send every queued scan, then exit")
    mode.add_argument("--status", action="store_true", help="print queued/synced/rejected and recent rejections")
    mode.add_argument("--requeue-rejected", action="store_true", help="queue rejected scans to be sent again")
    parser.add_argument("--no-sync", action="store_true", help="capture only; leave scans queued")
    parser.add_argument(
        "--deadline", type=float, default=60.0, help="seconds to keep retrying with --once/--sync-only (default 60)"
    )
    return parser


def _summary(outbox: Outbox) -> str:
    counts = outbox.counts()
    return f"대기 Queued {counts.queued} · 전송 Synced {counts.synced} · 거부 Rejected {counts.rejected}"


def print_status(outbox: Outbox, stream: TextIO) -> None:
    print(_summary(outbox), file=stream)
    for rejection in outbox.rejections(limit=20):
        scan = rejection.scan
        print(
            f"  거부 Rejected {scan.collected_at:%Y-%m-%d %H:%M} {scan.tag}: {describe_rejection(rejection)}",
            file=stream,
        )


def _api(config: ReaderConfig) -> Api:
    if not config.api_token:
        raise ConfigError(["[api] token / COLLECTOR_API_TOKEN: 전송하려면 필수입니다 / required to sync"])
    return Api(config.api_base_url, config.api_token)


def open_devices(config: ReaderConfig) -> tuple[NfcReader | None, Scale | None]:
    """The configured devices, not yet opened (they open on first use and reopen after a fault)."""
    tags = NfcReader(config.nfc_device) if config.has_nfc else None
    scale = None
    if config.has_scale:
        scale = Scale(
            config.scale_port,
            protocol=config.scale_protocol,
            scale_id=config.scale_id,
            baudrate=config.scale_baudrate,
            framing=config.scale_framing,
        )
    return tags, scale


def run(
    config: ReaderConfig,
    *,
    tags: TagSource | None,
    scale: Weigher | None,
    keyboard: Keyboard,
    stream: TextIO,
    stop: threading.Event,
    signal: Signal | None = None,
    once: bool = False,
    sync: bool = True,
    deadline_s: float = 60.0,
    backoff: Backoff | None = None,
) -> int:
    """The reader loop with the given devices until `stop` (or one scan with `once`)."""
    outbox = Outbox(config.outbox_path)
    directory = BinDirectory(config.outbox_path.with_name("bins.sqlite3"))
    syncer: Syncer | None = None
    screen = Screen(
        stream,
        summary=lambda: Summary(
            counts=outbox.counts(),
            link=syncer.link if syncer else Link(LinkState.UNKNOWN, "전송 꺼짐 sync off"),
            last_rejection=next(iter(outbox.rejections(limit=1)), None),
        ),
        vehicle_id=config.vehicle_id,
    )
    try:
        if sync:
            api = _api(config)
            syncer = Syncer(
                outbox,
                api,
                batch_size=config.sync_batch_size,
                interval_s=config.sync_interval_s,
                backoff=backoff,
                on_change=screen.refresh,
                directory_refresh=lambda: directory.replace(api.list_bins(district=config.api_district)),
            )
            syncer.start()
        capture = Capture(
            outbox=outbox,
            keyboard=keyboard,
            screen=screen,
            signal=signal or TerminalBell(stream),
            tags=tags,
            scale=scale,
            directory=directory,
            vehicle_id=config.vehicle_id,
            scale_timeout_s=config.scale_timeout_s,
            stable_readings=config.scale_stable_readings,
            repeat_guard_s=config.nfc_repeat_guard_s,
            on_saved=syncer.wake if syncer else lambda: None,
            on_sync_now=functools.partial(syncer.wake, force=True) if syncer else lambda: None,
        )
        capture.run(stop, once=once)
        if syncer is not None:
            syncer.stop()
            if once and not stop.is_set():
                syncer.flush(timeout_s=deadline_s)
        print(f"\n종료 Stopped. {_summary(outbox)}", file=stream)
        return 1 if once and outbox.counts().queued else 0
    finally:
        if syncer is not None:
            syncer.stop()
        for device in (tags, scale):
            close = getattr(device, "close", None)
            if close is not None:
                close()
        directory.close()
        outbox.close()


def _sync_only(config: ReaderConfig, deadline_s: float, stream: TextIO) -> int:
    with Outbox(config.outbox_path) as outbox:
        syncer = Syncer(outbox, _api(config), batch_size=config.sync_batch_size)
        report = syncer.flush(timeout_s=deadline_s)
        if report.failure is not None:
            print(f"전송 실패 Sync problem: {report.failure.message}", file=stream)
        print_status(outbox, stream)
        return 1 if outbox.counts().queued else 0


def _install_stop(stop: threading.Event) -> None:
    def request_stop(signum: int, frame: object) -> None:
        if stop.is_set():  # a second Ctrl-C: the crew really wants out
            raise KeyboardInterrupt
        stop.set()

    # nfcpy swallows KeyboardInterrupt inside connect(); an event every loop checks does not get lost.
    os_signal.signal(os_signal.SIGINT, request_stop)
    os_signal.signal(os_signal.SIGTERM, request_stop)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    config.outbox_path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=config.outbox_path.with_name("reader.log"),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        if args.status or args.requeue_rejected:
            with Outbox(config.outbox_path) as outbox:
                if args.requeue_rejected:
                    print(f"다시 보낼 스캔 Requeued: {outbox.requeue_rejected()}")
                print_status(outbox, sys.stdout)
            return 0
        if args.sync_only:
            return _sync_only(config, args.deadline, sys.stdout)
        stop = threading.Event()
        _install_stop(stop)
        tags, scale = open_devices(config)
        return run(
            config,
            tags=tags,
            scale=scale,
            keyboard=Keyboard(sys.stdin),
            stream=sys.stdout,
            stop=stop,
            once=args.once,
            sync=not args.no_sync,
            deadline_s=args.deadline,
        )
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except (NfcError, ScaleError) as error:
        print(error, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
