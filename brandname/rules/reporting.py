"""Periodic reports to the authority (Art. 30–31; Forms 04, 05 and 06): which form each filer
owes, the reporting periods, their due dates, the figures each online form asks for and the
checks on them. Pure Python.

Who files what: the holder of a sender name reports on its use (Form 04); a telecom carrier
reports on the messages and calls it carried under sender names (Form 05) and on what it did
against spam (Form 06). The authority may also ask any of them for a report at another time
(an ad-hoc request, with its own due date).

The period and the due date are configuration (BRANDNAME_REPORT_PERIOD, BRANDNAME_REPORT_DUE_DAYS).
Default: one report a year for the calendar year, due 15 days after the year ends (15 January),
the yearly calendar of Art. 30–31 as domain.md reads it; the codified text was not at hand
when this was written, so the default is a setting an operator can correct without a code change.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from brandname.errors import InvalidInput

PERIODS = {"annual": 12, "semiannual": 6, "quarterly": 3}
DEFAULT_PERIOD = "annual"
DEFAULT_DUE_DAYS = 15
# reminders to the filer before the due date, in days
REMINDERS_BEFORE = (30, 7, 1)
# the largest figure an online form accepts: more than any network carries in a year, small
# enough for a 64-bit column and to catch a figure typed twice
MAX_FIGURE = 10**15

FILERS = ("holder", "carrier")


@dataclass(frozen=True)
class Field:
    key: str
    label_vi: str
    label_en: str


@dataclass(frozen=True)
class Form:
    number: str
    filer: str
    title_vi: str
    title_en: str
    fields: tuple
    # (smaller, larger): the first figure cannot exceed the second
    bounds: tuple = ()

    @property
    def keys(self):
        return tuple(f.key for f in self.fields)

    def field(self, key):
        return next(f for f in self.fields if f.key == key)


FORMS = {
    "04": Form(
        "04",
        "holder",
        "Báo cáo tình hình sử dụng tên định danh",
        "Report on the use of sender names",
        (
            Field("names_used", "Số tên định danh đã sử dụng trong kỳ", "Sender names used in the period"),
            Field("sms_sent", "Số tin nhắn đã gửi bằng tên định danh", "Messages sent under the names"),
            Field("advertising_sms", "Trong đó: số tin nhắn quảng cáo", "Of which advertising messages"),
            Field("calls_made", "Số cuộc gọi đã thực hiện bằng tên định danh", "Calls made under the names"),
            Field(
                "opt_out_requests",
                "Số yêu cầu từ chối nhận quảng cáo đã nhận",
                "Requests to stop advertising received",
            ),
            Field(
                "opt_out_handled",
                "Số yêu cầu từ chối nhận quảng cáo đã thực hiện",
                "Requests to stop advertising carried out",
            ),
            Field("complaints", "Số phản ánh, khiếu nại đã nhận", "Complaints received"),
        ),
        (("advertising_sms", "sms_sent"), ("opt_out_handled", "opt_out_requests")),
    ),
    "05": Form(
        "05",
        "carrier",
        "Báo cáo tình hình truyền tải tin nhắn, cuộc gọi sử dụng tên định danh",
        "Report on messages and calls carried under sender names",
        (
            Field("names_carried", "Số tên định danh được truyền tải trên mạng", "Sender names carried"),
            Field("sms_carried", "Số tin nhắn sử dụng tên định danh đã truyền tải", "Messages carried"),
            Field("calls_carried", "Số cuộc gọi sử dụng tên định danh đã truyền tải", "Calls carried"),
            Field(
                "unregistered_blocked",
                "Số tin nhắn, cuộc gọi mang tên định danh chưa được cấp đã bị chặn",
                "Messages and calls under names never issued that were blocked",
            ),
        ),
    ),
    "06": Form(
        "06",
        "carrier",
        "Báo cáo tình hình ngăn chặn tin nhắn rác, cuộc gọi rác",
        "Report on the prevention of spam messages and calls",
        (
            Field(
                "spam_reports", "Số phản ánh tin nhắn rác, cuộc gọi rác đã tiếp nhận", "Spam reports received"
            ),
            Field("spam_reports_handled", "Số phản ánh đã xử lý xong", "Spam reports handled"),
            Field("spam_sms_blocked", "Số tin nhắn rác đã ngăn chặn", "Spam messages blocked"),
            Field("spam_calls_blocked", "Số cuộc gọi rác đã ngăn chặn", "Spam calls blocked"),
            Field(
                "subscribers_suspended",
                "Số thuê bao bị tạm dừng dịch vụ do phát tán tin nhắn rác, cuộc gọi rác",
                "Subscriptions suspended for spam",
            ),
        ),
        (("spam_reports_handled", "spam_reports"),),
    ),
}
NOTES_MAX = 4000


def forms_for(filer):
    """The forms a filer of this kind owes each period, in their order."""
    return tuple(f for f in FORMS.values() if f.filer == filer)


def form(number, filer=None):
    """The form by its number, or InvalidInput; with `filer`, one that filer may file."""
    found = FORMS.get(str(number or "").strip().zfill(2))
    if found is None or (filer is not None and found.filer != filer):
        raise InvalidInput(
            f"Mẫu báo cáo {number} không áp dụng cho bên nộp này.",
            f"Report form {number} does not apply to this filer.",
        )
    return found


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    due_date: date

    @property
    def label(self):
        """The period as the forms name it: 2026, 2026-H1, 2026-Q3."""
        if self.kind == "annual":
            return f"{self.start.year}"
        if self.kind == "semiannual":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def words_vi(self):
        if self.kind == "annual":
            return f"năm {self.start.year}"
        if self.kind == "semiannual":
            return f"{'6 tháng đầu' if self.start.month == 1 else '6 tháng cuối'} năm {self.start.year}"
        return f"quý {(self.start.month - 1) // 3 + 1} năm {self.start.year}"


@dataclass(frozen=True)
class Calendar:
    """The reporting calendar: the period's length and the days after its end the report is due."""

    period: str = DEFAULT_PERIOD
    due_days: int = DEFAULT_DUE_DAYS

    def __post_init__(self):
        if self.period not in PERIODS:
            raise ValueError(
                f"BRANDNAME_REPORT_PERIOD must be one of {', '.join(PERIODS)}, not {self.period!r}"
            )
        if not 0 < int(self.due_days) <= 366:
            raise ValueError("BRANDNAME_REPORT_DUE_DAYS must be 1 to 366 days after the period's end")

    def containing(self, day):
        """The period the day falls in."""
        months = PERIODS[self.period]
        first_month = (day.month - 1) // months * months + 1
        start = date(day.year, first_month, 1)
        nxt = date(start.year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        return Period(self.period, start, end, end + timedelta(days=int(self.due_days)))

    def previous(self, period):
        return self.containing(period.start - timedelta(days=1))

    def parse(self, label):
        """The period a label (as `Period.label` writes it) names, or InvalidInput."""
        text = str(label or "").strip().upper()
        try:
            year, _, part = text.partition("-")
            year = int(year)
            if not 2000 <= year <= 2999:
                raise ValueError
            if self.period == "annual" and not part:
                return self.containing(date(year, 1, 1))
            if self.period == "semiannual" and part in ("H1", "H2"):
                return self.containing(date(year, 1 if part == "H1" else 7, 1))
            if self.period == "quarterly" and part in ("Q1", "Q2", "Q3", "Q4"):
                return self.containing(date(year, 3 * int(part[1]) - 2, 1))
        except ValueError:
            pass
        raise InvalidInput(
            f"Kỳ báo cáo {label} không đúng lịch báo cáo ({self.period}).",
            f"The report period {label} does not fit the reporting calendar ({self.period}).",
        )

    def due(self, today):
        """The latest period that has ended by `today`: the one whose report falls due next or is
        being filed now."""
        return self.previous(self.containing(today))


def calendar_from_config(period=None, due_days=None):
    return Calendar(
        period=(period or DEFAULT_PERIOD).strip().lower(), due_days=int(due_days or DEFAULT_DUE_DAYS)
    )


def reminder_window(due_date, today):
    """The reminder window (days before the due date) `today` falls in, or None: the closest
    window the filer has reached, so a run missed on one day still reminds on the next."""
    left = (due_date - today).days
    if left < 0 or left > max(REMINDERS_BEFORE):
        return None
    return min(d for d in REMINDERS_BEFORE if left <= d)


def days_overdue(due_date, today):
    return max(0, (today - due_date).days)


def figures(form_, raw):
    """The figures of an online form, checked: every field a whole number from 0 to MAX_FIGURE,
    and no part larger than its whole. Returns {key: int}; raises InvalidInput naming each
    field that is wrong (details.fields, as the applicant forms do)."""
    raw = raw or {}
    values, problems = {}, {}
    for f in form_.fields:
        value = raw.get(f.key)
        text = (
            str(value if value is not None else "").strip().replace(".", "").replace(",", "").replace(" ", "")
        )
        if isinstance(value, bool) or not text.isdigit() or not text.isascii():
            problems[f.key] = {
                "message": f"{f.label_vi}: phải là số nguyên không âm.",
                "message_en": f"{f.label_en}: must be a whole number, 0 or more.",
            }
            continue
        number = int(text)
        if number > MAX_FIGURE:
            problems[f.key] = {
                "message": f"{f.label_vi}: số quá lớn.",
                "message_en": f"{f.label_en}: the number is too large.",
            }
            continue
        values[f.key] = number
    for part, whole in form_.bounds:
        if part in values and whole in values and values[part] > values[whole]:
            p, w = form_.field(part), form_.field(whole)
            problems[part] = {
                "message": f"{p.label_vi} ({_vi(values[part])}) không thể lớn hơn "
                f"{w.label_vi.lower()} ({_vi(values[whole])}).",
                "message_en": f"{p.label_en} ({values[part]:,}) cannot exceed {w.label_en.lower()} ({values[whole]:,}).",
            }
    unknown = sorted(set(raw) - set(form_.keys) - {"notes"})
    if unknown:
        problems["_unknown"] = {
            "message": f"Mẫu {form_.number} không có các chỉ tiêu: {', '.join(unknown)}.",
            "message_en": f"Form {form_.number} has no figures named {', '.join(unknown)}.",
        }
    if problems:
        raise InvalidInput(
            f"Số liệu của Mẫu {form_.number} chưa hợp lệ.",
            f"The figures of Form {form_.number} are not valid.",
            details={"fields": problems},
        )
    return values


def _vi(number):
    """A number as Vietnamese writes it: 20.000."""
    return f"{number:,}".replace(",", ".")


def notes(text):
    text = str(text or "").strip()
    if len(text) > NOTES_MAX:
        raise InvalidInput(
            f"Phần kiến nghị, đề xuất dài quá {NOTES_MAX} ký tự.",
            f"The recommendations are longer than {NOTES_MAX} characters.",
        )
    return text
