"""The local index: what the client keeps in memory to answer a check, and on disk to restart.

In memory the answer is worked out at sync time, so that a first check costs about what a dict
lookup does. Keys are a name's normal form and, when it differs, its registered spelling:
senders mostly write a name as it was registered, so the usual check is one lookup, and any
other spelling costs a second one under the normal form. A registered spelling that differs
from the normal form has a lower-case ASCII letter, which no normal form has, so the two kinds
of keys never collide.

- `deliverable` is the set of keys of the names a message may go out under today from any
  sender. A set member costs one table slot and the key, where a dict entry also has an index
  slot and a value: the common answer touches the least memory.
- `expired` is the set of keys of the names past their last valid day, the next most common
  answer, and `others` maps the keys of the reserved and revoked names to their (shared)
  answer.
- `channels` maps the normal form of each name certified for only some forms of use (SMS or
  voice calls) to those forms; a name certified for both, or published without them, is absent.
  `individuals` maps the normal form of each name held by an individual to the keyed hash of the
  holder's ID number (`rules.holder_check`). Both are read only when a check names a channel or
  a sender.
- `senders` maps each active name's normal form to one int, ``(ordinal of valid_until <<
  SHIFT) | slot``, read only when a check names the sender or when the day changes. `slot`
  indexes `allowed`, the enterprise codes (the holder's and the authorized parties', already
  normalized) that may send under the name, shared by every name with the same ones. The slot
  sits below the day, so comparing the int with ``ordinal of today << SHIFT`` says whether the
  name is valid today.

- `resembling` maps the confusable and look-alike keys (`rules.filing_keys`) of every name held
  to its registered spelling (a tuple when several share a key), and `targets` maps the keys of
  the protected and watched names the registry publishes (`Target`) to them. A check of a name
  that is not held looks up the keys it could be confused under (`rules.resemblance_keys`) and
  confirms each candidate with `rules.impersonates`, as the registry's own answer does, so an
  unregistered look-alike answers impersonation_risk rather than not_registered.

At local midnight `roll_to` moves the names whose last valid day has passed from `deliverable`
to `expired`. Changes are applied in place under a lock, each key added under its new answer
before it leaves the old one, so a concurrent check sees every name either as it was or as it
is now.

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
from brandname_carrier.rules import (
    CHANNELS,
    filing_keys,
    lookalikes_of,
    matches_holder_check,
    normal_form,
    normal_holder_id,
)

Answer = namedtuple("Answer", "deliverable status reason")
Answer.lookalike_of = ()  # the names an impersonation risk could pass for; empty otherwise


class Impersonation(Answer):
    """The answer for an unregistered name that could pass for registered, protected or watched
    names: never deliverable, whoever sends it (reason impersonation_risk). Compares equal to the
    plain (deliverable, status, reason) triple; the names are in `lookalike_of`."""

    def __new__(cls, lookalike_of):
        answer = super().__new__(cls, False, "unregistered", "impersonation_risk")
        answer.lookalike_of = tuple(lookalike_of)
        return answer


OK = Answer(True, "active", "ok")
HOLDER_MISMATCH = Answer(False, "active", "holder_mismatch")
CHANNEL_NOT_CERTIFIED = Answer(False, "active", "channel_not_certified")
NOT_REGISTERED = Answer(False, None, "not_registered")
_INACTIVE = {status: Answer(False, status, status) for status in ("reserved", "expired", "revoked")}
EXPIRED = _INACTIVE["expired"]
STATUSES = frozenset(("active", *_INACTIVE))

# Slots stay below 2**SHIFT, so the slot bits never change how two packed days compare.
SHIFT = 32
SLOT_MASK = (1 << SHIFT) - 1
NO_EXPIRY = (date.max.toordinal() + 1) << SHIFT  # an active name without a last valid day

BATCH = 10_000
# channels: the forms of use certified (a tuple, None when not published); id_check: the keyed
# hash of an individual holder's ID number ({"salt", "hmac"}), None for an organization
Entry = namedtuple(
    "Entry",
    "name_normal name status valid_until holder_id authorized serial channels id_check",
    defaults=(None, None),
)
# a protected or watched name as the registry publishes it: `name` is matched, `of` is what an
# answer names (a holder's variant stands for the holder's registered name)
Target = namedtuple("Target", "name category of")
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
            # a pending renewal keeps the name in force past its last day until the registry
            # publishes the outcome: a new valid_until, or an expiry
            None if record.get("renewal_pending") and status == "active" else record.get("valid_until"),
            holder.get("id_number"),
            tuple(a["id_number"] for a in record.get("authorizations") or ()),
            record.get("serial"),
            _channels(record.get("channels")),
            _id_check(holder.get("id_check")),
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


def _channels(value):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
        raise TypeError("channels")
    return tuple(value)


def _id_check(value):
    if value is None:
        return None
    if not (
        isinstance(value, dict) and isinstance(value.get("salt"), str) and isinstance(value.get("hmac"), str)
    ):
        raise TypeError("id_check")
    return {"salt": value["salt"], "hmac": value["hmac"]}


_RESTRICTIONS = {}  # one shared frozenset per distinct restriction: 850k names, a handful of values


def _restricted(entry):
    """The forms of use of an entry if they are not all of them, else None. The same forms are
    the same object, so that a million SMS-only names cost one dict slot each, not a frozenset
    each (about 200 MB at 1M names)."""
    if entry.channels is None or set(CHANNELS) <= set(entry.channels):
        return None
    restricted = frozenset(entry.channels)
    return _RESTRICTIONS.setdefault(restricted, restricted)


def day_floor(today):
    """The least packed int of a name still valid on `today`."""
    return today.toordinal() << SHIFT


class Index:
    """The answers of every name for one day, and what it takes to answer for a given sender."""

    def __init__(self, today):
        self.deliverable = set()
        self.expired = set()
        self.others = {}
        self.senders = {}
        self.channels = {}
        self.individuals = {}
        self.allowed = [()]  # slot 0: nobody (an individual holder, no authorization)
        self._slots = {}  # holder id, or (holder id, authorized ids), as published -> slot
        self._days = {}  # valid_until as published -> ordinal << SHIFT
        self.floor = day_floor(today)
        self.spellings = 0  # keys that are registered spellings, not normal forms
        self.resembling = {}
        self.targets = {}
        self.target_list = ()
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.deliverable) + len(self.expired) + len(self.others) - self.spellings

    def __contains__(self, key):
        return key in self.deliverable or key in self.expired or key in self.others

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
            self.allowed.append(tuple(dict.fromkeys(_normal_holder_id(n) for n in numbers)))
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
        senders, pack = self.senders, self.pack
        entries = iter(entries)
        while chunk := list(itertools.islice(entries, batch)):
            facts = [pack(entry) for entry in chunk]  # first: packing allocates too
            for entry, (answer, packed) in zip(chunk, facts):
                normal = "".join((entry.name_normal, ""))  # a new str, allocated now
                if normal in self:
                    raise refusal(TamperedData, "Dữ liệu có tên trùng lặp.", f"{normal} is listed twice.")
                spelling = spelling_of(entry)
                if spelling is not None:
                    spelling = "".join((spelling, ""))
                    self.spellings += 1
                if packed is not None:
                    senders[normal] = packed
                    self._note_sender_facts(normal, entry)
                self._add(normal, answer)
                if spelling is not None:
                    self._add(spelling, answer)
                self._file(entry.name if spelling is not None else normal)
            del chunk, facts, entry  # before the next batch is parsed, or its strings fill the gaps left here

    def _note_sender_facts(self, normal, entry):
        restricted = _restricted(entry)
        if restricted is None:
            self.channels.pop(normal, None)
        else:
            self.channels[normal] = restricted
        if entry.id_check is None:
            self.individuals.pop(normal, None)
        else:
            self.individuals[normal] = entry.id_check

    # -- resemblances ----------------------------------------------------------------------------
    def _file(self, name):
        resembling = self.resembling
        for key in filing_keys(name):
            found = resembling.get(key)
            if found is None:
                resembling[key] = name
            elif found.__class__ is str:
                if found != name:
                    resembling[key] = (found, name)
            elif name not in found:
                resembling[key] = (*found, name)

    def _unfile(self, name):
        resembling = self.resembling
        for key in filing_keys(name):
            found = resembling.get(key)
            if found is None:
                continue
            if found.__class__ is str:
                if found == name:
                    del resembling[key]
                continue
            rest = tuple(n for n in found if n != name)
            resembling[key] = rest[0] if len(rest) == 1 else rest

    def set_targets(self, targets):
        """Replace the protected and watched names (a list of Target) checks compare with."""
        by_key = {}
        for target in targets:
            for key in filing_keys(target.name, target.category):
                by_key.setdefault(key, []).append(target)
        self.target_list = tuple(targets)
        self.targets = by_key

    def lookalikes(self, name):
        """The registered, protected or watched names an unregistered `name` could pass for, in
        the order an answer lists them (empty for a harmless name)."""
        return lookalikes_of(name, self.resembling.get, self.targets.get)

    def _forget_sender_facts(self, normal):
        self.senders.pop(normal, None)
        self.channels.pop(normal, None)
        self.individuals.pop(normal, None)

    # -- changing in place -----------------------------------------------------------------------
    def _add(self, key, answer):
        if answer is OK:
            self.deliverable.add(key)
        elif answer is EXPIRED:
            self.expired.add(key)
        else:
            self.others[key] = answer

    def _set(self, keys, answer):
        """Give `keys` their new answer: added under it before they leave the old one (a check
        looks in `deliverable`, `expired`, `others` in turn, and finds either)."""
        for key in keys:
            self._add(key, answer)
        if answer is not OK:
            self.deliverable.difference_update(keys)
        if answer is not EXPIRED:
            self.expired.difference_update(keys)
        if answer is OK or answer is EXPIRED:
            for key in keys:
                self.others.pop(key, None)

    def _drop(self, key):
        found = key in self
        self.others.pop(key, None)
        self.expired.discard(key)
        self.deliverable.discard(key)
        return found

    def apply(self, changes, stale_spellings=()):
        """Apply {normal: (Entry, self.pack(Entry)) or None (released)} in place while checks go
        on. `stale_spellings` are the registered spellings the changed names had before."""
        with self.lock:
            for spelling in stale_spellings:  # safe at any moment: the normal form answers alike
                self.spellings -= self._drop(spelling)
            for normal, change in changes.items():
                before = self.registered_spelling(normal)
                if change is None:
                    self._drop(normal)
                    self._forget_sender_facts(normal)
                    if before is not None:
                        self._unfile(before)
                    continue
                entry, (answer, packed) = change
                spelling = spelling_of(entry)
                filed = spelling if spelling is not None else normal
                if filed != before:  # filed under the new spelling before the old one leaves
                    self._file(filed)
                    if before is not None:
                        self._unfile(before)
                if packed is not None:
                    self.senders[normal] = packed
                    self._note_sender_facts(normal, entry)
                    answer = OK if packed >= self.floor else EXPIRED  # the day may have changed
                keys = [normal]
                spelling = spelling_of(entry)
                if spelling is not None:
                    self.spellings += spelling not in self
                    keys.append(spelling)
                self._set(keys, answer)
                if packed is None:
                    self._forget_sender_facts(normal)

    def registered_spelling(self, normal):
        """The spelling filed for a name held under `normal`, or None if none is filed."""
        for key in filing_keys(normal):
            held = self.resembling.get(key)
            for other in () if held is None else (held,) if held.__class__ is str else held:
                if normal_form(other) == normal:
                    return other
        return None

    def roll_to(self, today):
        """Answer for `today`: active names past their last valid day become expired (and
        back, if the clock went back)."""
        with self.lock:
            floor = day_floor(today)
            if floor == self.floor:
                return
            sender_of = self.senders.get

            def packed(key):
                found = sender_of(key)
                return sender_of(normal_form(key)) if found is None else found

            gone = [key for key in self.deliverable if (packed(key) or NO_EXPIRY) < floor]
            back = [key for key in self.expired if (packed(key) or 0) >= floor]  # None: expired for good
            self._set(gone, EXPIRED)
            self._set(back, OK)
            self.floor = floor

    # -- answering -------------------------------------------------------------------------------
    def _sender_checker(self):
        """by_sender(normal, holder_id, channel) -> Answer for an active, deliverable name once a
        check names a channel or a sender."""
        sender_of, allowed = self.senders.get, self.allowed
        channels_of, individual_of = self.channels.get, self.individuals.get

        def by_sender(normal, holder_id, channel):
            if channel is not None:
                certified = channels_of(normal)
                if certified is not None and channel not in certified:
                    return CHANNEL_NOT_CERTIFIED
                if holder_id is None:
                    return OK
            # 0 (nobody) if a sync dropped the name meanwhile: refuse rather than guess
            slot = sender_of(normal, 0) & SLOT_MASK
            if holder_id.__class__ is str and holder_id.isalnum():  # no white space to remove
                if holder_id.upper() in allowed[slot]:
                    return OK
            elif normal_holder_id(holder_id) in allowed[slot]:
                return OK
            id_check = individual_of(normal)
            if id_check is not None and matches_holder_check(id_check, holder_id):
                return OK
            return HOLDER_MISMATCH

        return by_sender

    def checker(self):
        """check(name, holder_id=None, channel=None) -> Answer, reading this index."""
        deliverable, expired, answer_of = self.deliverable, self.expired, self.others.get
        by_sender = self._sender_checker()
        lookalikes = self.lookalikes

        def unknown(name):
            found = lookalikes(name)
            return Impersonation(found) if found else NOT_REGISTERED

        def check(name, holder_id=None, channel=None):
            try:
                if name in deliverable:
                    if holder_id is None and channel is None:
                        return OK
                elif name in expired:
                    return EXPIRED
                else:
                    answer = answer_of(name)
                    if answer is not None:
                        return answer
                    # for ASCII text, str.upper() is the normal form, and much faster than translate()
                    name = name.upper() if name.isascii() else normal_form(name)
                    if name not in deliverable:
                        if name in expired:
                            return EXPIRED
                        answer = answer_of(name)
                        return answer if answer is not None else unknown(name)
                    if holder_id is None and channel is None:
                        return OK
            except (AttributeError, TypeError):  # not text
                return NOT_REGISTERED
            return by_sender(name.upper() if name.isascii() else normal_form(name), holder_id, channel)

        return check


def _normal_holder_id(number):
    normal = normal_holder_id(number)
    return number if normal == number else normal  # the published string itself, most of the time


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
            fields = json_line(line)
            normal, name, status, valid_until, holder_id, authorized, serial = fields[:7]
            channels, id_check = (fields[7:] + [None, None])[:2]  # older files have 7 fields
        except (ValueError, TypeError) as exc:
            raise ValueError(f"corrupt line in the local names file: {line[:80]!r}") from exc
        yield Entry(
            normal,
            name,
            status,
            valid_until,
            holder_id,
            tuple(authorized) if authorized else (),
            serial,
            None if channels is None else tuple(channels),
            id_check,
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
