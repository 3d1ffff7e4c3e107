"""The fee schedule (Art. 23.8): data with a date and a source note on each line. Pure Python."""

from dataclasses import dataclass
from datetime import date

from brandname.errors import InvalidInput

ACTS = ("issue", "reissue", "renewal")


@dataclass(frozen=True)
class FeeLine:
    act: str
    amount_vnd: int
    effective_from: date
    source: str


DEFAULT_SCHEDULE = (
    FeeLine(
        "issue",
        200_000,
        date(2020, 10, 1),
        "Lệ phí cấp giấy chứng nhận tên định danh theo thực tiễn công bố (nguồn thứ cấp).",
    ),
    FeeLine("reissue", 100_000, date(2020, 10, 1), "Lệ phí cấp lại theo thực tiễn công bố (nguồn thứ cấp)."),
    FeeLine("renewal", 200_000, date(2020, 10, 1), "Lệ phí gia hạn: lựa chọn thiết kế, bằng lệ phí cấp mới."),
)


def schedule_from_config(rows):
    """Build a schedule from configuration rows (dicts with act, amount_vnd, effective_from, source)."""
    if not rows:
        return DEFAULT_SCHEDULE
    lines = []
    for row in rows:
        if row["act"] not in ACTS:
            raise ValueError(f"unknown fee act {row['act']!r}")
        amount = int(row["amount_vnd"])
        if amount < 0:
            raise ValueError("a fee cannot be negative")
        lines.append(
            FeeLine(
                row["act"], amount, date.fromisoformat(str(row["effective_from"])), str(row.get("source", ""))
            )
        )
    return tuple(lines)


def fee_for(act, on_day, schedule=DEFAULT_SCHEDULE):
    """The line in force for `act` on `on_day`: the latest one that took effect by then."""
    if act not in ACTS:
        raise ValueError(f"unknown fee act {act!r}")
    lines = [line for line in schedule if line.act == act and line.effective_from <= on_day]
    if not lines:
        raise LookupError(f"no fee for {act} on {on_day.isoformat()}")
    return max(lines, key=lambda line: line.effective_from)


def payment_reference_and_amount(reference, amount_vnd, due_vnd):
    """The reference of a recorded payment (white space collapsed) and its amount (the amount due
    unless one is given), for fees and maintenance charges alike; InvalidInput when either is
    not acceptable."""
    reference = " ".join((reference or "").split())
    if not reference or len(reference) > 100:
        raise InvalidInput(
            "Nhập mã giao dịch thanh toán (tối đa 100 ký tự).",
            "Enter the payment reference (at most 100 characters).",
        )
    amount = due_vnd if amount_vnd is None else amount_vnd
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise InvalidInput("Số tiền không hợp lệ.", "The amount is not valid.")
    return reference, amount
