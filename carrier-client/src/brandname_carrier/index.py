"""The local index: what the client keeps in memory to answer a check, and on disk to restart.

In memory the answer is worked out at sync time, so that a first check costs about what a dict
lookup does:

- `answers` maps a name's normal form, and its registered spelling when that differs, to its
  answer today for a message from any sender: one of a handful of shared `Answer` objects (ok,
  reserved, expired, revoked), so a check touches no per-name object beyond the dict's own key.
  Senders mostly write a name as it was registered, so the usual check is one lookup; any other
  spelling costs a second one under its normal form. A registered spelling that differs from the
  normal form has a lower-case ASCII letter, which no normal form has, so the two kinds of keys
  never collide.
- `senders` maps each active name's normal form to one int, ``(ordinal of valid_until << SHIFT)
  | slot``, read only when a check names the sender or when the day changes. `slot` indexes
  `allowed`, the enterprise codes (the holder's and the authorized parties', already normalized)
  that may send under the name, shared by every name with the same ones. Because the slot sits
  below the day, comparing the int with ``ordinal of today << SHIFT`` says whether the name is
  valid today.

At local midnight `roll_to` turns the answers of names whose last valid day has passed into
`expired`. Changes are applied in place under a lock, each name's sender facts before its
answer, so a concurrent check sees every name either as it was or as it is now.

On disk, each name is one JSON array per line (`Entry`), so the certificate serial and the rest
survive a restart although checks never need them.
"""

import itertools
import json
import threading
from collections import namedtuple
from datetime import date
from json.decoder import scanstring

from brandname_carrier.errors import TamperedData, refusal
from brandname_carrier.rules import normal_form, normal_holder_id

Answer = namedtuple("Answer", "deliverable status reason")
OK = Answer(True, "active", "ok")
HOLDER_MISMATCH = Answer(False, "active", "holder_mismatch")
NOT_REGISTERED = Answer(False, None, "not_registered")
_INACTIVE = {status: Answer(False, status, status) for status in ("reserved", "expired", "revoked")}
EXPIRED = _INACTIVE["expired"]
STATUSES = frozenset(("active", *_INACTIVE))

# Slots stay below 2**SHIFT, so the slot bits never change how two packed days compare.
SHIFT = 32
SLOT_MASK = (1 << SHIFT) - 1
NO_EXPIRY = (date.max.toordinal() + 1) << SHIFT  # an active name without a last valid day

BATCH = 10_000
Entry = namedtuple("Entry", "name_normal name status valid_until holder_id authorized serial")
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def entry_from_record(record):
    """The Entry of a state record as the registry publishes it (snapshot line, change page)."""
    try:
        normal, status = record["name_normal"], record["status"]
        holder = record.get("holder") or {}
        entry = Entry(
            normal,
            record.get("name"),
            status,
            record.get("valid_until"),
            holder.get("id_number"),
            tuple(a["id_number"] for a in record.get("authorizations") or ()),
            record.get("serial"),
        )
    except (TypeError, KeyError, AttributeError):
        entry = None
    if entry is None or not isinstance(normal, str) or status not in STATUSES:
        raise refusal(
            TamperedData,
            "Bản ghi tên định danh không đúng định dạng.",
            f"Malformed name record: {str(record)[:120]}",
        )
    return entry


def day_floor(today):
    """The least packed int of a name still valid on `today`."""
    return today.toordinal() << SHIFT


class Index:
    """The answers of every name for one day, and what it takes to answer for a given sender."""

    def __init__(self, today):
        self.answers = {}
        self.senders = {}
        self.allowed = [()]  # slot 0: nobody (an individual holder, no authorization)
        self._slots = {}  # (holder id, authorized ids) as published -> slot
        self._days = {}  # valid_until as published -> ordinal << SHIFT
        self.floor = day_floor(today)
        self.spellings = 0  # keys that are registered spellings, not normal forms
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.answers) - self.spellings

    def __contains__(self, normal):
        return normal in self.answers

    # -- building --------------------------------------------------------------------------------
    def pack(self, entry):
        """(answer today, packed sender facts or None) of an entry. Raises TamperedData for a
        malformed last valid day, so callers pack everything before they change anything."""
        if entry.status != "active":
            return _INACTIVE[entry.status], None
        key = (entry.holder_id, entry.authorized) if entry.authorized else entry.holder_id
        slot = self._slots.get(key)
        if slot is None:
            numbers = ([] if entry.holder_id is None else [entry.holder_id]) + list(entry.authorized)
            slot = len(self.allowed)
            if slot > SLOT_MASK:
                raise OverflowError("too many distinct senders for the packed index")
            self.allowed.append(tuple(dict.fromkeys(normal_holder_id(n) for n in numbers)))
            self._slots[key] = slot
        packed = self._day(entry.valid_until) | slot
        return (OK if packed >= self.floor else EXPIRED), packed

    def _day(self, valid_until):
        packed = self._days.get(valid_until)
        if packed is None:
            if not valid_until:
                packed = NO_EXPIRY
            else:
                try:
                    # decide() compares ISO days as text; the date part orders the same way
                    packed = date.fromisoformat(valid_until[:10]).toordinal() << SHIFT
                except (TypeError, ValueError):
                    raise refusal(
                        TamperedData,
                        "Ngày hết hạn không đúng định dạng.",
                        f"Malformed valid_until {str(valid_until)[:40]!r}.",
                    ) from None
            self._days[valid_until] = packed
        return packed

    def extend(self, entries, batch=BATCH):
        """Add names to an index nobody reads yet; a name listed twice is refused.

        Entries are taken a batch at a time and each key is a fresh copy made while the batch is
        still alive: the parser's short-lived strings then cannot leave gaps between the keys,
        which end up side by side in memory. A check of a name never seen before reads its key
        from there, and that costs markedly less when the keys are packed."""
        answers, senders, pack = self.answers, self.senders, self.pack
        entries = iter(entries)
        while chunk := list(itertools.islice(entries, batch)):
            facts = [pack(entry) for entry in chunk]  # first: packing allocates too
            for entry, (answer, packed) in zip(chunk, facts):
                normal = "".join((entry.name_normal, ""))  # a new str, allocated now
                if normal in answers:
                    raise refusal(TamperedData, "Dữ liệu có tên trùng lặp.", f"{normal} is listed twice.")
                answers[normal] = answer
                if packed is not None:
                    senders[normal] = packed
                spelling = spelling_of(entry)
                if spelling is not None:
                    answers["".join((spelling, ""))] = answer
                    self.spellings += 1
            del chunk, facts, entry  # before the next batch is parsed, or its strings fill the gaps left here

    def apply(self, changes, stale_spellings=()):
        """Apply {normal: (Entry, self.pack(Entry)) or None (released)} in place while checks go
        on. `stale_spellings` are the registered spellings the changed names had before."""
        answers, senders = self.answers, self.senders
        with self.lock:
            for spelling in stale_spellings:  # safe at any moment: the normal form answers alike
                if answers.pop(spelling, None) is not None:
                    self.spellings -= 1
            for normal, change in changes.items():
                if change is None:
                    answers.pop(normal, None)
                    senders.pop(normal, None)
                    continue
                entry, (answer, packed) = change
                if packed is not None:
                    senders[normal] = packed
                    answer = OK if packed >= self.floor else EXPIRED  # the day may have changed
                answers[normal] = answer
                if packed is None:
                    senders.pop(normal, None)
                spelling = spelling_of(entry)
                if spelling is not None:
                    self.spellings += spelling not in answers
                    answers[spelling] = answer

    def roll_to(self, today):
        """Answer for `today`: active names past their last valid day become expired (and
        back, if the clock went back)."""
        with self.lock:
            floor = day_floor(today)
            if floor == self.floor:
                return
            sender_of = self.senders.get
            answers = self.answers
            for key, answer in answers.items():  # values change, keys do not: safe to iterate
                if answer is not OK and answer is not EXPIRED:
                    continue
                packed = sender_of(key)
                if packed is None:
                    packed = sender_of(normal_form(key))  # a registered spelling, or expired for good
                    if packed is None:
                        continue
                want = OK if packed >= floor else EXPIRED
                if answer is not want:
                    answers[key] = want
            self.floor = floor

    # -- answering -------------------------------------------------------------------------------
    def checker(self):
        """check(name, holder_id=None) -> Answer, reading this index."""
        answer_of, sender_of, allowed = self.answers.get, self.senders.get, self.allowed

        def check(name, holder_id=None):
            try:
                answer = answer_of(name)  # most senders write their name in its normal form
                if answer is None:
                    # for ASCII text, str.upper() is the normal form, and much faster than translate()
                    name = name.upper() if name.isascii() else normal_form(name)
                    answer = answer_of(name)
                    if answer is None:
                        return NOT_REGISTERED
            except (AttributeError, TypeError):  # not text
                return NOT_REGISTERED
            if holder_id is None or answer is not OK:
                return answer
            normal = name.upper() if name.isascii() else normal_form(name)
            # 0 (nobody) if a sync dropped the name meanwhile: refuse rather than guess
            slot = sender_of(normal, 0) & SLOT_MASK
            return OK if normal_holder_id(holder_id) in allowed[slot] else HOLDER_MISMATCH

        return check


def spelling_of(entry):
    """The registered spelling of a name if it is a key of its own (differs from the normal form)."""
    name = entry.name
    if name.__class__ is str and name != entry.name_normal and normal_form(name) == entry.name_normal:
        return name
    return None


# -- on disk -------------------------------------------------------------------------------------


def entry_line(entry):
    return _encode(entry) + "\n"


def read_entries(lines):
    """Entries from the lines of a names file (text)."""
    for line in lines:
        try:
            normal, name, status, valid_until, holder_id, authorized, serial = json_line(line)
        except ValueError as exc:
            raise ValueError(f"corrupt line in the local names file: {line[:80]!r}") from exc
        yield Entry(
            normal, name, status, valid_until, holder_id, tuple(authorized) if authorized else (), serial
        )


_scan = json.JSONDecoder().scan_once


def json_line(line):
    """The JSON value on a line: what json.loads(line) gives, without its overhead per call
    (a million lines at a sync). Anything unusual goes to json.loads itself."""
    try:
        if line.__class__ is bytes:
            line = line.decode("utf-8")
        value, end = _scan(line, 0)
    except (StopIteration, UnicodeDecodeError):
        return json.loads(line)  # white space first, another encoding, or not JSON: it decides
    if end != len(line) and line[end:].strip():
        return json.loads(line)  # raises: more than one value
    return value


def line_key(line):
    """The normal form a names-file line starts with, without decoding the rest."""
    return scanstring(line, 2)[0]
