"""Art. 23(4) confusion control as plain rules: which names are near misses of each other, and
what a warning says. The database questions that use them are in lifecycle/queries.py.

A near miss is a name whose confusable key is one edit (insert, delete, substitute, or swap two
neighbours: the optimal string alignment distance) away from the key of a registered or watched
name of at least NEAR_MISS_MIN characters. Instead of comparing with every name, the registry
lists every key one edit away from the asked name's key (a few hundred strings) and looks them
up in the confusable-key index, so the cost does not grow with the size of the registry.
"""

from rapidfuzz.distance import OSA

from brandname.rules import names as name_rules

NEAR_MISS_MIN = 5

# The characters a confusable key can hold: every digit and the letters D, J, L, Q, W, Y fold
# into others (names.py), and C is kept only in CH.
KEY_ALPHABET = "ABCEFGHIKMNOPRSTUVXZ"

WARNING_KINDS = ("lookalike", "soundalike", "near_miss", "watchlist")
PROTECTED_CATEGORIES = ("state", "bank", "carrier", "protected")
WATCH_CATEGORIES = (*PROTECTED_CATEGORIES, "sensitive")


def plain(text):
    """The word as written without diacritics, case or separators: what a sensitive word is
    looked for in."""
    return "".join(c for c in name_rules.strip_diacritics(text).upper() if c.isascii() and c.isalnum())


def one_edit_neighbours(key, *, alphabet=KEY_ALPHABET, min_length=NEAR_MISS_MIN):
    """Every string of at least `min_length` characters one edit away from `key` (not `key`)."""
    out = set()
    n = len(key)
    for i in range(n):
        out.add(key[:i] + key[i + 1 :])
        if i + 1 < n and key[i] != key[i + 1]:
            out.add(key[:i] + key[i + 1] + key[i] + key[i + 2 :])
        for c in alphabet:
            if c != key[i]:
                out.add(key[:i] + c + key[i + 1 :])
    for i in range(n + 1):
        for c in alphabet:
            out.add(key[:i] + c + key[i:])
    out.discard(key)
    return sorted(k for k in out if len(k) >= min_length)


def is_near_miss(key, other):
    """One edit apart (and not equal), the longer-than-minimum name being `other`."""
    return len(other) >= NEAR_MISS_MIN and key != other and OSA.distance(key, other, score_cutoff=1) <= 1


def kind_between(name, other):
    """How `name` resembles `other`, strongest first: "lookalike", "soundalike", "near_miss",
    or None."""
    if name_rules.normal_form(name) == name_rules.normal_form(other):
        return None
    if name_rules.lookalike_key(name) == name_rules.lookalike_key(other):
        return "lookalike"
    key, other_key = name_rules.confusable_key(name), name_rules.confusable_key(other)
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
        for fold in (name_rules.confusable_key, name_rules.lookalike_key):
            word = fold(entry_name)
            if word and word in fold(name):
                return "contains"
        return None
    if plain(name) == plain(entry_name):
        return "exact"
    return kind_between(name, entry_name)
