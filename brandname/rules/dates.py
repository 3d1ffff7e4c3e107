"""Dates of the decree: validity, the renewal window, working-day deadlines. Pure Python."""

from datetime import UTC, date, datetime, time, timedelta, timezone  # noqa: F401 - used as dates.timezone
from functools import lru_cache

import holidays as holiday_calendars

# The Hanoi calendar (UTC+7 all year) is shared with the carrier client, which must agree on the day.
from brandname_carrier.rules import VN_TZ, local_date

VALIDITY_YEARS = 3
RENEWAL_ON_TIME_DAYS = 15  # Art. 28: file at least 15 days before expiry


@lru_cache(maxsize=64)
def national_calendar(year):
    """Vietnam's public holidays of `year` (Labour Code 2019, Art. 112) and the weekend days the
    government made working days in exchange (ngày làm bù), from the maintained `holidays` calendar:
    it follows the lunar holidays (Tết, the Hùng Kings' day), the second National Day holiday and
    each year's announced swaps, which a hand-written list would miss."""
    calendar = holiday_calendars.country_holidays("VN", years=year)
    days_off = frozenset(calendar)
    swapped_workdays = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return days_off, swapped_workdays


def utcnow():
    """Naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today(now=None):
    """Today in Hanoi by the registry's clock (utcnow), or the Hanoi day of `now`."""
    return local_date(now or utcnow())


def add_years(day, years):
    """The same calendar day `years` later; 29 February moves to 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def validity_end(start, years=VALIDITY_YEARS):
    """Last valid day of a term starting on `start`: the day before its anniversary."""
    return add_years(start, years) - timedelta(days=1)


def renewed_validity_end(current_end, years=VALIDITY_YEARS):
    """A renewal runs on from the old expiry with no gap: a new term from the next day."""
    return validity_end(current_end + timedelta(days=1), years)


def is_holiday(day, holidays=()):
    """A public holiday, or one of the extra days off the operator declared (BRANDNAME_HOLIDAYS)."""
    return day in national_calendar(day.year)[0] or day in set(holidays)


def is_working_day(day, holidays=(), workdays=()):
    """Monday to Friday unless a holiday; a Saturday or Sunday declared a working day in exchange
    for a day off (by the government's calendar or BRANDNAME_WORKDAYS) counts as one."""
    if is_holiday(day, holidays):
        return False
    if day in set(workdays) or day in national_calendar(day.year)[1]:
        return True
    return day.weekday() < 5


def next_working_day(day, holidays=(), workdays=()):
    day = day + timedelta(days=1)
    while not is_working_day(day, holidays, workdays):
        day += timedelta(days=1)
    return day


def decision_deadline(received_at, holidays=(), working_days=1, workdays=()):
    """Art. 26: decide within N working days of receipt, counted from the day after receipt.

    Returns a naive UTC timestamp: the end (23:59:59 Hanoi time) of the N-th working day after
    the day the application was received.
    """
    day = local_date(received_at)
    for _ in range(working_days):
        day = next_working_day(day, holidays, workdays)
    end_local = datetime.combine(day, time(23, 59, 59), VN_TZ)
    return end_local.astimezone(UTC).replace(tzinfo=None)


def stopped_working_days(asked_at, answered_at, holidays=(), workdays=()):
    """The working days a request for more documents stopped the decision clock: each working
    day after the (Hanoi) day it was asked, up to and including the day it was answered. Asked
    and answered the same day: none."""
    day, last, count = local_date(asked_at), local_date(answered_at), 0
    while True:
        day = next_working_day(day, holidays, workdays)
        if day > last:
            return count
        count += 1


def extend_deadline(due_at, working_days, holidays=(), workdays=()):
    """A decision deadline (naive UTC, the end of a Hanoi working day) moved `working_days`
    working days later."""
    day = local_date(due_at)
    for _ in range(working_days):
        day = next_working_day(day, holidays, workdays)
    return datetime.combine(day, time(23, 59, 59), VN_TZ).astimezone(UTC).replace(tzinfo=None)


RENEWAL_WINDOW_DAYS = 365  # the law sets no earliest day; filing opens 12 months before expiry


def renewal_opens(valid_until, window_days=RENEWAL_WINDOW_DAYS):
    """The first day a renewal of a name valid until `valid_until` may be filed."""
    return valid_until - timedelta(days=window_days)


def renewal_status(today, valid_until, window_days=RENEWAL_WINDOW_DAYS, on_time_days=RENEWAL_ON_TIME_DAYS):
    """Where `today` stands against a name's expiry for a renewal request.

    'too_early' before the window opens (`window_days` before expiry), 'on_time' up to 15 days
    before expiry, 'late' after that but on or before the last valid day (accepted, and marked
    late for the officer), 'expired' afterwards (a new application is needed).
    """
    if today > valid_until:
        return "expired"
    days_left = (valid_until - today).days
    if today < renewal_opens(valid_until, window_days):
        return "too_early"
    if days_left >= on_time_days:
        return "on_time"
    return "late"


def end_of_local_day(day):
    """23:59:59 Hanoi time on `day`, as naive UTC."""
    return datetime.combine(day, time(23, 59, 59), VN_TZ).astimezone(UTC).replace(tzinfo=None)


def payment_deadline(approved_at, payment_days):
    """An approval's fee falls due `payment_days` after the approval (BRANDNAME_PAYMENT_DAYS)."""
    return approved_at + timedelta(days=payment_days)


def renewal_payment_deadline(approved_at, valid_until, payment_days):
    """The fee of a renewal falls due as any fee, `payment_days` after the approval, but never
    later than the end of the `payment_days`-th day after the old expiry: a renewal filed in time
    keeps the name in force until this deadline, and no officer's delay in deciding may stretch
    that protection past one payment period beyond the expiry."""
    return min(
        payment_deadline(approved_at, payment_days),
        end_of_local_day(valid_until + timedelta(days=payment_days)),
    )


def parse_holidays(text):
    """Parse BRANDNAME_HOLIDAYS or BRANDNAME_WORKDAYS: ISO dates separated by commas or white space."""
    days = []
    for part in (text or "").replace(",", " ").split():
        days.append(date.fromisoformat(part))
    return tuple(days)
