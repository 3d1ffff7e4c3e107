"""Every page is complete in both languages: no Vietnamese text outside `_()` in templates, every
message the code and templates use is in the English catalogue, and English pages carry no
Vietnamese-only strings."""

import re
from pathlib import Path

from brandname import lifecycle
from brandname.web import site as web

ROOT = Path(__file__).resolve().parent.parent
VIETNAMESE = re.compile(
    r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE
)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
# a language's own name stays in that language in the language switcher
ALLOWED = {"Tiếng Việt"}


def untranslated_template_text(path):
    source = JINJA.sub(" ", path.read_text(encoding="utf-8"))
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        for chunk in re.split(r"<[^>]*?(?:\"[^\"]*\"[^>]*?)*>|\s{2,}", line):
            chunk = chunk.strip()
            if chunk and chunk not in ALLOWED and VIETNAMESE.search(chunk):
                found.append(f"{path.relative_to(ROOT / 'templates')}:{number}: {chunk}")
        for value in re.findall(r'(?:placeholder|title|aria-label|alt|value)="([^"]*)"', line):
            if VIETNAMESE.search(value):
                found.append(f"{path.relative_to(ROOT / 'templates')}:{number}: {value}")
    return found


def test_no_vietnamese_text_outside_gettext_in_templates():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found += untranslated_template_text(path)
    assert found == []


def test_the_scan_finds_a_bare_string(tmp_path):
    bare = ROOT / "templates" / "_probe_i18n.html"
    bare.write_text('<p>{{ _("Đã dịch") }}</p>\n<p>Chưa dịch</p>\n<input placeholder="tên">', "utf-8")
    try:
        found = untranslated_template_text(bare)
    finally:
        bare.unlink()
    assert len(found) == 2 and "Chưa dịch" in found[0] and "tên" in found[1]


def test_every_message_in_code_and_templates_is_in_the_catalogue():
    """The catalogue test in test_web_security reads only the .po: a string wrapped in `_()` but
    never extracted would pass it and still show in Vietnamese on English pages."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    method_map = [("brandname/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    used = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        used.add(message if isinstance(message, str) else message[0])
    po = Path(web.TRANSLATIONS_DIR) / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.string and not m.fuzzy}
    assert sorted(used - translated) == []


ENGLISH_PAGES = [
    "/",
    "/lookup?q=anh",
    "/revocations",
    "/track",
    "/applicant/login",
    "/applicant/signup",
    "/officer/login",
    "/verify",
]


def visible_text(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    html = re.sub(r'<[^>]*\blang="vi"[^>]*>[^<]*<', "<", html)
    return re.sub(r"<[^>]+>", " ", html)


def vietnamese_on_english_page(html):
    # "Point đ" is the decree's own lettering of Article 29(1)(đ)
    words = set(visible_text(html).split()) - {"Tiếng", "Việt", "đ", "đ:", "(đ))"}
    # legal references keep their official spelling (Decree 91/2020/NĐ-CP)
    return sorted(w for w in words if VIETNAMESE.search(w) and not re.match(r"\d+/\d{4}/", w))


def test_english_pages_show_no_vietnamese(portal):
    client = portal.anon
    client.get("/lang/en")
    for url in ENGLISH_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert vietnamese_on_english_page(response.get_data(as_text=True)) == [], url
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert vietnamese_on_english_page(missing.get_data(as_text=True)) == []
    assert "Not found." in missing.get_data(as_text=True)
    client.get("/lang/vi")
    assert "Không tìm thấy trang." in client.get("/no-such-page").get_data(as_text=True)


def test_forms_of_use_are_words_in_both_languages(portal, session):
    from .test_web_officer import text

    app_id = portal.application_id(portal.apply(portal.a, "GOIDIEN", **{"n-0-use_voice": "on"}))
    page = text(portal.officer.get(f"/officer/applications/{app_id}"))
    assert "VOICE" not in page and "Cuộc gọi thoại" in page
    portal.officer.get("/lang/en")
    assert "Voice calls" in text(portal.officer.get(f"/officer/applications/{app_id}"))


def test_verify_pages_are_complete_in_both_languages(portal, registry_helper, session, officer):
    from io import BytesIO

    from brandname.certificates import documents

    cert = registry_helper.issue("DICHTHUAT").certificates[0]
    pdf = documents.certificate_pdf_path(cert).read_bytes()
    lifecycle.give_up(session, cert.brandname_id, actor=officer)
    client = portal.anon
    client.get("/lang/en")
    pages = {
        "status": client.get(f"/verify/{cert.serial}?code={cert.verification_code}"),
        "unknown": client.get("/verify/BN-2026-0999999"),
        "upload": client.post(
            "/verify", data={"pdf": (BytesIO(pdf), "c.pdf")}, content_type="multipart/form-data"
        ),
        "garbage": client.post(
            "/verify", data={"pdf": (BytesIO(b"nope"), "c.pdf")}, content_type="multipart/form-data"
        ),
    }
    for label, response in pages.items():
        html = response.get_data(as_text=True)
        assert vietnamese_on_english_page(html) == [], label
    assert "No longer valid: revoked on" in pages["upload"].get_data(as_text=True)
    client.get("/lang/vi")
    html = client.get(f"/verify/{cert.serial}?code={cert.verification_code}").get_data(as_text=True)
    # the Vietnamese page carries no English beside its words
    assert 'lang="en"' not in html and "(revoked)" not in html and "Không còn hiệu lực" in html


def test_console_pages_show_no_vietnamese_in_english(portal):
    client = portal.officer
    client.get("/lang/en")
    for url in (
        "/officer/",
        "/officer/queue",
        "/officer/queue?assignee=me&warning=1&overdue=1",
        "/officer/statistics",
        "/officer/payments",
        "/officer/revocations",
        "/officer/search?q=zzzz",
        "/officer/applications/new",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert vietnamese_on_english_page(html) == [], url
    assert "VND 0" in client.get("/officer/statistics").get_data(as_text=True)  # money in English
    bad = client.get("/officer/queue?from=nope")
    assert bad.status_code == 400 and "write it as dd/mm/yyyy" in bad.get_data(as_text=True)


def test_tracking_in_english_shows_no_vietnamese(portal, session):
    from brandname.store.models import Application

    application = session.get(Application, portal.application_id(portal.apply(portal.a, "ANHDUONG")))
    client = portal.anon
    client.get("/lang/en")
    for proof, expected in (
        ("lienhe@anhduong.vn", "Received"),
        ("nobody@example.vn", "No application matches"),
    ):
        page = client.post("/track", data={"code": application.code, "proof": proof}).get_data(as_text=True)
        assert vietnamese_on_english_page(page) == [], proof
        assert expected in page, proof
