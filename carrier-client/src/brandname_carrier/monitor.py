"""A monitor of the registry's transparency log.

It reads every entry of the log from the start (C2SP tlog-tiles entry bundles), rebuilds the tree
and checks its root against a signed checkpoint that extends the one verified before, then
rebuilds the state of every name from the entries alone and compares it with the registry's
signed snapshot and change feed, as a carrier client verified them. Any difference means the log
and the registry's data disagree: a name changed without a logged act, or a logged act that the
data does not show.

    python -m brandname_carrier monitor URL --key KEY --dir DIR
"""

import json

from brandname_carrier import index as index_
from brandname_carrier import merkle, note
from brandname_carrier.errors import LogInconsistent, SyncError, TamperedData, refusal

TILE_WIDTH = 256


def tile_path(n):
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if not n:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def read_entries(get, size):
    """The log's first `size` entries, from full and partial entry bundles."""
    out = []
    for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        path = f"/tlog/tile/entries/{tile_path(n)}" + ("" if width == TILE_WIDTH else f".p/{width}")
        bundle, at, found = get(path), 0, []
        while at < len(bundle):
            length = int.from_bytes(bundle[at : at + 2], "big")
            found.append(bundle[at + 2 : at + 2 + length])
            at += 2 + length
        if at != len(bundle) or len(found) != width:
            raise refusal(TamperedData, "Gói mục của sổ bị hỏng.", f"Entry bundle {path} is malformed.")
        out.extend(found)
    return out


def rebuild(entries):
    """name_normal -> index.Entry after the given entries, and the names an elided entry left
    unknown (until a later entry gives their state)."""
    states, unknown = {}, set()
    for position, data in enumerate(entries):
        try:
            entry = json.loads(data)
            if entry["seq"] != position + 1:
                raise ValueError(f"leaf {position} holds event {entry['seq']}")
            for record in entry["names"]:
                normal = record["name_normal"]
                if entry.get("states_elided"):
                    unknown.add(normal)
                    states.pop(normal, None)
                elif record.get("status") == "released":
                    states.pop(normal, None)
                    unknown.discard(normal)
                else:
                    states[normal] = index_.entry_from_record(record)
                    unknown.discard(normal)
        except (ValueError, KeyError, TypeError) as exc:
            raise refusal(
                TamperedData, f"Mục {position} của sổ không đúng định dạng.", f"Log entry {position}: {exc}"
            ) from exc
    return states, unknown


def run(client):
    """One pass: sync `client` (it verifies the checkpoint's consistency with its last one), read
    and check the whole log, compare. Returns a report; raises SyncError / LogInconsistent."""
    client.sync(full=True)
    head = client.seq
    _, verifier = client._log_verifier()
    signed = client._get("/tlog/checkpoint", auth=False).decode()
    checkpoint = note.open_checkpoint(signed, verifier)
    verified = note.open_checkpoint(client.log_view()["checkpoint"], verifier)
    client._require_extension(verified, checkpoint)
    if checkpoint.size < head:
        raise refusal(
            LogInconsistent,
            f"Sổ công khai ({checkpoint.size} mục) thiếu các sự kiện đến số {head} của dữ liệu.",
            f"The log ({checkpoint.size} entries) lacks events up to the data's seq {head}.",
        )
    entries = read_entries(lambda path: client._get(path, auth=False), checkpoint.size)
    if merkle.root_of([merkle.leaf_hash(e) for e in entries]) != checkpoint.root:
        raise refusal(
            LogInconsistent,
            "Các mục của sổ không cho ra gốc của điểm kiểm tra đã ký.",
            "The log's entries do not hash to the signed checkpoint's root.",
        )
    from_log, unknown = rebuild(entries[:head])
    from_data = {e.name_normal: e for e in client.entries()}
    differences = []
    for normal in sorted(set(from_log) | set(from_data)):
        if normal in unknown:
            continue
        mine, theirs = from_log.get(normal), from_data.get(normal)
        if mine != theirs:
            differences.append(
                {
                    "name": normal,
                    "log": mine._asdict() if mine else None,
                    "snapshot": theirs._asdict() if theirs else None,
                }
            )
    return {
        "log_size": checkpoint.size,
        "seq": head,
        "names": len(from_data),
        "unchecked": sorted(unknown),
        "differences": differences,
        "ok": not differences,
    }


__all__ = ["run", "read_entries", "rebuild", "SyncError"]
