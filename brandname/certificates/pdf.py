"""The certificate document: one A4 page in Vietnamese, laid out as the decree's certificate form.

Pure rendering: takes the certificate's canonical record (the signed JSON text) and its JWS and
returns unsigned PDF bytes with both attached as embedded files. No keys here: signing.py signs.
"""

import json
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import segno
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from brandname.rules import dates, form01
from brandname.rules.text import authority_parts

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD, ITALIC = "BNSerif", "BNSerif-Bold", "BNSerif-Italic"
RECORD_FILE, SIGNATURE_FILE = "certificate.json", "certificate.jws"
# where the act that issued the certificate sits in the public transparency log
LOG_FILE = "log-entry.json"

RED = Color(0.62, 0.07, 0.07)
NAVY = Color(0.09, 0.16, 0.36)
GREY = Color(0.35, 0.35, 0.35)

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TITLE = "GIẤY CHỨNG NHẬN TÊN ĐỊNH DANH"  # Art. 26(2)(a), 27, 28
LEGAL_BASIS = (
    "Căn cứ Nghị định số 91/2020/NĐ-CP ngày 14 tháng 8 năm 2020 của Chính phủ về chống "
    "tin nhắn rác, thư điện tử rác, cuộc gọi rác;"
)
KINDS = {
    "issue": "Cấp mới",
    "reissue": "Cấp lại",
    "renewal": "Gia hạn",
    "legacy": "Chuyển đổi từ danh sách tên định danh của doanh nghiệp viễn thông",
}
FORMS = {"sms": "Tin nhắn (SMS)", "voice": "Cuộc gọi thoại"}


@lru_cache(maxsize=1)
def register_fonts():
    """Register the bundled DejaVu Serif faces once per process (full Vietnamese coverage)."""
    for name, filename in (
        (REGULAR, "DejaVuSerif.ttf"),
        (BOLD, "DejaVuSerif-Bold.ttf"),
        (ITALIC, "DejaVuSerif-Italic.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    return True


def verify_url(public_url, serial, code=None):
    """The certificate's public page; it opens only with the verification code."""
    base = f"{public_url.rstrip('/')}/verify/{serial}"
    return f"{base}?code={code}" if code else base


def shown_code(code):
    """The verification code as printed, in two groups of five: 'ABCDE-FGHIJ'."""
    return f"{code[:5]}-{code[5:]}" if code and len(code) == 10 else code


def vn_date(value):
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


def issued_local_date(record):
    moment = datetime.fromisoformat(record["issued_at"].replace("Z", "+00:00"))
    return dates.local_date(moment)


def authority_lines(authority):
    """'Cục An toàn thông tin, Bộ Thông tin và Truyền thông' -> (parent body, issuing body).

    The parent is what follows the last comma (a body's own name may contain commas)."""
    body, parent = authority_parts(authority)
    return parent, body


def form_strings(
    record,
    *,
    public_url,
    signer_title,
    signer_name,
    holder_id_number=None,
    place="Hà Nội",
    verification_code=None,
):
    """Every text line of the form, in order, as (role, text): what the page shows and tests read."""
    holder = record["holder"]
    parent, body = authority_lines(record["authority"])
    issued = issued_local_date(record)
    lines = [("national", NATIONAL), ("motto", MOTTO)]
    if parent:
        lines.append(("parent", parent.upper()))
    lines += [
        ("authority", body.upper()),
        ("title", TITLE),
        ("serial", f"Số: {record['serial']}"),
    ]
    if verification_code:  # not in the signed record: the registry keeps it with the certificate
        lines.append(("code", f"Mã xác thực: {shown_code(verification_code)}"))
    lines += [
        ("basis", LEGAL_BASIS),
        ("certifies", f"{body} chứng nhận:"),
    ]
    if holder["kind"] == "organization":
        lines += [
            ("h1", "1. Tổ chức sử dụng tên định danh"),
            ("holder_name", f"Tên tổ chức: {holder['name']}"),
        ]
        if holder.get("id_number"):
            label = form01.ID_LABELS[
                form01.id_number_kind("organization", holder["id_number"]) or "enterprise_code"
            ]
            lines.append(("holder_id", f"{label}: {holder['id_number']}"))
        lines.append(("holder_address", f"Địa chỉ trụ sở chính: {holder['address']}"))
    else:
        lines += [("h1", "1. Cá nhân sử dụng tên định danh"), ("holder_name", f"Họ và tên: {holder['name']}")]
        if holder_id_number:
            lines.append(("holder_id", f"Số CMND/CCCD/Hộ chiếu: {holder_id_number}"))
        lines.append(("holder_address", f"Địa chỉ: {holder['address']}"))
    forms = "; ".join(FORMS.get(f, f) for f in record.get("forms_of_use", [])) or "—"
    # A reissue keeps the term it replaces and a renewal's term starts at the old expiry, so the
    # day of the act itself is printed beside the kind.
    kind_date = {
        "reissue": f" (ngày cấp lại: {issued.day:02d}/{issued.month:02d}/{issued.year})",
        "renewal": f" (ngày gia hạn: {issued.day:02d}/{issued.month:02d}/{issued.year})",
    }.get(record["kind"], "")
    lines += [
        ("h2", "2. Được sử dụng tên định danh:"),
        ("name", record["name"]),
        ("forms", f"3. Hình thức sử dụng: {forms}"),
        ("kind", f"4. Hình thức cấp: {KINDS.get(record['kind'], record['kind'])}{kind_date}"),
        (
            "validity",
            f"5. Thời hạn hiệu lực: từ ngày {vn_date(record['valid_from'])} "
            f"đến hết ngày {vn_date(record['valid_until'])}.",
        ),
    ]
    if record.get("previous_serial"):
        lines.append(
            ("replaces", f"6. Giấy chứng nhận này thay thế Giấy chứng nhận số {record['previous_serial']}.")
        )
    lines += [
        ("place_date", f"{place}, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"),
        ("signer_title", signer_title.upper()),
    ]
    lines.append(("signed", "(Đã ký số)"))
    if signer_name:
        lines.append(("signer_name", signer_name))
    lines += [
        ("qr_caption", "Quét mã QR để xác thực"),
        ("url", verify_url(public_url, record["serial"], verification_code)),
        (
            "footer",
            "Văn bản điện tử được ký số theo chuẩn PAdES bởi khóa của cơ quan cấp. "
            "Dữ liệu gốc (certificate.json và chữ ký certificate.jws) được đính kèm trong tệp.",
        ),
    ]
    return lines


def _centered(c, text, y, font, size, color=black, cx=A4[0] / 2):
    c.setFont(font, size)
    c.setFillColor(color)
    c.drawCentredString(cx, y, text)
    return pdfmetrics.stringWidth(text, font, size)


def _wrapped(c, text, x, y, width, font, size, leading, color=black, bold_prefix=None):
    """Draw `text` wrapped to `width`; a bold label before ':' when bold_prefix is given."""
    c.setFillColor(color)
    if bold_prefix and text.startswith(bold_prefix):
        rest = text[len(bold_prefix) :]
        c.setFont(font, size)
        c.drawString(x, y, bold_prefix)
        offset = pdfmetrics.stringWidth(bold_prefix, font, size)
        lines = simpleSplit(rest, BOLD, size, width - offset)
        c.setFont(BOLD, size)
        if lines:
            c.drawString(x + offset, y, lines[0])
        for line in lines[1:]:
            y -= leading
            c.drawString(x + offset, y, line)
        return y - leading
    c.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        c.drawString(x, y, line)
        y -= leading
    return y


def _qr(c, url, x, y, size):
    """Draw the QR code for `url` as vector squares, bottom-left at (x, y)."""
    qr = segno.make(url, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 2
    cell = size / (n + 2 * quiet)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(black)
    path = c.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + quiet + 1) * cell
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(x + (start + quiet) * cell, top, (col - start) * cell, cell)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)


def _border(c, width, height):
    c.setStrokeColor(NAVY)
    c.setLineWidth(2.2)
    c.rect(22, 22, width - 44, height - 44)
    c.setLineWidth(0.6)
    c.rect(28, 28, width - 56, height - 56)
    # small corner ornaments
    for cx, cy in ((28, 28), (width - 28, 28), (28, height - 28), (width - 28, height - 28)):
        c.setFillColor(NAVY)
        c.rect(cx - 3, cy - 3, 6, 6, stroke=0, fill=1)


LOWEST_BODY_END = 228  # below this the signature block and QR code would reach the footer


def render(
    record_text,
    signature,
    *,
    public_url,
    signer_title,
    signer_name="",
    holder_id_number=None,
    place="Hà Nội",
    verification_code=None,
    log_entry=None,
):
    """The unsigned certificate PDF (bytes) for the canonical record `record_text` and its JWS,
    and `log_entry` (bytes: the issuing act's leaf in the transparency log) when given.

    Long holder details shrink the body text (never truncate it) so the page stays one page.
    """
    register_fonts()
    record = json.loads(record_text)
    strings = dict(
        form_strings(
            record,
            public_url=public_url,
            signer_title=signer_title,
            signer_name=signer_name,
            holder_id_number=holder_id_number,
            place=place,
            verification_code=verification_code,
        )
    )
    for scale in (1.0, 0.92, 0.84, 0.76, 0.68, 0.6):
        buf = BytesIO()
        c = _canvas(buf, record)
        if _draw_page(c, record, strings, scale) >= LOWEST_BODY_END or scale == 0.6:
            break
    c.showPage()
    c.save()
    return _attach(buf.getvalue(), record_text.encode("utf-8"), signature.encode("ascii"), log_entry)


def _canvas(buf, record):
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"{TITLE} - {record['name']} - {record['serial']}")
    c.setAuthor(record["authority"])
    c.setSubject(f"Tên định danh {record['name']}, số {record['serial']}")
    c.setCreator("brandname")
    c.setKeywords([record["serial"], record["name"]])
    return c


PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT = 72, PAGE_WIDTH - 72  # the body's margins
TEXT_WIDTH = RIGHT - LEFT


def _draw_page(c, record, strings, scale):
    """Draw the whole form; returns where the body (items 1-6) ended, for the fit check."""
    _border(c, PAGE_WIDTH, PAGE_HEIGHT)
    y = _draw_national_header(c)
    y = _draw_authority(c, strings, y)
    y = _draw_title(c, strings, y)

    # the body, scaled down when the holder's details are long
    def k(value):
        return value * scale

    y = _draw_preamble(c, strings, y, k)
    y = _draw_holder(c, strings, y, k)
    y = _draw_name_band(c, record["name"], strings, y, k)
    body_end = _draw_items(c, strings, y, k)
    block_top = min(body_end - 14, 250)
    _draw_signature(c, strings, block_top)
    _draw_verification_qr(c, strings, block_top)
    _draw_footer(c, strings)
    return body_end


def _draw_national_header(c):
    """The national name and motto, centered, with the rule under the motto; returns y."""
    y = PAGE_HEIGHT - 78
    _centered(c, NATIONAL, y, BOLD, 12.5)
    y -= 17
    motto_w = _centered(c, MOTTO, y, BOLD, 12)
    c.setStrokeColor(black)
    c.setLineWidth(0.7)
    c.line(PAGE_WIDTH / 2 - motto_w / 2, y - 4, PAGE_WIDTH / 2 + motto_w / 2, y - 4)
    return y


def _draw_authority(c, strings, y):
    """The parent body, then the issuing body in bold with a short rule (the header's pen)."""
    y -= 36
    if "parent" in strings:
        for line in simpleSplit(strings["parent"], REGULAR, 11, 400):
            _centered(c, line, y, REGULAR, 11)
            y -= 15
    body_lines = simpleSplit(strings["authority"], BOLD, 11.5, 400)
    for i, line in enumerate(body_lines):
        _centered(c, line, y, BOLD, 11.5)
        if i < len(body_lines) - 1:
            y -= 15
    c.line(PAGE_WIDTH / 2 - 40, y - 9, PAGE_WIDTH / 2 + 40, y - 9)
    return y


def _draw_title(c, strings, y):
    """The form's title in red, the certificate's number and its verification code."""
    y -= 50
    _centered(c, TITLE, y, BOLD, 17, color=RED)
    y -= 22
    _centered(c, strings["serial"], y, BOLD, 12)
    if "code" in strings:
        y -= 15
        _centered(c, strings["code"], y, REGULAR, 10.5)
    return y


def _draw_preamble(c, strings, y, k):
    """The legal basis and 'certifies:'. `k` scales the body's sizes and gaps."""
    y -= k(34)
    y = _wrapped(c, LEGAL_BASIS, LEFT, y, TEXT_WIDTH, ITALIC, k(10.5), k(14))
    y -= k(8)
    return _wrapped(c, strings["certifies"], LEFT, y, TEXT_WIDTH, BOLD, k(11.5), k(15))


def _draw_holder(c, strings, y, k):
    """Item 1: the holder's name (its value in bold), id number and address, indented."""
    y -= k(8)
    c.setFont(BOLD, k(11.5))
    c.setFillColor(black)
    c.drawString(LEFT, y, strings["h1"])
    y -= k(18)
    for key in ("holder_name", "holder_id", "holder_address"):
        if key in strings:
            label = strings[key].split(": ", 1)[0] + ": "
            y = _wrapped(
                c,
                strings[key],
                LEFT + 14,
                y,
                TEXT_WIDTH - 14,
                REGULAR,
                k(11),
                k(15),
                bold_prefix=label if key == "holder_name" else None,
            )
            y -= k(3)
    return y


def _draw_name_band(c, name, strings, y, k):
    """Item 2: the sender name, large, in a framed band; a long name gets a smaller size."""
    y -= k(8)
    c.setFont(BOLD, k(11.5))
    c.drawString(LEFT, y, strings["h2"])
    y -= k(16)
    band_h = k(58)
    c.setFillColor(Color(0.96, 0.95, 0.90))
    c.setStrokeColor(NAVY)
    c.setLineWidth(1)
    c.roundRect(PAGE_WIDTH / 2 - 150, y - band_h, 300, band_h, 6, stroke=1, fill=1)
    name_size = min(k(34), 34.0 * 270 / max(1.0, pdfmetrics.stringWidth(name, BOLD, 34)))
    _centered(c, name, y - band_h / 2 - name_size * 0.35, BOLD, name_size, color=NAVY)
    return y - (band_h + k(26))


def _draw_items(c, strings, y, k):
    """Items 3 to 6 (forms of use, kind, validity, the certificate replaced); returns the body's end."""
    for key in ("forms", "kind", "validity", "replaces"):
        if key in strings:
            y = _wrapped(c, strings[key], LEFT, y, TEXT_WIDTH, REGULAR, k(11.5), k(15.5))
            y -= k(6)
    return y


def _draw_signature(c, strings, block_top):
    """The signature block on the right: place and date, signer's title, '(signed)', name."""
    sig_cx = RIGHT - 105
    _centered(c, strings["place_date"], block_top, ITALIC, 11, cx=sig_cx)
    for i, line in enumerate(simpleSplit(strings["signer_title"], BOLD, 11.5, 230)):
        _centered(c, line, block_top - 18 - i * 15, BOLD, 11.5, cx=sig_cx)
    _centered(c, strings["signed"], block_top - 68, ITALIC, 10.5, color=GREY, cx=sig_cx)
    if "signer_name" in strings:
        _centered(c, strings["signer_name"], block_top - 110, BOLD, 12, cx=sig_cx)


def _draw_verification_qr(c, strings, block_top):
    """The QR code of the verification URL on the left, as a link, with its caption and the URL."""
    qr_size = 104
    qr_x, qr_y = LEFT - 4, block_top - qr_size - 4
    url = strings["url"]
    _qr(c, url, qr_x, qr_y, qr_size)
    c.linkURL(url, (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size), relative=0)
    c.setFont(ITALIC, 8.5)
    c.setFillColor(GREY)
    c.drawString(qr_x + 4, qr_y - 9, strings["qr_caption"])
    c.setFont(REGULAR, 7.5)
    lines = simpleSplit(url, REGULAR, 7.5, 180)
    if len(lines) == 1 and pdfmetrics.stringWidth(url, REGULAR, 7.5) > 180 and "?" in url:
        base, query = url.split("?", 1)  # the code on a line of its own, under the address
        lines = [base, "?" + query]
    for i, line in enumerate(lines[:2]):
        c.drawString(qr_x + 4, qr_y - 20 - i * 9, line)


def _draw_footer(c, strings):
    """The note on the electronic signature and attachments, centered, ending at the same height."""
    footer = simpleSplit(strings["footer"], ITALIC, 8, TEXT_WIDTH)
    fy = 50 + 10 * (len(footer) - 1)
    for line in footer:
        _centered(c, line, fy, ITALIC, 8, color=GREY)
        fy -= 10


def _attach(pdf_bytes, record_bytes, jws_bytes, log_bytes=None):
    """Add the canonical record and its JWS as embedded files (one incremental update)."""
    from pyhanko.pdf_utils import embed, generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    for filename, data, mime, desc in (
        (
            RECORD_FILE,
            record_bytes,
            "application/json",
            "Bản ghi chuẩn của giấy chứng nhận / canonical certificate record",
        ),
        (
            SIGNATURE_FILE,
            jws_bytes,
            "application/jose",
            "Chữ ký JWS (ES256) của bản ghi / JWS (ES256) over the record",
        ),
        *(
            [
                (
                    LOG_FILE,
                    log_bytes,
                    "application/json",
                    "Vị trí trong sổ công khai / leaf in the public transparency log",
                )
            ]
            if log_bytes
            else []
        ),
    ):
        stream = embed.EmbeddedFileObject.from_file_data(
            writer, data, mime_type=mime, params=embed.EmbeddedFileParams(embed_size=True)
        )
        embed.embed_file(
            writer,
            embed.FileSpec(
                file_spec_string=filename,
                file_name=filename,
                embedded_data=stream,
                description=desc,
                af_relationship=generic.pdf_name("/Data"),
            ),
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def read_attachments(pdf_bytes):
    """The embedded files of a PDF as {name: bytes}; {} when there are none or it is unreadable."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    found = {}
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        if "/Names" not in reader.root:
            return found
        names_tree = reader.root["/Names"]
        if "/EmbeddedFiles" not in names_tree:
            return found
        _collect(names_tree.raw_get("/EmbeddedFiles"), found, depth=0)
    except Exception:  # noqa: BLE001 - garbage in, nothing found
        return {}
    return found


def _collect(node, found, depth):
    if depth > 8:
        return
    node = node.get_object()
    if "/Names" in node:
        pairs = node["/Names"]
        for i in range(0, len(pairs) - 1, 2):
            spec = pairs[i + 1]
            if "/EF" not in spec:
                continue
            ef = spec["/EF"]
            key = "/UF" if "/UF" in ef else "/F"
            found[str(pairs[i])] = ef[key].data
    if "/Kids" in node:
        for kid in node["/Kids"]:
            _collect(kid, found, depth + 1)
