"""The facts the registry and its carriers must compute alike. Pure Python.

The registry server imports these from here, so a carrier's offline answer and the registry's
own API answer come from one copy of each rule.
"""

import hashlib
import hmac
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
