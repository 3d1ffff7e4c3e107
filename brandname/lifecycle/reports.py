"""Tables the officers export and the yearly report's figures: read-only, plain data, Vietnamese
column headers (the registry reports in Vietnamese). Months and days are Hanoi's.
No Flask here; web/tables.py writes the tables as CSV or XLSX.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from brandname.lifecycle.revocation import REVOCATION_GROUNDS
from brandname.rules import dates
from brandname.store.models import Application, Brandname, Certificate, Event, Payment

KIND_WORDS = {"issue": "Cấp mới", "reissue": "Cấp lại", "renewal": "Gia hạn", "legacy": "Chuyển đổi"}
STATUS_WORDS = {
    "submitted": "Đang chờ quyết định",
    "approved": "Đã chấp thuận, chờ lệ phí",
    "rejected": "Bị từ chối",
    "withdrawn": "Đã rút",
    "lapsed": "Hết hạn nộp lệ phí",
    "issued": "Đã cấp",
    "reserved": "Đã giữ chỗ",
    "active": "Đang hoạt động",
    "expired": "Hết hạn",
    "revoked": "Đã thu hồi",
    "released": "Đã giải phóng",
}


@dataclass
class Table:
    """A sheet: its title, column headers and rows of plain values (str, int, date, datetime)."""

    title: str
    headers: list
    rows: list = field(default_factory=list)


def _local(moment):
    """A stored naive-UTC moment as Hanoi wall time (naive), for a spreadsheet cell."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(dates.VN_TZ).replace(tzinfo=None, microsecond=0)


def ground_words(ground):
    info = REVOCATION_GROUNDS.get(ground)
    return f"Điểm {info[0]} khoản 1 Điều 29: {info[1]}" if info else (ground or "")


def applications_table(session, stmt, *, warnings=None):
    """The rows of an application SELECT (the officers' filtered queue)."""
    table = Table(
        "Hồ sơ",
        [
            "Số hồ sơ",
            "Loại hồ sơ",
            "Trạng thái",
            "Người đăng ký",
            "Mã số / số giấy tờ",
            "Tên định danh",
            "Tiếp nhận",
            "Hạn quyết định",
            "Quyết định lúc",
            "Đúng hạn",
            "Cán bộ xử lý",
            "Hồ sơ giấy",
            "Cảnh báo dễ nhầm",
        ],
    )
    for a in session.scalars(stmt):
        on_time = None if a.decided_at is None else ("Có" if a.decided_at <= a.decision_due_at else "Không")
        found = (warnings or {}).get(a.id) or {}
        table.rows.append(
            [
                a.id,
                KIND_WORDS.get(a.kind, a.kind),
                STATUS_WORDS.get(a.status, a.status),
                a.applicant.get("name", ""),
                a.applicant.get("id_number", "") if a.applicant.get("kind") == "organization" else "",
                ", ".join(rn.name for rn in a.names),
                _local(a.received_at),
                _local(a.decision_due_at),
                _local(a.decided_at),
                on_time or "",
                (a.assigned_to.full_name or a.assigned_to.email) if a.assigned_to else "",
                "Có" if a.on_paper else "",
                "; ".join(f"{n}: {', '.join(m['name'] for m in ms)}" for n, ms in found.items()),
            ]
        )
    return table


def names_register(session):
    """Every name in the registry with its holder, status and current certificate."""
    table = Table(
        "Sổ tên định danh",
        [
            "Tên định danh",
            "Trạng thái",
            "Tổ chức, cá nhân sử dụng",
            "Mã số doanh nghiệp",
            "Số giấy chứng nhận",
            "Hiệu lực từ",
            "Hiệu lực đến",
            "Tin nhắn",
            "Cuộc gọi thoại",
        ],
    )
    for bn in session.scalars(select(Brandname).order_by(Brandname.name_normal, Brandname.id)):
        cert = bn.current_certificate
        table.rows.append(
            [
                bn.name,
                STATUS_WORDS.get(bn.status, bn.status),
                bn.holder.name,
                bn.holder.public_id_number() or "",
                cert.serial if cert else "",
                bn.valid_from,
                bn.valid_until,
                "Có" if bn.use_sms else "",
                "Có" if bn.use_voice else "",
            ]
        )
    return table


def revocations_table(session):
    """Every revocation on the event log, newest first, with its ground and evidence."""
    table = Table(
        "Thu hồi",
        [
            "Tên định danh",
            "Ngày thu hồi",
            "Căn cứ",
            "Chứng cứ",
            "Ghi chú",
            "Người thực hiện",
            "Phong tỏa đến",
        ],
    )
    events = session.scalars(select(Event).where(Event.act == "revoke").order_by(Event.seq.desc()))
    for e in events:
        d = e.details or {}
        evidence = "; ".join(f"{k}: {v}" for k, v in (d.get("evidence") or {}).items())
        blocked = d.get("blocked_until")
        table.rows.append(
            [
                e.name_normal or "",
                dates.local_date(e.at),
                ground_words(d.get("ground")),
                evidence,
                d.get("note") or "",
                e.actor_label,
                date.fromisoformat(blocked) if blocked else None,
            ]
        )
    return table


# -- the yearly report -------------------------------------------------------------------------

MONTHLY_SERIES = (
    ("received", "Hồ sơ tiếp nhận"),
    ("on_time", "Quyết định đúng hạn"),
    ("late", "Quyết định quá hạn"),
    ("issue", "Tên được cấp mới"),
    ("renewal", "Gia hạn"),
    ("reissue", "Cấp lại"),
)


def _year_bounds(year):
    def start(day):
        return datetime.combine(day, time(), tzinfo=dates.VN_TZ).astimezone(UTC).replace(tzinfo=None)

    return start(date(year, 1, 1)), start(date(year + 1, 1, 1))


def monthly_statistics(session, year):
    """{series: [12 monthly figures]} for `year`: applications received, decided on time and
    late, certificates issued, renewed and reissued, revocations by ground, fees collected (VND)."""
    lo, hi = _year_bounds(year)

    def month(moment):
        return dates.local_date(moment).month - 1

    figures = {key: [0] * 12 for key, _label in MONTHLY_SERIES}
    for (received,) in session.execute(
        select(Application.received_at).where(Application.received_at >= lo, Application.received_at < hi)
    ):
        figures["received"][month(received)] += 1
    for decided, due in session.execute(
        select(Application.decided_at, Application.decision_due_at).where(
            Application.decided_at >= lo, Application.decided_at < hi
        )
    ):
        figures["on_time" if decided <= due else "late"][month(decided)] += 1
    for issued, kind in session.execute(
        select(Certificate.issued_at, Certificate.kind).where(
            Certificate.issued_at >= lo, Certificate.issued_at < hi
        )
    ):
        if kind in figures:
            figures[kind][month(issued)] += 1
    revoked = {ground: [0] * 12 for ground in REVOCATION_GROUNDS}
    for at, details in session.execute(
        select(Event.at, Event.details).where(Event.act == "revoke", Event.at >= lo, Event.at < hi)
    ):
        ground = (details or {}).get("ground")
        revoked.setdefault(ground, [0] * 12)[month(at)] += 1
    fees = [0] * 12
    for confirmed, amount in session.execute(
        select(Payment.confirmed_at, Payment.amount_vnd).where(
            Payment.status == "confirmed", Payment.confirmed_at >= lo, Payment.confirmed_at < hi
        )
    ):
        fees[month(confirmed)] += amount or 0
    return {"year": year, "series": figures, "revoked": revoked, "fees": fees}


def statistics_table(stats):
    """The monthly statistics as one sheet: a row per figure, a column per month, then the year."""
    table = Table(f"Thống kê {stats['year']}", ["Chỉ tiêu", *[f"Tháng {m}" for m in range(1, 13)], "Cả năm"])
    for key, label in MONTHLY_SERIES:
        values = stats["series"][key]
        table.rows.append([label, *values, sum(values)])
    for ground, values in stats["revoked"].items():
        table.rows.append([f"Thu hồi — {ground_words(ground)}", *values, sum(values)])
    table.rows.append(["Lệ phí đã thu (đồng)", *stats["fees"], sum(stats["fees"])])
    return table


def years_with_data(session, today):
    """The years an officer can pick for the report: from the first application to this one."""
    first = session.scalar(select(Application.received_at).order_by(Application.received_at).limit(1))
    start = dates.local_date(first).year if first else today.year
    return list(range(today.year, start - 1, -1))
