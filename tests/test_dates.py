from datetime import date, datetime, timedelta

import pytest

from brandname.rules import dates


def test_validity_is_three_years_to_the_day_before_the_anniversary():
    assert dates.validity_end(date(2026, 3, 2)) == date(2029, 3, 1)
    assert dates.validity_end(date(2026, 1, 1)) == date(2028, 12, 31)


def test_leap_day_anniversary_moves_to_first_of_march():
    assert dates.add_years(date(2028, 2, 29), 3) == date(2031, 3, 1)
    assert dates.validity_end(date(2028, 2, 29)) == date(2031, 2, 28)


def test_renewal_runs_from_the_old_expiry_without_gap():
    old_end = date(2029, 3, 1)
    new_end = dates.renewed_validity_end(old_end)
    assert new_end == date(2032, 3, 1)
    assert (new_end - old_end).days in (365 * 3, 365 * 3 + 1)


@pytest.mark.parametrize(
    "today, status",
    [
        (date(2028, 2, 29), "too_early"),  # 366 days before
        (date(2028, 3, 1), "on_time"),  # 365 days before: the window opens 12 months ahead
        (date(2029, 2, 14), "on_time"),  # exactly 15 days before
        (date(2029, 2, 15), "late"),
        (date(2029, 3, 1), "late"),  # the last valid day
        (date(2029, 3, 2), "expired"),
    ],
)
def test_renewal_window(today, status):
    assert dates.renewal_status(today, date(2029, 3, 1)) == status


def test_working_days_skip_weekends_and_holidays():
    assert dates.is_working_day(date(2026, 3, 2))  # Monday
    assert not dates.is_working_day(date(2026, 3, 7))  # Saturday
    assert not dates.is_working_day(date(2026, 9, 2))  # National Day
    assert not dates.is_working_day(date(2026, 2, 17), holidays=(date(2026, 2, 17),))  # Tết, configured
    assert dates.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)  # Friday -> Monday


def test_national_calendar_knows_the_lunar_and_second_national_day_holidays():
    # Without a configured list: Tết 2026 (16-20 Feb), the Hùng Kings' day 2026 falls on a Sunday
    # and is observed on Monday 27 Apr, and National Day is two days (1-2 Sep 2026).
    for day in (date(2026, 2, 16), date(2026, 2, 20), date(2026, 4, 27), date(2026, 9, 1)):
        assert day.weekday() < 5 and not dates.is_working_day(day), day
    # Received on the Friday before Tết 2026 (13 Feb): the next working day is Monday 23 Feb.
    assert dates.decision_deadline(datetime(2026, 2, 13, 2, 0)) == datetime(2026, 2, 23, 16, 59, 59)


def test_swapped_working_days_count_as_working_days():
    # 2026: Monday 31 Aug made a day off in exchange for Saturday 22 Aug (national calendar).
    assert dates.is_working_day(date(2026, 8, 22))
    assert not dates.is_working_day(date(2026, 8, 31))
    # A swap the operator declares (BRANDNAME_WORKDAYS) makes a Saturday count.
    saturday = date(2026, 3, 7)
    assert not dates.is_working_day(saturday)
    assert dates.is_working_day(saturday, workdays=(saturday,))
    # Received Friday 6 Mar: with that Saturday working, the deadline is Saturday's end.
    assert dates.decision_deadline(datetime(2026, 3, 6, 9, 0), workdays=(saturday,)) == datetime(
        2026, 3, 7, 16, 59, 59
    )


def test_decision_deadline_end_of_next_working_day_hanoi_time():
    # Monday 10:00 Hanoi (03:00 UTC) -> end of Tuesday Hanoi = 16:59:59 UTC Tuesday
    assert dates.decision_deadline(datetime(2026, 3, 2, 3, 0)) == datetime(2026, 3, 3, 16, 59, 59)
    # Friday 16:00 Hanoi -> end of Monday
    assert dates.decision_deadline(datetime(2026, 3, 6, 9, 0)) == datetime(2026, 3, 9, 16, 59, 59)
    # Received Wednesday 29 Apr 2026; 30 Apr and 1 May are holidays, then a weekend -> Monday 4 May
    assert dates.decision_deadline(datetime(2026, 4, 29, 2, 0)) == datetime(2026, 5, 4, 16, 59, 59)
    # A configured holiday pushes it further
    assert dates.decision_deadline(datetime(2026, 3, 2, 3, 0), holidays=(date(2026, 3, 3),)) == datetime(
        2026, 3, 4, 16, 59, 59
    )


def test_local_date_uses_hanoi_day():
    assert dates.local_date(datetime(2026, 3, 1, 18, 0)) == date(2026, 3, 2)  # 01:00 on the 2nd


def test_parse_holidays():
    assert dates.parse_holidays("2026-02-16, 2026-02-17 2026-04-26") == (
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 4, 26),
    )
    assert dates.parse_holidays("") == ()
    with pytest.raises(ValueError):
        dates.parse_holidays("16/02/2026")


def test_renewal_payment_deadline_is_one_payment_period_at_most_after_the_old_expiry():
    expiry = date(2029, 3, 1)
    # approved well before the expiry: 30 days after the approval, as any fee
    early = datetime(2029, 1, 10, 3, 0)
    assert dates.renewal_payment_deadline(early, expiry, 30) == early + timedelta(days=30)
    # decided after the expiry: never later than the end of the 30th day after it (Hanoi time)
    late = datetime(2029, 3, 20, 3, 0)
    assert dates.renewal_payment_deadline(late, expiry, 30) == datetime(2029, 3, 31, 16, 59, 59)
    assert dates.payment_deadline(late, 30) == late + timedelta(days=30)


def test_renewal_window_is_configurable():
    assert dates.renewal_opens(date(2029, 3, 1)) == date(2028, 3, 1)
    assert dates.renewal_status(date(2028, 12, 1), date(2029, 3, 1), window_days=90) == "on_time"
    assert dates.renewal_status(date(2028, 11, 30), date(2029, 3, 1), window_days=90) == "too_early"
