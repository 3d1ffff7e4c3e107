"""The facts the registry and its carriers must compute alike. Pure Python.

The registry server imports these from here, so a carrier's offline answer and the registry's
own API answer come from one copy of each rule.
"""

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


def decide(status, valid_until, holder_number, authorized_numbers, holder_id, today_iso):
    """(deliverable, status, reason) from the bare facts; `today_iso` is the local date as
    YYYY-MM-DD. reason: ok | not_registered | reserved | expired | revoked | holder_mismatch;
    with a holder id, `ok` means the sender is the holder or a party the holder has authorized
    (Art. 23.6). An individual holder's ID number is never published, so it never matches."""
    if status == "active" and valid_until and valid_until < today_iso:
        status = "expired"
    if status != "active":
        return False, status, status
    if holder_id is not None:
        wanted = normal_holder_id(holder_id)
        if not (holder_number is not None and normal_holder_id(holder_number) == wanted) and not any(
            normal_holder_id(a) == wanted for a in authorized_numbers
        ):
            return False, status, "holder_mismatch"
    return True, status, "ok"
