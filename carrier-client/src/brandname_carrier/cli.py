"""Command line: `brandname-carrier` or `python -m brandname_carrier`.

brandname-carrier sync URL --key KEY --dir DIR        (or BRANDNAME_CARRIER_KEY)
brandname-carrier follow URL --key KEY --dir DIR      sync, then stay current: one JSON line per change
brandname-carrier check NAME [--holder ID] [--channel sms|voice] --dir DIR
                                                      exit 0 deliverable, 1 not (or stale), 2 no state / error
brandname-carrier monitor URL --key KEY --dir DIR      read the whole transparency log, check it, rebuild
                                                      every name from it, compare with the signed snapshot:
                                                      exit 0 same, 1 differences, 2 refused
brandname-carrier log-view --dir DIR                  the log checkpoint this copy verified (JSON)
brandname-carrier compare-view FILE URL --dir DIR     is another client's checkpoint (FILE) consistent
                                                      with ours? exit 0 yes, 1 split view, 2 error
--max-age SECONDS (sync, follow, check): refuse data signed longer ago; answer "stale" (default 24 h)
--log-key VKEY (sync, follow): the log's verifier key to pin (default: the registry's, on first sync)
"""

import argparse
import json
import os
import sys

from brandname_carrier.client import DEFAULT_MAX_AGE, CarrierClient
from brandname_carrier.errors import LogInconsistent, SyncError
from brandname_carrier.rules import local_today


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="brandname-carrier", description="Carrier client of the brandname registry"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_sync = sub.add_parser("sync", help="download and verify the snapshot, then the changes")
    p_sync.add_argument("url")
    p_sync.add_argument("--key", default=os.environ.get("BRANDNAME_CARRIER_KEY"))
    p_sync.add_argument("--dir", required=True)
    p_sync.add_argument("--full", action="store_true", help="download the snapshot again")
    p_follow = sub.add_parser("follow", help="sync, then keep the local copy current until interrupted")
    p_follow.add_argument("url")
    p_follow.add_argument("--key", default=os.environ.get("BRANDNAME_CARRIER_KEY"))
    p_follow.add_argument("--dir", required=True)
    p_follow.add_argument("--wait", type=int, default=25, help="seconds each request waits at the registry")
    p_check = sub.add_parser("check", help="answer offline: exit 0 if deliverable")
    p_check.add_argument("name")
    p_check.add_argument(
        "--holder",
        default=None,
        help="the sender's enterprise code, or the ID number verified for an individual customer",
    )
    p_check.add_argument("--channel", choices=("sms", "voice"), default=None, help="the form of use")
    p_check.add_argument("--dir", required=True)
    p_monitor = sub.add_parser("monitor", help="check the transparency log against the signed data")
    p_monitor.add_argument("url")
    p_monitor.add_argument("--key", default=os.environ.get("BRANDNAME_CARRIER_KEY"))
    p_monitor.add_argument("--dir", required=True)
    p_view = sub.add_parser("log-view", help="print the transparency-log checkpoint this copy verified")
    p_view.add_argument("--dir", required=True)
    p_compare = sub.add_parser("compare-view", help="compare another client's checkpoint with ours")
    p_compare.add_argument("file", help="a signed checkpoint, or the JSON that log-view printed")
    p_compare.add_argument("url")
    p_compare.add_argument("--dir", required=True)
    for p in (p_sync, p_follow):
        p.add_argument(
            "--log-key", default=os.environ.get("BRANDNAME_LOG_KEY"), help="the log's verifier key"
        )
    for p in (p_sync, p_follow, p_check):
        p.add_argument(
            "--max-age",
            type=int,
            default=DEFAULT_MAX_AGE,
            help="seconds: refuse registry data signed longer ago, and answer 'stale' when the local "
            f"copy is that old (default {DEFAULT_MAX_AGE}; 0: no limit)",
        )
    args = parser.parse_args(argv)
    today = local_today()  # a one-shot process answers for today and needs no midnight timer
    if args.command == "sync":
        try:
            client = CarrierClient(
                args.url,
                key=args.key,
                directory=args.dir,
                today=today,
                max_age=args.max_age,
                log_key=args.log_key,
            )
            summary = client.sync(full=args.full)
        except SyncError as exc:
            print(f"sync refused, local state unchanged: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(summary))
        return 0
    if args.command == "follow":
        return _follow(args)
    if args.command in ("log-view", "compare-view"):
        return _views(args)
    if args.command == "monitor":
        return _monitor(args)
    client = CarrierClient(directory=args.dir, today=today, max_age=args.max_age)
    if client.state is None:
        print("no local state: run `sync` first / chưa đồng bộ", file=sys.stderr)
        return 2
    answer = client.check(args.name, args.holder, args.channel)
    print(json.dumps({"name": args.name, **answer._asdict(), "seq": client.seq}))
    return 0 if answer.deliverable else 1


def _follow(args):
    client = CarrierClient(
        args.url, key=args.key, directory=args.dir, max_age=args.max_age, log_key=args.log_key
    )  # follows the day too

    def report(summary):
        if summary["changes"] or summary["start"] == "snapshot":
            print(json.dumps(summary), flush=True)

    def complain(exc):
        print(f"sync refused, local state unchanged; retrying: {exc}", file=sys.stderr, flush=True)

    try:
        client.follow(wait=args.wait, on_sync=report, on_error=complain)
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
    return 0


def _views(args):
    url = getattr(args, "url", None)
    client = CarrierClient(url, directory=args.dir, max_age=0)
    view = client.log_view()
    if view is None:
        print("no verified checkpoint: run `sync` first / chưa đồng bộ", file=sys.stderr)
        return 2
    if args.command == "log-view":
        print(json.dumps(view, ensure_ascii=False))
        return 0
    with open(args.file, encoding="utf-8") as fh:
        text = fh.read()
    if text.lstrip().startswith("{"):
        text = json.loads(text)["checkpoint"]
    try:
        print(json.dumps(client.compare_view(text)))
    except LogInconsistent as exc:
        print(json.dumps({"consistent": False, "problem": str(exc)}, ensure_ascii=False))
        return 1
    except SyncError as exc:
        print(f"cannot compare: {exc}", file=sys.stderr)
        return 2
    return 0


def _monitor(args):
    from brandname_carrier import monitor

    client = CarrierClient(args.url, key=args.key, directory=args.dir, max_age=0, log_key=args.log_key)
    try:
        report = monitor.run(client)
    except SyncError as exc:
        print(json.dumps({"ok": False, "refused": str(exc)}, ensure_ascii=False))
        return 2
    print(json.dumps(report, ensure_ascii=False))
    return 0 if report["ok"] else 1
