"""The maintenance charge (chi phí duy trì tên định danh, Art. 23(8)): a dated, sourced schedule
and the periods of a name it invoices. Pure Python.

The decree lets the ministry set a charge for keeping a name, and Art. 29(1)(b) revokes a name
whose charge is more than 30 days late; no regulation setting the amount was found, so the
schedule is configuration and empty by default. With an empty schedule nothing is invoiced and
ground (b) cannot be used.

Design choices where the law is silent:
- the periods of a name run back to back from the first day of its term (`valid_from`), each
  `period_months` long, for as long as the name is valid;
- a period is invoiced at the line in force on its first day; a period that began before the
  schedule's first line is not invoiced (a charge is never retroactive);
- the invoice is raised on the period's first day and falls due `due_days` later (default 30).
"""

from dataclasses import dataclass
from datetime import date, timedelta

# Art. 29(1)(b): "quá 30 ngày" — a charge unpaid for more than 30 days after its due date
ARREARS_DAYS = 30
DEFAULT_DUE_DAYS = 30

# reminders to the holder: days before the due date, then days after it (the last one comes a
# week before the 30 days of Art. 29(1)(b) run out)
REMINDERS_BEFORE = (14, 3)
REMINDERS_AFTER = (1, 23)


@dataclass(frozen=True)
class ChargeLine:
    effective_from: date
    amount_vnd: int
    period_months: int
    source: str
    due_days: int = DEFAULT_DUE_DAYS


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due_date: date
    line: ChargeLine


DEFAULT_SCHEDULE = ()


def schedule_from_config(rows):
    """Lines from configuration: dicts with `from`, `amount`, `period_months`, `source` and,
    optionally, `due_days`. Raises ValueError on a line that cannot be right."""
    lines = []
    for row in rows or ():
        if not isinstance(row, dict):
            raise ValueError("each maintenance charge line is an object")
        missing = [k for k in ("from", "amount", "period_months", "source") if row.get(k) in (None, "")]
        if missing:
            raise ValueError(f"maintenance charge line without {', '.join(missing)}")
        amount, months = int(row["amount"]), int(row["period_months"])
        due_days = int(row.get("due_days", DEFAULT_DUE_DAYS))
        if amount <= 0:
            raise ValueError("a maintenance charge must be a positive amount")
        if not 1 <= months <= 36:
            raise ValueError("a charge period is 1 to 36 months")
        if not 0 <= due_days <= 365:
            raise ValueError("due_days is 0 to 365")
        source = " ".join(str(row["source"]).split())
        lines.append(ChargeLine(date.fromisoformat(str(row["from"])), amount, months, source, due_days))
    if len({line.effective_from for line in lines}) != len(lines):
        raise ValueError("two maintenance charge lines take effect on the same day")
    return tuple(sorted(lines, key=lambda line: line.effective_from))


def line_for(on_day, schedule=DEFAULT_SCHEDULE):
    """The line in force on `on_day` (the latest that took effect by then), or None."""
    lines = [line for line in schedule if line.effective_from <= on_day]
    return max(lines, key=lambda line: line.effective_from) if lines else None


def add_months(day, months):
    """The same day `months` later; a day the month lacks becomes its last day (31 Jan -> 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def periods(valid_from, valid_until, today, schedule=DEFAULT_SCHEDULE):
    """The invoiceable periods of a name valid from `valid_from` through `valid_until` that have
    begun by `today`, oldest first. Each period follows the line in force on its first day."""
    if not schedule or valid_from is None or valid_until is None:
        return []
    out, start, guard = [], valid_from, 0
    last = min(valid_until, today)
    while start <= last and guard < 1200:
        guard += 1
        line = line_for(start, schedule)
        months = line.period_months if line else min(x.period_months for x in schedule)
        end = add_months(start, months) - timedelta(days=1)
        if line is not None:
            out.append(Period(start, end, start + timedelta(days=line.due_days), line))
        start = end + timedelta(days=1)
    return out


def days_overdue(due_date, today):
    """Whole days past the due date (0 on or before it)."""
    return max(0, (today - due_date).days)


def in_arrears(due_date, today):
    """Art. 29(1)(b): more than 30 days past the due date."""
    return days_overdue(due_date, today) > ARREARS_DAYS


def arrears_from(due_date):
    """The first day on which an invoice due on `due_date` is in arrears."""
    return due_date + timedelta(days=ARREARS_DAYS + 1)


def reminder_window(due_date, today):
    """The reminder a still-unpaid invoice calls for today, as ("before", days) or ("after", days),
    or None. A run that skipped days sends the closest window only."""
    left = (due_date - today).days
    if 0 <= left <= max(REMINDERS_BEFORE):
        return ("before", min(d for d in REMINDERS_BEFORE if left <= d))
    late = -left
    if late >= min(REMINDERS_AFTER):
        return ("after", max(d for d in REMINDERS_AFTER if late >= d))
    return None


def period_label(start, end):
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"
