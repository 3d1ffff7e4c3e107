"""The transparency log: every event is a leaf of an RFC 9162 Merkle tree, in sequence order.

Leaf i is the published form of event seq i + 1: the change feed's entry (sequence, time, act,
and the public state of each name the act touched, read in the act's own transaction), as
canonical JSON. Individuals appear as the public pages show them (masked name, keyed ID hash).
The leaves and the hashes of every complete subtree are written in the transaction that writes
the events (a commit hook), so a crash leaves either both or neither. Checkpoints are signed on
demand from the stored nodes: the latest always covers every committed event.

Served as C2SP tlog-tiles: a level-L tile holds 256 hashes of subtrees of 256**L leaves.
No Flask here.
"""

import base64

from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from brandname.carriers import feed
from brandname.certificates.signing import canonical_json
from brandname.store.models import Certificate, Event, LogEntry, LogNode
from brandname_carrier import merkle
from brandname_carrier.monitor import tile_path

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EVENTS_WRITTEN = "brandname.events_written"
BATCH = 2000


def mark_events_written(session):
    """Tell the commit hook that this transaction wrote events (record_event and bulk writers)."""
    session.info[EVENTS_WRITTEN] = True


@sa_event.listens_for(Session, "before_commit")
def _sequence_on_commit(session):
    if session.info.pop(EVENTS_WRITTEN, False):
        append_pending(session)


def size(session):
    found = session.execute(select(func.max(LogEntry.idx))).scalar()
    return 0 if found is None else found + 1


MAX_ENTRY = (1 << 16) - 1  # an entry bundle gives each entry a 16-bit length


def entry_of(event, states):
    """The leaf's bytes. An act touching so many names that their states pass 64 KiB lists
    their normal forms only ("states_elided"): readers take those states from later leaves or
    from the change feed."""
    names = feed._affected(event)
    body = {"seq": event.seq, "at": feed._iso_moment(event.at), "act": event.act}
    data = canonical_json(
        {**body, "names": [states.get(n) or {"name_normal": n, "status": "released"} for n in names]}
    )
    if len(data) > MAX_ENTRY:
        data = canonical_json({**body, "names": [{"name_normal": n} for n in names], "states_elided": True})
    return data


def append_pending(session):
    """Append every event not yet in the log, in sequence order; returns the new size.

    Event-writing transactions hold the event counter's row lock, so appends never race."""
    start = size(session)
    tree = _Frontier(session, start)
    while True:
        events = feed.events_after(session, start, BATCH)
        if not events:
            return start
        states = feed.states_of(
            session.connection(), [n for e in events for n in feed._affected(e)], public=True
        )
        entries, nodes = [], []
        for e in events:
            if e.seq != start + 1:
                raise RuntimeError(f"event log has a gap: leaf {start} would be event {e.seq}")
            data = entry_of(e, states)
            entries.append({"idx": start, "entry": data})
            nodes.extend(tree.append(merkle.leaf_hash(data)))
            start += 1
        session.execute(insert(LogEntry), entries)
        session.execute(insert(LogNode), nodes)


class _Frontier:
    """Appends leaf hashes, emitting the nodes each new leaf completes."""

    def __init__(self, session, size_):
        self.session = session
        self.size = size_
        self.known = {}

    def node(self, level, idx):
        found = self.known.get((level, idx))
        if found is None:
            found = node(self.session, level, idx)
        return found

    def append(self, leaf):
        i, h, level = self.size, leaf, 0
        out = [{"level": 0, "idx": i, "hash": h}]
        self.known[(0, i)] = h
        while (i >> level) & 1:
            h = merkle.node_hash(self.node(level, (i >> level) - 1), h)
            level += 1
            out.append({"level": level, "idx": i >> level, "hash": h})
            self.known[(level, i >> level)] = h
        self.size += 1
        return out


def node(session, level, idx):
    found = session.execute(select(LogNode.hash).where(LogNode.level == level, LogNode.idx == idx)).scalar()
    if found is None:
        raise merkle.ProofError(f"no complete subtree at level {level}, index {idx}")
    return bytes(found)


def _subtree(session):
    return lambda lo, hi: merkle.range_hash(lo, hi, lambda level, idx: node(session, level, idx))


def root(session, tree_size):
    return _subtree(session)(0, tree_size) if tree_size else merkle.EMPTY_ROOT


def _check_size(session, tree_size):
    current = size(session)
    if not 0 <= tree_size <= current:
        raise merkle.ProofError(f"the log has {current} leaves, not {tree_size}")


def inclusion(session, index, tree_size):
    _check_size(session, tree_size)
    return merkle.inclusion_proof(index, tree_size, _subtree(session))


def consistency(session, size1, size2):
    _check_size(session, size2)
    return merkle.consistency_proof(size1, size2, _subtree(session))


def leaf_index_of_seq(seq):
    return seq - 1


def certificate_leaf(session, serial):
    """(index, leaf hash) of the act that issued certificate `serial`, or None if not in the log."""
    seq = session.execute(
        select(func.min(Event.seq))
        .join(Certificate, (Event.subject_type == "certificate") & (Event.subject_id == Certificate.id))
        .where(Certificate.serial == serial)
    ).scalar()
    if seq is None:
        return None
    entry = session.get(LogEntry, leaf_index_of_seq(seq))
    return None if entry is None else (entry.idx, merkle.leaf_hash(bytes(entry.entry)))


def certificate_inclusion(session, serial, log_key):
    """Where the act that issued certificate `serial` sits in the log, with its inclusion proof
    checked here against the signed checkpoint it is given with; None if not (yet) in the log."""
    found = certificate_leaf(session, serial)
    if found is None:
        return None
    index, leaf = found
    tree_size, root_hash, note_text = signed_checkpoint(session, log_key)
    # the checkpoint was just made at the log's size: no second size check
    proof = merkle.inclusion_proof(index, tree_size, _subtree(session))
    merkle.verify_inclusion(index, tree_size, leaf, proof, root_hash)  # raises if the log is broken
    return {
        "index": index,
        "size": tree_size,
        "leaf_hash": leaf.hex(),
        "root": root_hash.hex(),
        "inclusion": [h.hex() for h in proof],
        "checkpoint": note_text,
    }


# -- checkpoints ------------------------------------------------------------------------------


def checkpoint_text(origin, tree_size, root_hash):
    return f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n"


def signed_checkpoint(session, log_key):
    """(size, root, signed note) of the whole log as of this transaction."""
    tree_size = size(session)
    root_hash = root(session, tree_size)
    return tree_size, root_hash, log_key.sign_note(checkpoint_text(log_key.name, tree_size, root_hash))


# -- tiles (C2SP tlog-tiles) ------------------------------------------------------------------


tile_index_path = tile_path  # the carrier client's (monitor) encoding: one definition


def parse_tile_path(path):
    """'x001/x234/067[.p/W]' -> (index, width or None); ValueError when malformed."""
    width = None
    if ".p/" in path:
        path, _, w = path.partition(".p/")
        if not w.isdigit() or w.startswith("0") or not 0 < int(w) < TILE_WIDTH:
            raise ValueError("partial tile width must be 1..255")
        width = int(w)
    parts = path.split("/")
    if not parts or any(len(p) != (4 if i < len(parts) - 1 else 3) for i, p in enumerate(parts)):
        raise ValueError("malformed tile index")
    digits = ""
    for i, part in enumerate(parts):
        if i < len(parts) - 1:
            if part[0] != "x":
                raise ValueError("malformed tile index")
            part = part[1:]
        if not part.isdigit():
            raise ValueError("malformed tile index")
        digits += part
    return int(digits), width


def tile(session, level, index, width=None):
    """Bytes of the level-`level` tile `index` (full, or `width` hashes wide), or None when the
    tree does not have it (a full tile that is still partial is not served as full)."""
    want = width or TILE_WIDTH
    node_level = level * TILE_HEIGHT
    # hashes available at this level: complete subtrees of 256**level leaves
    available = size(session) >> node_level
    lo = index * TILE_WIDTH
    if lo + want > available:
        return None
    rows = session.execute(
        select(LogNode.hash)
        .where(LogNode.level == node_level, LogNode.idx >= lo, LogNode.idx < lo + want)
        .order_by(LogNode.idx)
    ).scalars()
    data = b"".join(bytes(h) for h in rows)
    return data if len(data) == want * merkle.HASH_SIZE else None


def entries_tile(session, index, width=None):
    """The entry bundle `index`: each entry as a big-endian 16-bit length and its bytes."""
    want = width or TILE_WIDTH
    lo = index * TILE_WIDTH
    if lo + want > size(session):
        return None
    rows = session.execute(
        select(LogEntry.entry).where(LogEntry.idx >= lo, LogEntry.idx < lo + want).order_by(LogEntry.idx)
    ).scalars()
    out = bytearray()
    for data in rows:
        out += len(data).to_bytes(2, "big") + bytes(data)
    return bytes(out)


def entries_between(session, start, stop):
    """[(index, entry bytes)] for leaves start..stop-1 (for monitors reading through the API)."""
    return [
        (i, bytes(e))
        for i, e in session.execute(
            select(LogEntry.idx, LogEntry.entry)
            .where(LogEntry.idx >= start, LogEntry.idx < stop)
            .order_by(LogEntry.idx)
        )
    ]
