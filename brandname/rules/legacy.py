"""Names from before the decree (Art. 36): the checks a carrier list's row passes before an
officer may recognize it, and the term it is recognized for. Pure Python.

A row is refused outright when its name breaks Art. 23's format, its holder's details are
incomplete, its term has already ended, or the name is already in the registry or earlier in the
list. A row that reads like another name (look-alike characters, see `names.confusable_key`) is
kept, with a warning the officer must weigh alone. A recognized name's term runs from the
recognition date and never longer than the decree's 3 years: a longer carrier term is cut.
"""

from dataclasses import dataclass, field

from brandname.errors import InvalidInput
from brandname.rules import dates
from brandname.rules import names as name_rules
from brandname.rules.form01 import validate_applicant


@dataclass(frozen=True)
class Problem:
    code: str
    message_vi: str
    message_en: str


@dataclass
class RowCheck:
    """The outcome of the checks of one row that need no database."""

    holder: dict | None = None
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def _day(value):
    return value.strftime("%d/%m/%Y")


def check_row(name, holder, *, use_sms, use_voice, valid_from, valid_until, today):
    """Format, holder and dates of one row, as of `today` (Hanoi)."""
    out = RowCheck()
    errs = name_rules.name_errors(name or "")
    if errs:
        out.problems.append(
            Problem(
                "invalid_name",
                "Tên định danh không hợp lệ (Điều 23): " + "; ".join(e.message_vi for e in errs),
                "Invalid sender name (Art. 23): " + "; ".join(e.message_en for e in errs),
            )
        )
    try:
        out.holder = validate_applicant(holder)
    except InvalidInput as exc:
        out.problems.append(Problem("invalid_holder", exc.message_vi, exc.message_en))
    if not (use_sms or use_voice):
        out.problems.append(
            Problem(
                "no_form_of_use",
                "Chọn ít nhất một hình thức: tin nhắn hoặc cuộc gọi.",
                "Choose at least one form of use: SMS or voice calls.",
            )
        )
    if valid_from and valid_until and valid_until < valid_from:
        out.problems.append(
            Problem(
                "bad_dates", "Ngày hết hạn trước ngày bắt đầu hiệu lực.", "valid_until is before valid_from."
            )
        )
    elif valid_until is not None and is_expired(valid_until, today):
        out.problems.append(expired_problem(valid_until))
    return out


def is_expired(valid_until, today):
    """A term whose last day is before `today` has ended: there is nothing left to recognize."""
    return valid_until is not None and valid_until < today


def expired_problem(valid_until):
    return Problem(
        "expired",
        f"Tên đã hết hạn sử dụng từ ngày {_day(valid_until)}; không thể công nhận (Điều 36).",
        f"The name expired on {valid_until.isoformat()}; it cannot be recognized (Art. 36).",
    )


def duplicate_in_file(first_line):
    return Problem(
        "duplicate_in_file",
        f"Trùng với tên ở dòng {first_line} của cùng tệp.",
        f"Repeats the name on line {first_line} of the same file.",
    )


def already_registered(name, status):
    return Problem(
        "in_registry",
        f"Tên {name} đã có trong sổ đăng ký (trạng thái: {status}).",
        f"{name} is already in the registry (status: {status}).",
    )


def already_queued(name, batch_id, line):
    return Problem(
        "in_queue",
        f"Tên {name} đang chờ xét ở danh sách số {batch_id}, dòng {line}.",
        f"{name} is already waiting for review in list {batch_id}, line {line}.",
    )


def unreadable(message_vi, message_en):
    return Problem("unreadable", message_vi, message_en)


def confusable_warning(other, where, line=None):
    """A warning stored on the row: JSON-friendly."""
    return {"code": "confusable", "with": other, "where": where, "line": line}


def warning_text(warning):
    """(vi, en) of a stored warning."""
    other, where, line = warning.get("with"), warning.get("where"), warning.get("line")
    if where == "file":
        return (
            f"Dễ nhầm với {other} ở dòng {line} của cùng tệp.",
            f"Reads like {other} on line {line} of the same file.",
        )
    if where == "queue":
        return (
            f"Dễ nhầm với {other} đang chờ xét.",
            f"Reads like {other}, waiting for review.",
        )
    return (f"Dễ nhầm với tên {other} trong sổ đăng ký.", f"Reads like {other} in the registry.")


def term_exceeds(valid_until, today):
    """The carrier's term runs past the 3 years a recognition on `today` may give."""
    return valid_until is not None and valid_until > dates.validity_end(today)


def recognized_term(valid_until_filed, recognition_day):
    """(valid_from, valid_until, cut): from the recognition date to the carrier's end date, cut to
    3 years from the recognition date when the carrier's term is longer; a row without an end
    date gets the standard 3 years."""
    limit = dates.validity_end(recognition_day)
    if valid_until_filed is None:
        return recognition_day, limit, False
    if valid_until_filed > limit:
        return recognition_day, limit, True
    return recognition_day, valid_until_filed, False
