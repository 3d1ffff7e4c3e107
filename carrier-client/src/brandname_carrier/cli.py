"""Command line: `brandname-carrier` or `python -m brandname_carrier`.

brandname-carrier sync URL --key KEY --dir DIR        (or BRANDNAME_CARRIER_KEY)
brandname-carrier follow URL --key KEY --dir DIR      sync, then stay current: one JSON line per change
brandname-carrier check NAME [--holder ID] [--channel sms|voice] --dir DIR
                                                      exit 0 deliverable, 1 not (or stale), 2 no state / error
--max-age SECONDS (sync, follow, check): refuse data signed longer ago; answer "stale" (default 24 h)
"""

import argparse
import json
import os
import sys

from brandname_carrier.client import DEFAULT_MAX_AGE, CarrierClient
from brandname_carrier.errors import SyncError
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
                args.url, key=args.key, directory=args.dir, today=today, max_age=args.max_age
            )
            summary = client.sync(full=args.full)
        except SyncError as exc:
            print(f"sync refused, local state unchanged: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(summary))
        return 0
    if args.command == "follow":
        return _follow(args)
    client = CarrierClient(directory=args.dir, today=today, max_age=args.max_age)
    if client.state is None:
        print("no local state: run `sync` first / chưa đồng bộ", file=sys.stderr)
        return 2
    answer = client.check(args.name, args.holder, args.channel)
    print(json.dumps({"name": args.name, **answer._asdict(), "seq": client.seq}))
    return 0 if answer.deliverable else 1


def _follow(args):
    client = CarrierClient(
        args.url, key=args.key, directory=args.dir, max_age=args.max_age
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
