"""The facts the registry and its carriers must compute alike. Pure Python.

The registry server imports these from here, so a carrier's offline answer and the registry's
own API answer come from one copy of each rule.
"""

import hashlib
import hmac
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

# Vietnam keeps UTC+7 all year; the registry's calendar days are Hanoi days.
VN_TZ = timezone(timedelta(hours=7), "ICT")

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normal_form(name):
    """The form used for uniqueness: ASCII letters upper-cased, nothing else changed."""
    return name.translate(_ASCII_UPPER)


def normal_holder_id(holder_id):
    """An enterprise code as compared: white space removed, letters upper-cased."""
    return "".join(str(holder_id).split()).upper()


def local_date(moment):
    """The Hanoi calendar day of a timestamp (naive timestamps are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).date()


def local_today(now=None):
    """Today in Hanoi, or the Hanoi day of `now`."""
    return local_date(now or datetime.now(UTC))


CHANNELS = ("sms", "voice")


def holder_check(salt_hex, holder_id):
    """The keyed hash that stands for an individual holder's ID number in what carriers read:
    HMAC-SHA-256 keyed with the name's own random salt, over the number as compared. The number
    itself never leaves the registry; a carrier that verified its customer's number computes the
    same hash and compares."""
    return hmac.new(
        bytes.fromhex(salt_hex), normal_holder_id(holder_id).encode("utf-8"), hashlib.sha256
    ).hexdigest()


def matches_holder_check(id_check, holder_id):
    """Whether `holder_id` is the number behind a published {"salt", "hmac"} pair."""
    try:
        expected = id_check["hmac"]
        return hmac.compare_digest(holder_check(id_check["salt"], holder_id), expected)
    except (TypeError, KeyError, ValueError, AttributeError):
        return False


def decide(
    status,
    valid_until,
    holder_number,
    authorized_numbers,
    holder_id,
    today_iso,
    *,
    channel=None,
    channels=None,
    id_check=None,
):
    """(deliverable, status, reason) from the bare facts; `today_iso` is the local date as
    YYYY-MM-DD. reason: ok | not_registered | reserved | expired | revoked |
    channel_not_certified | holder_mismatch.

    With a `channel` ("sms" or "voice"), a name certified only for the other one is refused
    (Art. 9.8, 13.8: the certificate names its form of use); `channels` None means unknown and
    is not held against the sender. With a holder id, `ok` means the sender is the holder or a
    party the holder has authorized (Art. 23.6): an organization by its published enterprise
    code, an individual through `id_check`, the keyed hash of the ID number."""
    if status == "active" and valid_until and valid_until < today_iso:
        status = "expired"
    if status != "active":
        return False, status, status
    if channel is not None and channels is not None and channel not in channels:
        return False, status, "channel_not_certified"
    if holder_id is not None:
        wanted = normal_holder_id(holder_id)
        if holder_number is not None and normal_holder_id(holder_number) == wanted:
            return True, status, "ok"
        if any(normal_holder_id(a) == wanted for a in authorized_numbers):
            return True, status, "ok"
        if id_check is not None and matches_holder_check(id_check, holder_id):
            return True, status, "ok"
        return False, status, "holder_mismatch"
    return True, status, "ok"


# -- confusion (Art. 23(4)): the keys that bring look-alike and sound-alike names together --------
#
# The registry's availability check, its carrier API and a carrier's offline copy all decide
# "could this unregistered name pass for a registered, protected or watched one?" with these
# functions, so the three answers agree.

# Characters that read alike on a phone screen fold to one letter. Multi-letter groups are
# applied before single characters so "RN" and "M" meet.
_LOOKALIKE_GROUPS = (("RN", "M"), ("VV", "W"))
_LOOKALIKE_CHARS = str.maketrans(
    {
        "0": "O",
        "Q": "O",
        "1": "I",
        "L": "I",
        "J": "I",
        "!": "I",
        "|": "I",
        "5": "S",
        "$": "S",
        "2": "Z",
        "3": "E",
        "4": "A",
        "@": "A",
        "6": "G",
        "9": "G",
        "7": "T",
        "8": "B",
        "Đ": "D",
        "Ð": "D",
    }
)


def strip_diacritics(text):
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_NON_KEY = re.compile(r"[^0-9A-Z]")
_SYMBOLS = "!|$@"  # look-alike symbols: folded before separators and other symbols are dropped
_SYMBOL_CHARS = str.maketrans({c: _LOOKALIKE_CHARS[ord(c)] for c in _SYMBOLS})

# Vietnamese sound-alike folds (Art. 23(4): "đa âm ... không dùng dấu"), in the order they apply.
# Each row: (what it folds, as typed?, regular expression, replacement, an example pair it joins).
# Rows "as typed" read the letters before the look-alike folds turn Q into O and J into I; the
# others run on the look-alike key. The registry's tests check that each row, and only it, joins
# its example pair.
SOUNDALIKE_FOLDS = (
    ("K/C/Q: QU is the K sound", True, r"QU", "KU", ("QUOCTE", "KUOCTE")),
    ("teen code: J for GI", True, r"J", "GI", ("JAOHANG", "GIAOHANG")),
    ("Y/I", False, r"Y", "I", ("KYMLONG", "KIMLONG")),
    ("PH/F", False, r"PH", "F", ("VINAFONE", "VINAPHONE")),
    ("GI/D/Z: GI before a vowel", False, r"GI(?=[AEIOU])", "Z", ("GIAOHANG", "ZAOHANG")),
    ("GI/D/Z: GI before a consonant", False, r"GI", "ZI", ("GINGAN", "DINGAN")),
    ("GI/D/Z: D", False, r"D", "Z", ("DAOHANG", "ZAOHANG")),
    ("teen code: CK for CH", False, r"CK", "CH", ("CKINHPHU", "CHINHPHU")),
    ("K/C/Q: C not before H", False, r"C(?!H)", "K", ("KAFE", "CAFE")),
    ("teen code: NK for NH", False, r"NK", "NH", ("THANKCONG", "THANHCONG")),
    ("W/V", False, r"W", "V", ("WINAMILK", "VINAMILK")),
    ("doubled letters", False, r"([A-Z])\1+", r"\1", ("VIETEL", "VIETTEL")),
)
_FOLDS = tuple((typed, re.compile(rx), to) for _, typed, rx, to, _ in SOUNDALIKE_FOLDS)


def _fold_groups(key):
    for group, letter in _LOOKALIKE_GROUPS:
        while group in key:
            key = key.replace(group, letter)
    return key


def lookalike_key(text):
    """A key equal for names that look alike on a phone screen: case, diacritics, separators
    and look-alike characters folded."""
    key = strip_diacritics(text).upper()
    key = key.translate(_LOOKALIKE_CHARS)
    return _fold_groups(_NON_KEY.sub("", key))


def confusable_key(text):
    """A key equal for names a reader could mistake for each other, by sight or by sound: the
    look-alike folds and then the sound-alike folds of SOUNDALIKE_FOLDS."""
    key = _NON_KEY.sub("", strip_diacritics(text).upper().translate(_SYMBOL_CHARS))
    for typed, pattern, replacement in _FOLDS:
        if typed:
            key = pattern.sub(replacement, key)
    key = _fold_groups(key.translate(_LOOKALIKE_CHARS))
    for typed, pattern, replacement in _FOLDS:
        if not typed:
            key = pattern.sub(replacement, key)
    return key


MAX_NAME_LENGTH = 11  # Art. 23: longer text is no sender name, so it impersonates nobody
NEAR_MISS_MIN = 5

# The characters a confusable key can hold: every digit and the letters D, J, L, Q, W, Y fold
# into others, and C is kept only in CH.
KEY_ALPHABET = "ABCEFGHIKMNOPRSTUVXZ"

# Watch-list categories a carrier is told about (a sensitive word warns applicants, but a name
# containing one impersonates nobody); "variant" is a look-alike variant an officer approved
# for a holder, which stands for the holder's name.
PROTECTED_CATEGORIES = ("state", "bank", "carrier", "protected")
TARGET_CATEGORIES = (*PROTECTED_CATEGORIES, "variant")


def plain(text):
    """The word as written without diacritics, case or separators: what a sensitive word is
    looked for in."""
    return "".join(c for c in strip_diacritics(text).upper() if c.isascii() and c.isalnum())


def one_edit_neighbours(key, *, alphabet=KEY_ALPHABET, min_length=NEAR_MISS_MIN):
    """Every string of at least `min_length` characters one edit away from `key` (not `key`)."""
    return sorted(_neighbours(key, alphabet, min_length))


def _neighbours(key, alphabet=KEY_ALPHABET, min_length=NEAR_MISS_MIN):
    """The set of `one_edit_neighbours`, unsorted: what a look-up needs."""
    n = len(key)
    if n + 1 < min_length:
        return set()
    out = set()
    for i in range(n + 1):
        head, tail = key[:i], key[i:]
        out.update([head + c + tail for c in alphabet])  # insertions
        if i < n:
            rest = key[i + 1 :]
            out.update([head + c + rest for c in alphabet])  # substitutions (and the key itself)
            out.add(head + rest)  # deletion
            if i + 1 < n and key[i] != key[i + 1]:
                out.add(head + key[i + 1] + key[i] + key[i + 2 :])
    out.discard(key)
    if n <= min_length:  # only then can a deletion be too short
        out = {k for k in out if len(k) >= min_length}
    return out


def within_one_edit(a, b):
    """Whether the optimal string alignment distance of `a` and `b` is at most 1: one insert,
    delete, substitution, or swap of two neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def is_near_miss(key, other):
    """One edit apart (and not equal), the longer-than-minimum name being `other`."""
    return len(other) >= NEAR_MISS_MIN and key != other and within_one_edit(key, other)


def kind_between(name, other):
    """How `name` resembles `other`, strongest first: "lookalike", "soundalike", "near_miss",
    or None."""
    return _kind(_own_keys(name), other)


def _own_keys(name):
    return normal_form(name), lookalike_key(name), confusable_key(name)


def _kind(keys, other):
    """kind_between for a name whose (normal form, look-alike key, confusable key) are `keys`:
    a name compared with many others computes its own keys once."""
    normal, look, key = keys
    if normal == normal_form(other):
        return None
    if look == lookalike_key(other):
        return "lookalike"
    other_key = confusable_key(other)
    if key == other_key:
        return "soundalike"
    if is_near_miss(key, other_key):
        return "near_miss"
    return None


def watch_match(name, entry_name, category):
    """How `name` matches a watch-list entry, or None: protected names by any fold or one edit,
    sensitive words as a part of the name, without diacritics, by any fold."""
    if category == "sensitive":
        word_plain = plain(entry_name)
        if word_plain and word_plain in plain(name):
            return "contains"
        for fold in (confusable_key, lookalike_key):
            word = fold(entry_name)
            if word and word in fold(name):
                return "contains"
        return None
    return _watch_match(name, None, entry_name, category)


def _watch_match(name, keys, entry_name, category):
    if plain(name) == plain(entry_name):
        return "exact"
    return _kind(keys or _own_keys(name), entry_name)


def resemblance_keys(name):
    """The keys under which everything `name` could resemble is filed: its confusable key and
    every key one edit away, its look-alike key, and the name as written plainly. A registered
    name is filed under its confusable and look-alike keys, a protected one under its plain form
    as well (see `filing_keys`); what is found there is then confirmed by `impersonates`."""
    key = confusable_key(name)
    keys = _neighbours(key)
    keys.update((key, lookalike_key(name), plain(name)))
    return keys


def filing_keys(name, category=None):
    """The keys a registered name (`category` None) or a protected name is filed under."""
    keys = {confusable_key(name), lookalike_key(name)}
    if category is not None:
        keys.add(plain(name))
    keys.discard("")
    return keys


def impersonates(name, target, category=None):
    """Whether an unregistered `name` could pass for `target`: a registered name (`category`
    None) it resembles by sight, sound or one edit, or a protected name (a watch-list category
    of TARGET_CATEGORIES) it matches."""
    return _impersonates(name, None, target, category)


def _impersonates(name, keys, target, category):
    if category is None:
        return _kind(keys or _own_keys(name), target) is not None
    return category in TARGET_CATEGORIES and _watch_match(name, keys, target, category) is not None


def can_impersonate(name):
    """Only text that could be a sender name (1 to 11 characters) is compared at all."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH


def lookalikes_of(name, held, targets, keys=None):
    """The registered, protected or watched names an unregistered `name` could pass for, as an
    answer lists them. `held(key)` gives the registered names filed under a key (a name, a tuple
    of names, or None) and `targets(key)` the protected names, as (name, category, of). The
    registry's batch answer and a carrier's local index both call this; `keys`, if given, are
    resemblance_keys(name) computed already."""
    if not can_impersonate(name):
        return []
    found, judged = set(), set()
    own = _own_keys(name)
    for key in resemblance_keys(name) if keys is None else keys:
        names = held(key)
        if names is not None:
            for other in (names,) if names.__class__ is str else names:
                if other not in judged:  # filed under two keys: judged once
                    judged.add(other)
                    if _impersonates(name, own, other, None):
                        found.add(other)
        for target_name, category, of in targets(key) or ():
            if of not in found and _impersonates(name, own, target_name, category):
                found.add(of)
    return lookalike_list(found)


def lookalike_list(names):
    """The names an answer lists in `lookalike_of`: without repeats, in normal-form order."""
    return sorted(set(names), key=lambda n: (normal_form(n), n))
