"""The receipt of a dossier (Art. 25): "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", one A4 page.

What the Authority received, when, from whom, and the day the result is due (the decision
deadline). Unsigned: it only restates what the registry recorded at submission. Pure rendering,
in Vietnamese like the certificate, with the certificate's bundled fonts.
"""

from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from brandname.certificates.pdf import (
    BOLD,
    ITALIC,
    MOTTO,
    NATIONAL,
    NAVY,
    RED,
    REGULAR,
    _centered,
    _wrapped,
    authority_lines,
    register_fonts,
)
from brandname.rules import dates, form01

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
PROCEDURES = {
    "issue": "Cấp Giấy chứng nhận đăng ký tên định danh",
    "reissue": "Cấp lại Giấy chứng nhận đăng ký tên định danh",
    "renewal": "Gia hạn Giấy chứng nhận đăng ký tên định danh",
}
DOCUMENT_KINDS = {
    "enterprise_registration": "Giấy chứng nhận đăng ký doanh nghiệp / quyết định thành lập",
    "id_document": "CCCD / hộ chiếu",
    "trademark": "Văn bằng nhãn hiệu, sở hữu trí tuệ",
    "authorization_letter": "Giấy ủy quyền nộp hồ sơ",
    "business_registration": "Giấy đăng ký hộ kinh doanh",
    "other": "Tài liệu khác",
}
FORM_01 = "Đơn đề nghị cấp tên định danh (Mẫu số 01)"


def local_time(moment):
    """dd/mm/yyyy HH:MM in Hanoi for a naive UTC moment."""
    return moment.replace(tzinfo=dates.UTC).astimezone(dates.VN_TZ).strftime("%d/%m/%Y %H:%M")


def receipt_lines(application, documents, *, authority, public_url, place="Hà Nội"):
    """Every text of the receipt, in order, as (role, text): what the page shows and tests read."""
    parent, body = authority_lines(authority)
    applicant = application.applicant or {}
    received = dates.local_date(application.received_at)
    lines = [("national", NATIONAL), ("motto", MOTTO)]
    if parent:
        lines.append(("parent", parent.upper()))
    lines += [
        ("authority", body.upper()),
        ("title", TITLE),
        ("code", f"Mã hồ sơ: {application.code}"),
        ("number", f"Số hồ sơ: {application.id}"),
        ("intro", f"{body} đã tiếp nhận hồ sơ của:"),
        ("applicant", f"Tổ chức, cá nhân: {applicant.get('name', '')}"),
    ]
    id_number = applicant.get("id_number")
    if id_number:
        kind = form01.id_number_kind(applicant.get("kind"), id_number) or "id_document"
        lines.append(("applicant_id", f"{form01.ID_LABELS.get(kind, 'Số giấy tờ')}: {id_number}"))
    if applicant.get("tax_code") and applicant.get("tax_code") != id_number:
        lines.append(("applicant_tax", f"Mã số thuế: {applicant['tax_code']}"))
    lines += [
        ("applicant_address", f"Địa chỉ: {applicant.get('address', '')}"),
        ("applicant_contact", f"Liên hệ: {applicant.get('email', '')} · {applicant.get('phone', '')}"),
        ("procedure", f"Thủ tục: {PROCEDURES.get(application.kind, application.kind)}"),
        (
            "names",
            "Tên định danh đề nghị: "
            # a name taken back before the decision stays on the receipt, marked
            + ", ".join(
                rn.name + (" (đã rút)" if rn.status == "withdrawn" else "") for rn in application.names
            ),
        ),
        ("h_documents", "Thành phần hồ sơ đã nhận:"),
    ]
    way = "nộp trên giấy" if application.on_paper else "nộp trực tuyến"
    items = [f"{FORM_01}, {way}"]
    items += [f"{DOCUMENT_KINDS.get(d.kind, d.kind)}: {d.original_filename}" for d in documents]
    lines += [("document", f"{i}. {text}") for i, text in enumerate(items, 1)]
    lines += [
        ("received", f"Thời điểm tiếp nhận: {local_time(application.received_at)} (giờ Hà Nội)"),
        ("due", f"Ngày hẹn trả kết quả: {local_time(application.decision_due_at)} (giờ Hà Nội)"),
        (
            "track",
            f"Tra cứu tình trạng hồ sơ tại {public_url.rstrip('/')}/track bằng mã hồ sơ và địa chỉ "
            "thư điện tử hoặc mã số thuế / số giấy tờ của người nộp.",
        ),
        ("place_date", f"{place}, ngày {received.day:02d} tháng {received.month:02d} năm {received.year}"),
        ("receiver", "BỘ PHẬN TIẾP NHẬN"),
        ("receiver_note", "(Hệ thống tiếp nhận hồ sơ trực tuyến)"),
    ]
    return lines


PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT = 72, PAGE_WIDTH - 72
TEXT_WIDTH = RIGHT - LEFT


def render(application, documents, *, authority, public_url, place="Hà Nội"):
    """The receipt as PDF bytes."""
    register_fonts()
    lines = receipt_lines(application, documents, authority=authority, public_url=public_url, place=place)
    buf = BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"{TITLE} - {application.code}")
    c.setAuthor(authority)
    c.setCreator("brandname")
    y = PAGE_HEIGHT - 70
    for role, text in lines:
        y = _draw_line(c, role, text, y)
        if y < 90:  # a very long list of documents goes on
            c.showPage()
            y = PAGE_HEIGHT - 70
    c.showPage()
    c.save()
    return buf.getvalue()


def _draw_line(c, role, text, y):
    if role in ("national", "motto", "parent", "authority"):
        font = REGULAR if role == "parent" else BOLD
        width = _centered(c, text, y, font, 12 if role in ("national", "motto") else 11)
        if role in ("motto", "authority"):
            c.setLineWidth(0.6)
            half, below = (width / 2, 4) if role == "motto" else (40, 9)
            c.line(PAGE_WIDTH / 2 - half, y - below, PAGE_WIDTH / 2 + half, y - below)
            return y - (34 if role == "motto" else 44)
        return y - 16
    if role == "title":
        for line in simpleSplit(text, BOLD, 15, TEXT_WIDTH):
            _centered(c, line, y, BOLD, 15, color=RED)
            y -= 20
        return y - 2
    if role in ("code", "number"):
        _centered(c, text, y, BOLD if role == "code" else REGULAR, 12.5 if role == "code" else 11, color=NAVY)
        return y - (17 if role == "code" else 30)
    if role in ("intro", "h_documents"):
        return _wrapped(c, text, LEFT, y - 4, TEXT_WIDTH, BOLD, 11.5, 15) - 2
    if role == "document":
        return _wrapped(c, text, LEFT + 14, y, TEXT_WIDTH - 14, REGULAR, 11, 15)
    if role in ("received", "due"):
        label = text.split(": ", 1)[0] + ": "
        return _wrapped(c, text, LEFT, y - 6, TEXT_WIDTH, REGULAR, 11.5, 16, bold_prefix=label)
    if role == "track":
        return _wrapped(c, text, LEFT, y - 8, TEXT_WIDTH, ITALIC, 10.5, 14) - 10
    if role == "place_date":
        c.setFont(ITALIC, 11)
        c.drawCentredString(RIGHT - 110, y, text)
        return y - 18
    if role in ("receiver", "receiver_note"):
        c.setFont(BOLD if role == "receiver" else ITALIC, 11 if role == "receiver" else 10)
        c.drawCentredString(RIGHT - 110, y, text)
        return y - 15
    label = text.split(": ", 1)[0] + ": "
    bold = label if role in ("applicant", "names") else None
    return _wrapped(c, text, LEFT + 14, y, TEXT_WIDTH - 14, REGULAR, 11, 15, bold_prefix=bold)
