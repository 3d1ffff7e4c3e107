"""Claiming names already in the registry: the one-time code mailed to the email on record,
its expiry, its attempts and resends, and how the address is shown. Pure Python, no Flask, no DB.

A business whose names came from a paper filing or a legacy import proves it controls them with a
6-digit code mailed to the address on the holder's record. Only a salted HMAC-SHA256 of the code
is kept, a code works for `CODE_MINUTES` and for `MAX_ATTEMPTS` wrong tries, and a claim gets at
most `MAX_SENDS` codes in `SEND_WINDOW`: at most 15 guesses an hour against a million codes.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

CODE_DIGITS = 6
CODE_MINUTES = 15  # BRANDNAME_CLAIM_CODE_MINUTES
MAX_ATTEMPTS = 5  # wrong tries per code; then the code is spent and a new one must be sent
MAX_SENDS = 3  # codes per claim in SEND_WINDOW
SEND_WINDOW = timedelta(hours=1)


def new_code():
    """A fresh 6-digit code from the system's secure random source (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_salt():
    return secrets.token_hex(16)


def hash_code(code, salt):
    """The stored form of a code: HMAC-SHA256 keyed with the claim's salt (hex)."""
    return hmac.new(salt.encode(), normalize_code(code).encode(), hashlib.sha256).hexdigest()


def normalize_code(code):
    """What the claimant typed, without spaces or dashes ("123 456", "123-456" read as "123456")."""
    return "".join(ch for ch in str(code or "") if not ch.isspace() and ch != "-")


def code_matches(code, salt, stored_hash):
    """True when `code` is the one whose hash was stored; the comparison takes constant time."""
    typed = normalize_code(code)
    if not stored_hash or not salt or len(typed) != CODE_DIGITS or not typed.isdigit():
        return False
    return hmac.compare_digest(hash_code(typed, salt), stored_hash)


def expires_at(sent_at, minutes=CODE_MINUTES):
    return sent_at + timedelta(minutes=minutes)


def is_expired(expires, now):
    return expires is None or now >= expires


def attempts_left(attempts, limit=MAX_ATTEMPTS):
    return max(0, limit - (attempts or 0))


def is_locked(attempts, limit=MAX_ATTEMPTS):
    """A code tried wrongly `limit` times works no more, even when the next try is right."""
    return (attempts or 0) >= limit


def sends_in_window(sent_times, now, window=SEND_WINDOW):
    """The send times (datetimes or ISO strings) within `window` before `now`, oldest first."""
    times = sorted(t if isinstance(t, datetime) else datetime.fromisoformat(t) for t in sent_times or ())
    return [t for t in times if now - t < window]


def next_send_at(sent_times, now, *, limit=MAX_SENDS, window=SEND_WINDOW):
    """None when another code may be sent now, else the moment the oldest send in the window
    leaves it."""
    recent = sends_in_window(sent_times, now, window)
    if len(recent) < limit:
        return None
    return recent[-limit] + window


def mask_email(email):
    """An address shown to someone who does not own it yet: 'nguyen.van@example.vn' →
    'n***@e***.vn'. The first letter of the mailbox and of the domain, and the top-level domain
    (its last two labels for second-level ones like .com.vn)."""
    email = (email or "").strip()
    if "@" not in email:
        return ""
    local, domain = email.rsplit("@", 1)
    labels = [label for label in domain.split(".") if label]
    if not local or not labels:
        return ""
    tail_count = 2 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL else 1
    if len(labels) <= tail_count:
        head, tail = labels[0], labels[1:]
    else:
        head, tail = labels[0], labels[-tail_count:]
    masked_domain = head[0] + "***" + "".join("." + label for label in tail)
    return f"{local[0]}***@{masked_domain}"


_SECOND_LEVEL = {"com", "net", "org", "edu", "gov", "ac", "co", "info", "biz", "name", "pro", "health"}
