"""The reporting calendar and the online forms of Art. 30–31 (rules/reporting.py)."""

from datetime import date, timedelta

import pytest

from brandname.errors import InvalidInput
from brandname.rules import reporting


def test_the_default_calendar_is_the_year_due_on_15_january():
    calendar = reporting.calendar_from_config(None, None)
    period = calendar.containing(date(2026, 7, 4))
    assert (period.label, period.start, period.end, period.due_date) == (
        "2026",
        date(2026, 1, 1),
        date(2026, 12, 31),
        date(2027, 1, 15),
    )
    assert calendar.due(date(2027, 1, 3)).label == "2026"
    assert calendar.parse("2026") == period


@pytest.mark.parametrize(
    ("kind", "day", "label", "start", "end", "due"),
    [
        ("semiannual", date(2026, 7, 1), "2026-H2", date(2026, 7, 1), date(2026, 12, 31), date(2027, 1, 15)),
        ("semiannual", date(2026, 6, 30), "2026-H1", date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 15)),
        ("quarterly", date(2026, 2, 28), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 15)),
        (
            "quarterly",
            date(2026, 12, 31),
            "2026-Q4",
            date(2026, 10, 1),
            date(2026, 12, 31),
            date(2027, 1, 15),
        ),
    ],
)
def test_shorter_periods_and_their_labels(kind, day, label, start, end, due):
    calendar = reporting.Calendar(kind, 15)
    period = calendar.containing(day)
    assert (period.label, period.start, period.end, period.due_date) == (label, start, end, due)
    assert calendar.parse(label) == period
    assert calendar.previous(period).end == start - timedelta(days=1)


def test_a_wrong_calendar_is_refused_and_a_label_of_another_calendar_too():
    with pytest.raises(ValueError):
        reporting.Calendar("monthly", 15)
    with pytest.raises(ValueError):
        reporting.Calendar("annual", 0)
    with pytest.raises(InvalidInput):
        reporting.Calendar("annual", 15).parse("2026-Q1")
    with pytest.raises(InvalidInput):
        reporting.Calendar("quarterly", 15).parse("2026")


def test_holders_file_form_04_and_carriers_forms_05_and_06():
    assert [f.number for f in reporting.forms_for("holder")] == ["04"]
    assert [f.number for f in reporting.forms_for("carrier")] == ["05", "06"]
    assert reporting.form("4", "holder").number == "04"
    with pytest.raises(InvalidInput):
        reporting.form("05", "holder")


def test_online_figures_are_whole_numbers_and_no_part_exceeds_its_whole():
    form = reporting.FORMS["04"]
    good = {k: "0" for k in form.keys} | {"sms_sent": "1.200", "advertising_sms": "200"}
    assert reporting.figures(form, good)["sms_sent"] == 1200
    with pytest.raises(InvalidInput) as wrong:
        reporting.figures(form, good | {"calls_made": "-3", "complaints": "abc", "advertising_sms": "5000"})
    fields = wrong.value.details["fields"]
    assert set(fields) == {"calls_made", "complaints", "advertising_sms"}
    assert "không thể lớn hơn" in fields["advertising_sms"]["message"]
    with pytest.raises(InvalidInput) as missing:
        reporting.figures(form, {})
    assert set(missing.value.details["fields"]) == set(form.keys)
    with pytest.raises(InvalidInput) as unknown:
        reporting.figures(form, good | {"bogus": 1})
    assert "_unknown" in unknown.value.details["fields"]
    with pytest.raises(InvalidInput):
        reporting.figures(form, good | {"sms_sent": True})
    with pytest.raises(InvalidInput):
        reporting.figures(form, good | {"sms_sent": str(reporting.MAX_FIGURE + 1)})


def test_reminder_windows_before_the_due_date():
    due = date(2027, 1, 15)
    assert reporting.reminder_window(due, date(2026, 12, 15)) is None  # 31 days before
    assert reporting.reminder_window(due, date(2026, 12, 16)) == 30
    assert reporting.reminder_window(due, date(2027, 1, 8)) == 7
    assert reporting.reminder_window(due, date(2027, 1, 15)) == 1
    assert reporting.reminder_window(due, date(2027, 1, 16)) is None
    assert reporting.days_overdue(due, date(2027, 1, 20)) == 5
