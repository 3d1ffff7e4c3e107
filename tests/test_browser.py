"""Browser tests: Debian's Chromium driven by Playwright against a real server thread.

applicant signs up and applies with a document -> officer approves -> applicant records the
payment -> officer confirms -> applicant downloads the PDF -> the public verify page shows it
genuine; then a two-person revocation shows on the verify page and the notices. A screenshot of
each page goes to test-artifacts/browser/.
"""

import importlib.util
import os
import re
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    ),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright not installed"),
]

PASSWORD = "correct horse battery"
PAYEE = {
    "PAYEE_BANK_BIN": "970415",
    "PAYEE_ACCOUNT": "113366668888",
    "PAYEE_BANK_NAME": "VietinBank",
    "PAYEE_ACCOUNT_NAME": "CUC AN TOAN THONG TIN",
}
OFFICER, SUPERVISOR, ADMIN = "can.bo@cuc.gov.vn", "lanh.dao@cuc.gov.vn", "quan.tri@cuc.gov.vn"


def confirm_act(page, shot):
    """An irreversible act asks first (static/confirm.js): the dialog names it; confirm."""
    from playwright.sync_api import expect

    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    shot(page, "confirm-dialog")
    dialog.locator("[data-confirm-ok]").click()


@pytest.fixture
def live_server(tmp_path, certs_dir):
    """The app on 127.0.0.1:<ephemeral port>, a temp SQLite file, CSRF on, demo names seeded."""
    from werkzeug.serving import make_server

    from brandname import create_app, lifecycle, registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts
    from brandname.ops import demo
    from brandname.store.models import Base

    app = create_app(
        {
            "SECRET_KEY": "browser-test",
            "DATA_DIR": str(tmp_path / "data"),
            "CERTS_DIR": str(certs_dir),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
            "WTF_CSRF_ENABLED": True,
            "PUBLIC_URL": "http://127.0.0.1",
            **PAYEE,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        lifecycle.ensure_counters(db.session)
        db.session.commit()
        accounts.create_account(
            db.session, email=OFFICER, password=PASSWORD, role="officer", full_name="Nguyễn Thu Hà"
        )
        accounts.create_account(
            db.session, email=SUPERVISOR, password=PASSWORD, role="supervisor", full_name="Trần Quốc Bảo"
        )
        accounts.create_account(
            db.session, email=ADMIN, password=PASSWORD, role="admin", full_name="Lê Minh Quản"
        )
        list(demo.seed(db.session, 8, keys=registry.keys(), rules=registry.rules(), seed_value=11))
        officer = lifecycle.Actor.operator("seed")
        application = lifecycle.submit(
            db.session,
            applicant={
                "kind": "organization",
                "name": "Công ty TNHH Sao Mai Xanh",
                "id_number": "0312223334",
                "address": "12 Nguyễn Huệ, Quận 1, TP. HCM",
                "email": "lienhe@saomaixanh.vn",
                "phone": "028 3822 1111",
                "legal_representative": "Phạm Minh",
                "contact_person": "Lê Lan",
            },
            names=[{"name": "SA0MAI", "purpose": "Khuyến mại", "use_sms": True}],
            actor=officer,
            commitments_confirmed=True,
            rules=registry.rules(),
        )
        attach_mandatory(db.session, application, actor=officer)
        lifecycle.approve(db.session, application.id, actor=officer, rules=registry.rules())
        payment = lifecycle.record_payment(db.session, application.id, actor=officer, reference="SEED")
        lifecycle.confirm_payment(
            db.session, payment.id, actor=officer, keys=registry.keys(), rules=registry.rules()
        )
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Shots:
    def __init__(self, name, root=ARTIFACTS):
        self.folder = root / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page, label):
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{label}.png"), full_page=True)


def attach_mandatory(session, application, *, actor):
    """The dossier's mandatory documents (Art. 24), recorded as the officer would attach them."""
    from tests.conftest import attach, required_documents

    for kind in required_documents(application.applicant):
        attach(session, application, kind, actor)


def sign_in(page, base, email, staff=False):
    page.goto(f"{base}/{'officer' if staff else 'applicant'}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("main button[type=submit]")


def mailed_link(session, to, path):
    """The last link to `path` mailed to `to`, from the outbox: (path with token, token)."""
    from tests.conftest import mailed_link as from_outbox

    return from_outbox(session, to, path)


def follow_mailed_link(page, base, app, to, path):
    """Open, in the browser, the link the registry last mailed to `to` (as its owner would)."""
    from brandname.extensions import db

    with app.app_context():
        link, _token = mailed_link(db.session, to, path)
        db.session.remove()
    page.goto(base + link)


def sign_out(page):
    page.click("header form button")


def test_apply_approve_pay_issue_verify_revoke(live_server, browser):
    from playwright.sync_api import expect

    base, _app = live_server
    shot = Shots("full-path")
    console_errors = []
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(15000)

    page.goto(base + "/")
    expect(page.locator(".wordmark-system")).to_have_text("Hệ thống quản lý tên định danh")
    shot(page, "home")

    # sign up as an organization
    page.click("text=Đăng ký tài khoản")
    page.fill("#f-app_name", "Công ty Cổ phần Thương mại Hòa Bình")
    page.fill("#f-app_id_number", "0105556667")
    page.fill("#f-app_tax_code", "0105556667")
    page.fill("#f-app_address", "Số 8 Láng Hạ, Ba Đình, Hà Nội")
    page.fill("#f-app_email", "lienhe@hoabinh.vn")
    page.fill("#f-app_phone", "024 3771 8888")
    page.fill("#f-app_legal_representative", "Đỗ Văn Hòa")
    page.fill("#f-app_contact_person", "Vũ Thị Hạnh")
    page.fill("#f-email", "hanh@hoabinh.vn")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password2", PASSWORD)
    shot(page, "signup")
    page.click("main button[type=submit]")
    # the same answer whether or not the email had an account: look in the mailbox, then sign in
    expect(page.locator("h1")).to_have_text("Xem hộp thư của bạn")
    page.click("main a.button")
    page.fill("#f-email", "hanh@hoabinh.vn")
    page.fill("#f-password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Công ty Cổ phần Thương mại Hòa Bình")
    # signed in, but filing waits for the email's proof: follow the welcome mail's link
    expect(page.locator("#verify-email")).to_contain_text("chưa xác nhận thư điện tử")
    follow_mailed_link(page, base, _app, "hanh@hoabinh.vn", "/applicant/verify/")
    page.click("#confirm-email")
    expect(page.locator(".notice-success")).to_contain_text("Đã xác nhận thư điện tử")
    expect(page.locator("#verify-email")).to_have_count(0)
    shot(page, "applicant-home")

    # apply: the live check answers while typing
    page.click("text=Nộp hồ sơ mới")
    page.fill("#f-n-0-name", "Bad Name!")
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bbad\b"))
    page.fill("#f-n-0-name", "SAOMAI")  # confusable with a registered name: not available
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#status-0")).to_contain_text("SA0MAI")
    page.fill("#f-n-0-name", "HOABINH")
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bok\b"))
    page.fill("textarea[name=n-0-purpose]", "Thông báo đơn hàng và chăm sóc khách hàng")
    page.fill("input[name=n-0-products]", "Hàng tiêu dùng")
    page.fill("input[name=n-0-sectors]", "Bán lẻ")
    for carrier in ("Viettel", "VinaPhone (VNPT)", "MobiFone"):  # ticked from the list
        page.check(f"input[name=n-0-carriers][value='{carrier}']")
    page.click("#add-row")  # JavaScript adds a second row in place
    expect(page.locator(".name-row")).to_have_count(2)
    expect(page.locator("#f-n-1-name")).to_be_focused()
    page.set_input_files(
        "input[name=doc-0-file]",
        files=[
            {
                "name": "giay-dkdn.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
            }
        ],
    )
    page.check("input[name=commitments]")
    shot(page, "apply")
    page.click("#submit-application")
    expect(page.locator(".notice-success")).to_contain_text("Đã tiếp nhận hồ sơ số")
    expect(page.locator(".docs")).to_contain_text("giay-dkdn.pdf")
    app_url = page.url
    shot(page, "application-received")
    sign_out(page)

    # officer: dashboard, queue, decision
    sign_in(page, base, OFFICER, staff=True)
    expect(page.locator("h1")).to_have_text("Tổng quan")
    shot(page, "officer-dashboard")
    page.click(".subnav >> text=Hồ sơ chờ xử lý")
    expect(page.locator("table")).to_contain_text("HOABINH")
    shot(page, "officer-queue")
    page.click("table >> text=/Số \\d+/")
    expect(page.locator(".docs")).to_contain_text("giay-dkdn.pdf")
    shot(page, "officer-application")
    page.click("#decide button[type=submit]")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("Đã chấp thuận")
    shot(page, "officer-approved")
    sign_out(page)

    # applicant records the payment
    sign_in(page, base, "hanh@hoabinh.vn")
    page.goto(app_url)
    page.fill("#f-reference", "FT26061234567")
    shot(page, "applicant-payment")
    page.click("text=Ghi nhận thanh toán")
    expect(page.locator(".notice-success")).to_contain_text("Đã ghi nhận mã giao dịch")
    sign_out(page)

    # officer confirms: the certificate is issued
    sign_in(page, base, OFFICER, staff=True)
    page.click(".subnav >> text=Xác nhận lệ phí")
    expect(page.locator("table")).to_contain_text("FT26061234567")
    shot(page, "officer-payments")
    page.click("text=Xác nhận và cấp")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("BN-")
    serial = re.search(r"BN-\d{4}-\d{7}", page.locator(".notice-success").inner_text()).group(0)
    shot(page, "officer-issued")
    sign_out(page)

    # applicant: my names, the certificate
    sign_in(page, base, "hanh@hoabinh.vn")
    page.click(".mainnav >> text=Tên định danh của tôi")
    expect(page.locator("table")).to_contain_text(serial)
    shot(page, "my-names")
    page.click("table >> text=HOABINH")
    expect(page.locator(".name-title")).to_have_text("HOABINH")
    shot(page, "my-name")
    with page.expect_download() as download_info:
        page.click("text=Tải PDF")
    download = download_info.value
    assert download.suggested_filename == f"{serial}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    # the holder's own link to the public page carries the certificate's verification code
    verify_href = page.locator("table a", has_text="Xác thực").first.get_attribute("href")
    assert verify_href.startswith(f"/verify/{serial}?code="), verify_href
    code = verify_href.split("?code=", 1)[1]
    sign_out(page)
    # the public verify page: by serial and code (where the QR code points) and by uploading the PDF
    page.goto(f"{base}{verify_href}")
    expect(page.locator(".verdict")).to_contain_text("Đang có hiệu lực")
    expect(page.locator(".verdict")).to_contain_text("HOABINH")
    shot(page, "verify-serial-active")
    page.goto(f"{base}/verify")
    page.set_input_files(
        "#pdf", files=[{"name": f"{serial}.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.click("form[enctype] button[type=submit]")
    expect(page.locator(".verdict-genuine")).to_contain_text("Tệp PDF là bản thật")
    shot(page, "verify-pdf-genuine")

    # public lookup, English switch
    page.goto(base + "/lookup?q=hoa")
    expect(page.locator("table")).to_contain_text("HOABINH")
    shot(page, "public-lookup")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("Look up sender names")
    shot(page, "public-lookup-en")
    page.click("text=Tiếng Việt")

    # two-person revocation: officer proposes, supervisor confirms
    sign_in(page, base, OFFICER, staff=True)
    page.goto(f"{base}/officer/search?q=HOABINH")
    page.click("table >> text=HOABINH")
    form = page.locator("form.ground-form").first
    form.locator("input[name=spam-agency]").fill("Bộ Công an")
    form.locator("input[name=spam-conclusion_number]").fill("21/KL-A05")
    form.locator("input[name=spam-conclusion_date]").fill("2026-05-04")
    shot(page, "officer-name")
    form.locator("button").click()
    expect(page.locator(".notice-success")).to_contain_text("chờ lãnh đạo xác nhận")
    sign_out(page)
    sign_in(page, base, SUPERVISOR, staff=True)
    page.click(".subnav >> text=Thu hồi")
    expect(page.locator("table")).to_contain_text("21/KL-A05")
    shot(page, "supervisor-revocations")
    page.click("text=Xác nhận thu hồi")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("Đã thu hồi tên HOABINH")
    expect(page.locator(".subnav")).not_to_contain_text("Tài khoản cán bộ")
    sign_out(page)

    # staff accounts are the account administrator's, who sees no casework
    sign_in(page, base, ADMIN, staff=True)
    expect(page.locator("h1")).to_have_text("Tài khoản cán bộ")
    expect(page.locator(".subnav")).not_to_contain_text("Thu hồi")
    expect(page.locator("table")).to_contain_text("Trần Quốc Bảo")
    shot(page, "admin-accounts")
    sign_out(page)

    page.goto(base + "/revocations")
    expect(page.locator("table")).to_contain_text("HOABINH")
    shot(page, "public-revocations")
    if pdf is not None:
        page.goto(f"{base}/verify")
        page.fill("#serial", serial)
        page.fill("#code", code)
        page.click("form[method=get] button[type=submit]")
        expect(page.locator(".verdict")).to_contain_text("Đã bị thu hồi")
        shot(page, "verify-serial-revoked")
        page.goto(f"{base}/verify")
        page.set_input_files(
            "#pdf", files=[{"name": f"{serial}.pdf", "mimeType": "application/pdf", "buffer": pdf}]
        )
        page.click("form[enctype] button[type=submit]")
        # the signature is genuine, but nothing on the box says valid: red, heading and words revoked
        verdict = page.locator("section.verdict[data-verdict]")
        expect(verdict).to_have_attribute("data-verdict", "revoked")
        expect(verdict).to_have_class(re.compile(r"\bstatus-revoked\b"))
        expect(page.locator(".verdict-genuine")).to_have_count(0)
        expect(verdict.locator("h2")).to_contain_text("Không còn hiệu lực: đã bị thu hồi ngày")
        expect(verdict).to_contain_text("căn cứ:")
        shot(page, "verify-pdf-revoked")
    assert console_errors == []  # CSP never blocked anything the pages need
    context.close()
    # a phone-sized screen: the layout folds to one column
    mobile = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    phone = mobile.new_page()
    phone.goto(base + "/")
    shot(phone, "mobile-home")
    phone.goto(base + "/lookup?q=a")
    shot(phone, "mobile-lookup")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    mobile.close()


def test_officer_enters_paper_application_in_english(live_server, browser):
    from playwright.sync_api import expect

    base, _app = live_server
    shot = Shots("paper-english")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, OFFICER, staff=True)
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("Dashboard")
    shot(page, "dashboard-en")
    page.click(".subnav >> text=Queue")
    page.click("text=Enter a paper application")
    page.check("input[name=app_kind][value=individual]")
    page.fill("#f-app_name", "Ngô Thị Mai")
    page.fill("#f-app_id_number", "079188001234")
    page.fill("#f-app_address", "12 Hòa Bình, Ninh Kiều, Cần Thơ")
    page.fill("#f-app_email", "mai@example.vn")
    page.fill("#f-app_phone", "0901 234 567")
    page.fill("#f-n-0-name", "MAISHOP")
    expect(page.locator("#status-0")).to_contain_text("Valid and not registered")
    page.fill("textarea[name=n-0-purpose]", "Order notices")
    page.check("input[name=commitments]")
    shot(page, "paper-form-en")
    page.click("#submit-application")
    expect(page.locator(".notice-success")).to_contain_text("entered")
    expect(page.locator("h1")).to_contain_text("Application")
    shot(page, "paper-application-en")
    context.close()


def test_officer_decides_names_from_before_the_decree(live_server, browser):
    """A carrier list in the review queue: two plain rows recognized together, the look-alike
    refused alone with a reason; the public list then shows the recognized names, also as CSV."""
    from datetime import date

    from playwright.sync_api import expect
    from sqlalchemy import select

    from brandname import lifecycle
    from brandname.extensions import db
    from brandname.ops import bulk
    from brandname.store.models import LegacyRow

    from .test_bulk import legacy_row, write_csv

    base, app = live_server
    shot = Shots("legacy")
    path = write_csv(
        ARTIFACTS.parent / "legacy-browser.csv",
        [
            legacy_row("NAMVIET", code="0301000001"),
            legacy_row("HOANGSA", code="0301000002"),
            legacy_row("MEKONGGO", code="0301000003"),
            legacy_row("MEK0NGG0", code="0301000004"),
        ],
    )
    with app.app_context():
        operator = lifecycle.Actor.operator("import-legacy")
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(bulk.read_legacy_csv(fh, carrier="Viettel", file_date=date(2020, 10, 1), bad_rows=[]))
        batch = lifecycle.open_legacy_batch(
            db.session, filename="viettel.csv", carrier="Viettel", file_date=date(2020, 10, 1), actor=operator
        )
        lifecycle.queue_legacy_rows(db.session, batch.id, rows, actor=operator)
        ids = dict(db.session.execute(select(LegacyRow.name, LegacyRow.id)).all())
        db.session.remove()

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="vi-VN"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, OFFICER, staff=True)
    page.click("nav.subnav >> text=Tên trước Nghị định")
    expect(page.locator("h1")).to_contain_text("danh sách chờ xét")
    expect(page.locator(f"#legacy-row-{ids['MEK0NGG0']}")).to_contain_text("Dễ nhầm với MEKONGGO")
    expect(page.locator(f"#legacy-row-{ids['MEK0NGG0']} input[type=checkbox]")).to_have_count(0)
    shot(page, "queue")

    for name in ("NAMVIET", "HOANGSA"):
        page.check(f"#legacy-row-{ids[name]} input[type=checkbox]")
    page.click("text=Công nhận các tên đã chọn")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("Đã công nhận 2 tên")
    expect(page.locator(f"#legacy-row-{ids['NAMVIET']}")).to_have_count(0)

    row = page.locator(f"#legacy-row-{ids['MEK0NGG0']}")
    row.locator("input[name=reason]").fill("Dễ nhầm với MEKONGGO")
    row.locator("button:has-text('Từ chối')").click()
    confirm_act(page, shot)
    expect(page.locator(f"#legacy-row-{ids['MEK0NGG0']}")).to_have_count(0)
    shot(page, "after-decisions")

    page.goto(base + "/legacy-names")
    expect(page.locator("h1")).to_have_text("Danh sách tên định danh hợp pháp")
    expect(page.locator("main table")).to_contain_text("NAMVIET")
    expect(page.locator("main table")).not_to_contain_text("MEK0NGG0")
    expect(page.locator("#list-date")).to_contain_text("2 tên")
    shot(page, "public-list")
    with page.expect_download() as info:
        page.click("text=Tải danh sách (CSV)")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbfSTT,") and "NAMVIET" in data.decode("utf-8-sig")
    context.close()


def test_form01_errors_at_once_and_the_vietqr_fee_panel(live_server, browser, tmp_path):
    """Form 01 as a user meets it: a long name stays as typed, the unaccented form is offered,
    a row added by mistake is removed, every error shows next to its field and the chosen file
    is named to be attached again; then the fee panel of the approved application with its
    VietQR code, which zbarimg reads from the screenshot; then narrow-screen tables."""
    import shutil
    import subprocess

    from playwright.sync_api import expect

    from brandname import lifecycle, registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts
    from brandname.rules import vietqr

    base, app = live_server
    shot = Shots("form-and-vietqr")
    profile = {
        "kind": "organization",
        "name": "Công ty TNHH Cà phê Sài Gòn",
        "id_number": "0317778889",
        "address": "45 Lê Lợi, Quận 1, TP. HCM",
        "email": "lienhe@caphesaigon.vn",
        "phone": "028 3911 2222",
        "legal_representative": "Trương Văn Sáu",
        "contact_person": "Hồ Thị Bảy",
    }
    with app.app_context():
        account = accounts.register_applicant(
            db.session, email="bay@caphesaigon.vn", password=PASSWORD, profile=profile
        )
        holder_id, account_id = account.holder_id, account.id
        _path, token = mailed_link(db.session, "bay@caphesaigon.vn", "/applicant/verify/")
        accounts.verify_email(db.session, token)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, "bay@caphesaigon.vn")
    page.goto(base + "/applicant/apply")

    page.fill("#f-n-0-name", "SAIGONCAFE12")
    expect(page.locator("#f-n-0-name")).to_have_value("SAIGONCAFE12")  # never cut
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#status-0")).to_contain_text("tối đa 11 ký tự (hiện có 12)")
    shot(page, "long-name-kept")

    page.click("#add-row")
    page.fill("#f-n-1-name", "CÀ PHÊ")
    expect(page.locator("#status-1 .suggestion")).to_contain_text("CA PHE")
    shot(page, "unaccented-suggestion")
    page.click("#status-1 .use-suggestion")
    expect(page.locator("#f-n-1-name")).to_have_value("CA PHE")
    page.click("#add-row")  # one row too many ...
    expect(page.locator(".name-row")).to_have_count(3)
    page.locator(".name-row").nth(2).locator(".remove-row").click()  # ... taken out in place
    expect(page.locator(".name-row")).to_have_count(2)
    expect(page.locator(".name-row").nth(0).locator(".remove-row")).to_be_visible()

    page.fill("#f-n-0-purpose", "Khuyến mại " * 92)  # past the 1000-character limit
    expect(page.locator('[data-counter-for="f-n-0-purpose"]')).to_have_class(re.compile(r"\bover\b"))
    page.fill("#f-app_address", "")
    page.set_input_files(
        "input[name=doc-0-file]",
        files=[{"name": "giay-dkdn.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    page.click("#submit-application")
    expect(page.locator("#f-app_address-error")).to_contain_text("bắt buộc")
    expect(page.locator("#f-n-0-name-error")).to_contain_text("tối đa 11 ký tự")
    expect(page.locator("#f-n-0-purpose-error")).to_contain_text("tối đa 1000")
    expect(page.locator("#f-n-1-purpose-error")).to_contain_text("thiếu mục đích")
    expect(page.locator("#f-commitments-error")).to_contain_text("cam kết")
    expect(page.locator("#files-not-kept")).to_contain_text("giay-dkdn.pdf")
    expect(page.locator("#f-n-0-name")).to_have_value("SAIGONCAFE12")
    shot(page, "form-errors-at-once")

    # the fee panel of an approved application
    with app.app_context():
        application = lifecycle.submit(
            db.session,
            applicant=profile,
            names=[{"name": "CAPHESG", "purpose": "Thông báo đơn hàng", "use_sms": True}],
            actor=lifecycle.Actor("applicant", "bay@caphesaigon.vn", account_id, holder_id),
            account_id=account_id,
            commitments_confirmed=True,
            rules=registry.rules(),
        )
        attach_mandatory(db.session, application, actor=lifecycle.Actor.operator("test"))
        lifecycle.approve(
            db.session, application.id, actor=lifecycle.Actor.operator("test"), rules=registry.rules()
        )
        application_id, fee = application.id, application.fee_vnd
        content = f"{application.code.replace('-', ' ')} LE PHI TDD"
    page.goto(f"{base}/applicant/applications/{application_id}")
    panel = page.locator("#payment-instructions")
    expect(panel).to_contain_text("113366668888")
    expect(panel).to_contain_text("VietinBank")
    expect(panel).to_contain_text(content)
    qr = panel.locator(".vietqr img")
    expect(qr).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", qr.element_handle())
    shot(page, "vietqr-panel")
    if shutil.which("zbarimg"):
        qr_png = tmp_path / "vietqr-on-screen.png"
        qr.screenshot(path=str(qr_png))
        decoded = subprocess.run(
            ["zbarimg", "--raw", "-q", str(qr_png)], capture_output=True, text=True, check=True
        ).stdout.strip()
        fields = vietqr.parse(decoded)
        assert fields["54"] == str(fee) and vietqr.crc_ok(decoded)
        assert vietqr.parse(fields["62"])["08"] == content

    # narrow screens: stacked table cells keep their column labels
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    narrow = phone.new_page()
    narrow.goto(base + "/lookup?q=a")
    cell = narrow.locator("table.table tbody td").nth(1)
    label = narrow.evaluate("td => getComputedStyle(td, '::before').content", cell.element_handle())
    assert label.strip('"') == "Trạng thái", label
    shot(narrow, "narrow-lookup-labels")
    width = narrow.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    phone.close()
    context.close()
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_renewal_confirmed_after_the_old_expiry(live_server, browser):
    """A renewal filed 16 days before the expiry, approved, its fee recorded in time; the daily job
    runs after the expiry; the name shows "renewal pending"; an officer confirms the fee after the
    expiry and the new term runs from the old expiry + 1 day."""
    from datetime import datetime, time, timedelta

    from playwright.sync_api import expect

    from brandname import lifecycle, registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts
    from brandname.rules import dates

    base, app = live_server
    expiry = dates.local_today() - timedelta(days=1)  # the last valid day was yesterday
    issued = datetime.combine(expiry + timedelta(days=1) - timedelta(days=3 * 365 + 1), time(3, 0))
    applicant = {
        "kind": "organization",
        "name": "Công ty Cổ phần Gia Hạn",
        "id_number": "0107778889",
        "address": "1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
        "email": "lienhe@giahan.vn",
        "phone": "024 3999 0000",
        "legal_representative": "Đặng Minh",
        "contact_person": "Hồ Thu",
    }
    with app.app_context():
        rules, keys, actor = registry.rules(), registry.keys(), lifecycle.Actor.operator("seed")
        first = lifecycle.submit(
            db.session,
            applicant=applicant,
            names=[{"name": "GIAHAN", "purpose": "Chăm sóc khách hàng", "use_sms": True}],
            actor=actor,
            commitments_confirmed=True,
            now=issued,
            rules=rules,
        )
        attach_mandatory(db.session, first, actor=actor)
        lifecycle.approve(db.session, first.id, actor=actor, now=issued, rules=rules)
        paid = lifecycle.record_payment(db.session, first.id, actor=actor, reference="OLD", now=issued)
        lifecycle.confirm_payment(db.session, paid.id, actor=actor, keys=keys, now=issued, rules=rules)
        bn = lifecycle.find_brandname(db.session, "GIAHAN")
        # the name's last valid day is yesterday, whatever the real date (leap years included)
        bn.valid_until = expiry
        db.session.commit()
        filed = datetime.combine(expiry - timedelta(days=16), time(3, 0))
        renewal = lifecycle.submit(
            db.session,
            kind="renewal",
            brandname="GIAHAN",
            applicant=applicant,
            names=None,
            actor=actor,
            commitments_confirmed=True,
            now=filed,
            rules=rules,
        )
        lifecycle.approve(db.session, renewal.id, actor=actor, now=filed, rules=rules)
        lifecycle.record_payment(db.session, renewal.id, actor=actor, reference="FT-GIAHAN-1", now=filed)
        accounts.create_account(
            db.session, email="thu@giahan.vn", password=PASSWORD, role="applicant", holder_id=bn.holder_id
        )
        renewal_id = renewal.id
        lifecycle.daily(db.session, rules=rules)  # after the expiry: the name is not expired
        db.session.remove()
    shot = Shots("renewal-after-expiry")
    page = browser.new_page()

    page.goto(base + "/lookup?q=GIAHAN")
    expect(page.locator("table")).to_contain_text("Gia hạn đang xử lý")
    shot(page, "lookup-renewal-pending")

    sign_in(page, base, "thu@giahan.vn")
    page.goto(f"{base}/applicant/applications/{renewal_id}")
    expect(page.locator("main")).to_contain_text("Gia hạn đang xử lý")
    expect(page.locator("main")).to_contain_text("nộp trước")
    shot(page, "holder-renewal-deadline")
    sign_out(page)

    sign_in(page, base, OFFICER, staff=True)
    page.click(".subnav >> text=Xác nhận lệ phí")
    row = page.locator("tr", has_text="FT-GIAHAN-1")
    expect(row).to_be_visible()
    shot(page, "officer-payments")
    row.locator("text=Xác nhận và cấp").click()
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("BN-")
    shot(page, "officer-renewed")
    sign_out(page)

    page.goto(base + "/lookup?q=GIAHAN")
    table = page.locator("table")
    expect(table).not_to_contain_text("Gia hạn đang xử lý")
    expect(table).to_contain_text(f"– {dates.renewed_validity_end(expiry):%d/%m/%Y}")
    shot(page, "lookup-renewed")
    page.close()
    with app.app_context():
        cert = lifecycle.find_brandname(db.session, "GIAHAN").current_certificate
        assert cert.kind == "renewal" and dates.local_date(cert.issued_at) > expiry
        assert (cert.valid_from, cert.valid_until) == (
            expiry + timedelta(days=1),
            dates.renewed_validity_end(expiry),
        )
        db.session.remove()


def test_a_dossier_completed_after_a_request_for_more_documents(live_server, browser):
    """Art. 24, 26(2)(b): a dossier without its legal document cannot be approved; the officer
    asks for more documents, the queue shows it awaiting them, the applicant reads the request
    and uploads the document, and the officer then approves."""
    from playwright.sync_api import expect

    from brandname import lifecycle, registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts

    from .conftest import PDF_BYTES

    base, app = live_server
    with app.app_context():
        actor = lifecycle.Actor.operator("seed")
        filed = lifecycle.submit(
            db.session,
            applicant={
                "kind": "organization",
                "name": "Công ty TNHH Bổ Sung",
                "id_number": "0315556667",
                "address": "8 Hai Bà Trưng, Quận 1, TP. HCM",
                "email": "lienhe@bosung.vn",
                "phone": "028 3822 7777",
                "legal_representative": "Võ Thanh",
                "contact_person": "Lý Hạnh",
            },
            names=[{"name": "BOSUNG", "purpose": "Thông báo đơn hàng", "use_sms": True}],
            actor=actor,
            commitments_confirmed=True,
            rules=registry.rules(),
        )
        account = accounts.create_account(
            db.session, email="hanh@bosung.vn", password=PASSWORD, role="applicant", holder_id=filed.holder_id
        )
        filed.account_id = account.id
        db.session.commit()
        app_id = filed.id
        db.session.remove()
    shot = Shots("dossier-more-documents")
    page = browser.new_page()
    sign_in(page, base, OFFICER, staff=True)
    page.goto(f"{base}/officer/applications/{app_id}")
    expect(page.locator("#dossier-missing")).to_contain_text("Giấy chứng nhận đăng ký doanh nghiệp")
    expect(page.locator("#documents-override")).to_be_visible()
    page.click("#decide button[type=submit]")
    confirm_act(page, shot)
    expect(page.locator(".notice-error")).to_contain_text("chưa đủ giấy tờ bắt buộc")
    shot(page, "officer-approval-blocked")
    page.fill(
        "#f-documents_request", "Đề nghị bổ sung bản sao chứng thực Giấy chứng nhận đăng ký doanh nghiệp."
    )
    page.click("#documents-request button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("Đã gửi yêu cầu bổ sung")
    expect(page.locator("#documents-awaited")).to_be_visible()
    shot(page, "officer-asked-for-documents")
    page.click(".subnav >> text=Hồ sơ chờ xử lý")
    row = page.locator("#queue-table tbody tr", has_text="BOSUNG")
    expect(row.locator(".documents-awaited")).to_have_text("Chờ bổ sung hồ sơ")
    shot(page, "queue-awaiting-documents")
    sign_out(page)

    sign_in(page, base, "hanh@bosung.vn")
    page.goto(f"{base}/applicant/applications/{app_id}")
    request = page.locator("#documents-request")
    expect(request).to_contain_text("Đề nghị bổ sung bản sao chứng thực")
    shot(page, "applicant-sees-the-request")
    request.locator("select[name=doc-0-kind]").select_option("enterprise_registration")
    request.locator("input[name=doc-0-file]").set_input_files(
        files=[{"name": "gcn-dkdn.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.fill("#f-reply", "Xin gửi bản sao chứng thực.")
    request.locator("button[type=submit]").click()
    expect(page.locator(".notice-success")).to_contain_text("Đã gửi bổ sung hồ sơ")
    expect(page.locator("main")).to_contain_text("gcn-dkdn.pdf")
    expect(page.locator("#documents-request")).to_have_count(0)
    shot(page, "applicant-supplied")
    sign_out(page)

    sign_in(page, base, OFFICER, staff=True)
    page.goto(f"{base}/officer/applications/{app_id}")
    expect(page.locator("#dossier-complete")).to_be_visible()
    expect(page.locator("#documents-override")).to_have_count(0)
    page.click("#decide button[type=submit]")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("Đã chấp thuận")
    expect(page.locator(".trail")).to_contain_text("yêu cầu bổ sung hồ sơ số")
    expect(page.locator(".trail")).to_contain_text("bổ sung hồ sơ số")
    shot(page, "officer-approved-after-documents")
    page.close()


def test_console_tools_revoked_pdf_and_both_languages(live_server, browser, tmp_path):
    """A revoked certificate's PDF is called revoked; an officer filters the queue, takes a
    dossier, cancels then confirms an irreversible act, downloads an export; every page switches
    to English and back."""
    from io import BytesIO

    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from brandname import lifecycle, registry
    from brandname.certificates import documents
    from brandname.extensions import db

    base, app = live_server
    made = {}

    def seed():  # in a thread: PDF signing runs its own event loop, and Playwright's is running
        with app.app_context():
            operator = lifecycle.Actor.operator("seed")
            applicant = {
                "kind": "organization",
                "name": "Công ty TNHH Thu Hồi",
                "id_number": "0312223999",
                "address": "1 Lê Lợi, Huế",
                "email": "lienhe@thuhoi.vn",
                "phone": "0234 382 1111",
                "legal_representative": "Phạm Hùng",
                "contact_person": "Lê Hoa",
            }

            def file(*names):
                return lifecycle.submit(
                    db.session,
                    applicant=applicant,
                    names=[{"name": n, "purpose": "Thông báo", "use_sms": True} for n in names],
                    actor=operator,
                    commitments_confirmed=True,
                    rules=registry.rules(),
                )

            application = file("BOHOI")
            attach_mandatory(db.session, application, actor=operator)
            lifecycle.approve(db.session, application.id, actor=operator, rules=registry.rules())
            payment = lifecycle.record_payment(db.session, application.id, actor=operator, reference="BH1")
            cert = lifecycle.confirm_payment(
                db.session, payment.id, actor=operator, keys=registry.keys(), rules=registry.rules()
            ).certificates[0]
            pdf = documents.certificate_pdf_path(cert).read_bytes()
            lifecycle.give_up(db.session, cert.brandname_id, actor=operator)
            warned = file("5A0MAI")  # looks like the registered SA0MAI
            plain = file("KHACHHANG")
            attach_mandatory(db.session, plain, actor=operator)
            made.update(pdf=pdf, warned_id=warned.id, plain_id=plain.id)
            db.session.remove()

    worker = threading.Thread(target=seed)
    worker.start()
    worker.join()
    pdf, warned_id, plain_id = made["pdf"], made["warned_id"], made["plain_id"]

    shot = Shots("console-tools")
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    # the public checks a revoked certificate's genuine PDF: nothing says valid
    page.goto(f"{base}/verify")
    page.set_input_files("#pdf", files=[{"name": "gcn.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.click("form[enctype] button[type=submit]")
    verdict = page.locator("section.verdict[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "revoked")
    expect(verdict).to_have_class(re.compile(r"\bstatus-revoked\b"))
    expect(page.locator(".verdict-genuine")).to_have_count(0)
    expect(verdict.locator("h2")).to_contain_text("Không còn hiệu lực: đã bị thu hồi ngày")
    expect(verdict).to_contain_text("căn cứ: điểm d khoản 1 Điều 29")
    shot(page, "verify-revoked-pdf")
    page.click("text=English")
    page.set_input_files("#pdf", files=[{"name": "gcn.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.click("form[enctype] button[type=submit]")
    expect(verdict.locator("h2")).to_contain_text("No longer valid: revoked on")
    expect(verdict).to_contain_text("at the request of the organization")
    shot(page, "verify-revoked-pdf-en")
    page.click("text=Tiếng Việt")

    # the officer filters the queue, takes the flagged dossier, sees it among "my dossiers"
    sign_in(page, base, OFFICER, staff=True)
    page.click(".subnav >> text=Hồ sơ chờ xử lý")
    rows = page.locator("#queue-table tbody tr")
    expect(rows.filter(has_text="KHACHHANG")).to_have_count(1)
    page.check("input[name=warning]")
    page.select_option("select[name=kind]", "issue")
    page.click("#queue-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("5A0MAI")
    expect(rows.first).to_contain_text("dễ nhầm")
    shot(page, "queue-filtered")
    page.click(f"a[href='/officer/applications/{warned_id}']")
    page.click("#assignment button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("nhận xử lý")
    page.click(".subnav >> text=Hồ sơ của tôi")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nguyễn Thu Hà")
    shot(page, "my-dossiers")

    # an irreversible act: cancel leaves it undecided, confirm decides it
    page.goto(f"{base}/officer/applications/{plain_id}")
    page.click("#decide button[type=submit]")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("KHACHHANG")
    shot(page, "confirm-approve")
    dialog.locator("[data-confirm-cancel]").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.locator("#decide button[type=submit]")).to_be_visible()  # still undecided
    page.click("#decide button[type=submit]")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text(f"Đã chấp thuận hồ sơ số {plain_id}")

    # the filtered list as a spreadsheet
    page.goto(f"{base}/officer/queue?status=all&kind=issue")
    with page.expect_download() as info:
        page.click("text=XLSX")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(Path(download.path()).read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "Số hồ sơ" and {warned_id, plain_id} <= {r[0] for r in table[1:]}
    page.click(".subnav >> text=Thống kê")
    expect(page.locator("svg.chart")).to_have_count(4)
    shot(page, "statistics")

    # every page in English and back
    pages = {
        "/": ("Register, look up", "Đăng ký, tra cứu"),
        "/lookup": ("Look up", "Tra cứu"),
        "/verify": ("Check a sender-name certificate", "Xác thực giấy chứng nhận"),
        "/revocations": ("revocation notices", "Thông báo thu hồi"),
        "/officer/": ("Dashboard", "Tổng quan"),
        "/officer/queue": ("Applications", "Hồ sơ"),
        "/officer/queue?assignee=me": ("My applications", "Hồ sơ của tôi"),
        f"/officer/applications/{warned_id}": ("Application", "Hồ sơ số"),
        "/officer/payments": ("Payments awaiting", "Lệ phí chờ"),
        "/officer/revocations": ("Revocation proposals", "Đề xuất thu hồi"),
        "/officer/search": ("Search", "Tìm kiếm"),
        "/officer/statistics": ("Statistics", "Thống kê"),
        "/no-such-page": ("could not be carried out", "không thực hiện được"),
    }
    for url, (english, vietnamese) in pages.items():
        page.goto(base + url)
        page.click("text=English")
        expect(page.locator("h1")).to_contain_text(re.compile(re.escape(english), re.I))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        if url == "/officer/statistics":
            shot(page, "statistics-en")
        page.click("text=Tiếng Việt")
        expect(page.locator("h1")).to_contain_text(re.compile(re.escape(vietnamese), re.I))
    assert console_errors == [] or all("404" in e for e in console_errors)
    context.close()


def test_forgotten_password_then_a_second_factor(live_server, browser):
    """A staff member resets a forgotten password by the mailed link, enrols an authenticator app
    from the QR page, and signs in again with password and code."""
    import pyotp
    from playwright.sync_api import expect
    from sqlalchemy import select

    from brandname.extensions import db
    from brandname.store.models import Outbox

    base, app = live_server
    shot = Shots("signin")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/officer/login")
    page.click("text=Quên mật khẩu?")
    page.fill("#f-email", OFFICER)
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("Liên kết dùng được một lần")
    shot(page, "forgot-sent")
    with app.app_context():
        body = db.session.scalars(select(Outbox.body).where(Outbox.key.startswith("password-reset:"))).one()
        db.session.remove()
    page.goto(base + re.search(r"http://127\.0\.0\.1(/applicant/reset/\S+)", body).group(1))
    new_password = "sông Hồng mùa nước nổi"
    page.fill("#f-new", "password123")
    page.fill("#f-repeat", "password123")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("Mật khẩu quá dễ đoán")
    shot(page, "reset-weak")
    page.fill("#f-new", new_password)
    page.fill("#f-repeat", new_password)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Đăng nhập Cổng cán bộ")
    page.fill("#f-email", OFFICER)
    page.fill("#f-password", new_password)
    page.click("main button[type=submit]")
    page.click("header >> text=Xác thực hai lớp")
    secret = page.locator("#totp-secret").inner_text()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    shot(page, "second-factor-enrol")
    totp = pyotp.TOTP(secret)
    page.fill("#f-code", totp.at(time.time() - 30))
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tổng quan")
    sign_out(page)
    page.goto(f"{base}/officer/login")
    page.fill("#f-email", OFFICER)
    page.fill("#f-password", new_password)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Nhập mã xác thực")
    shot(page, "second-factor-code")
    page.fill("#f-code", totp.now())
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tổng quan")


def test_officer_sees_and_decides_soundalike_and_watchlist_warnings(live_server, browser):
    """A sound-alike of a registered name and a look-alike of a watched state body: the live check
    says so in words, and the officer records a decision on each warning."""
    from playwright.sync_api import expect

    base, _app = live_server
    shot = Shots("confusion-warnings")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, OFFICER, staff=True)
    page.click(".subnav >> text=Danh sách theo dõi")
    page.fill("#f-name", "Bộ Công an")
    page.select_option("#category", "state")
    page.fill("#f-note", "Bộ Công an (Cục A05)")
    page.click("main form button[type=submit]")
    expect(page.locator("#watch-entries")).to_contain_text("Bộ Công an")
    shot(page, "watch-list")

    page.click(".subnav >> text=Hồ sơ chờ xử lý")
    page.click("text=Nhập hồ sơ nộp trên giấy")
    page.check("input[name=app_kind][value=individual]")
    page.fill("#f-app_name", "Ngô Thị Mai")
    page.fill("#f-app_id_number", "079188001234")
    page.fill("#f-app_address", "12 Hòa Bình, Ninh Kiều, Cần Thơ")
    page.fill("#f-app_email", "mai@example.vn")
    page.fill("#f-app_phone", "0901 234 567")
    page.fill("#f-n-0-name", "SAOMAY")
    expect(page.locator("#status-0")).to_contain_text("Đọc giống tên đã đăng ký SA0MAI")
    page.fill("textarea[name=n-0-purpose]", "Thông báo đơn hàng")
    page.click("#add-row")
    page.fill("#f-n-1-name", "B0CONGAN")
    expect(page.locator("#status-1")).to_contain_text(
        "Bộ Công an trong danh sách theo dõi (cơ quan nhà nước)"
    )
    page.fill("textarea[name=n-1-purpose]", "Thông báo")
    page.check("input[name=commitments]")
    shot(page, "live-check-warnings")
    page.click("#submit-application")
    expect(page.locator("h1")).to_contain_text("Hồ sơ")

    rows = page.locator("#warnings .warning-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("đọc giống")
    expect(rows.nth(1)).to_contain_text("trong danh sách theo dõi")
    shot(page, "warnings")
    first = page.locator('#warnings .warning-row[data-name="SA0MAI"]')
    first.locator("select[name=decision]").select_option("not_confusable")
    first.locator("input[name=note]").fill("khác chủ thể, khác lĩnh vực")
    first.locator("button[type=submit]").click()
    expect(page.locator('#warnings .warning-row[data-name="SA0MAI"] .warning-decision')).to_have_text(
        "không gây nhầm lẫn"
    )
    second = page.locator('#warnings .warning-row[data-kind="watchlist"]')
    second.locator("select[name=decision]").select_option("confusable")
    second.locator("input[name=note]").fill("mạo danh Bộ Công an")
    second.locator("button[type=submit]").click()
    expect(page.locator('#warnings .warning-row[data-kind="watchlist"] .warning-decision')).to_have_text(
        "dễ gây nhầm lẫn"
    )
    expect(page.locator(".trail")).to_contain_text("mạo danh Bộ Công an")
    shot(page, "decisions")
    context.close()


def test_tracking_by_code_and_the_receipt_pdf(live_server, browser, tmp_path):
    """Anyone tracks the seeded dossier by its code and the applicant's email: the timeline runs
    from receipt to issue; a wrong email gets "not found". Staff print its receipt PDF, which
    pdftoppm turns into the suite's picture of it."""
    import shutil
    import subprocess

    from playwright.sync_api import expect
    from sqlalchemy import select

    from brandname.extensions import db
    from brandname.store.models import Application

    base, app = live_server
    shot = Shots("tracking-and-receipt")
    with app.app_context():
        application = db.session.scalars(
            select(Application).where(Application.applicant["email"].as_string() == "lienhe@saomaixanh.vn")
        ).one()
        code, application_id = application.code, application.id
    page = browser.new_page()
    page.goto(f"{base}/")
    page.click("nav.mainnav >> text=Tra cứu hồ sơ")
    page.fill("#code", code.lower())
    page.fill("#proof", "someone@else.vn")
    page.click("main button[type=submit]")
    expect(page.locator("[data-track=not_found]")).to_be_visible()
    page.fill("#code", code)
    page.fill("#proof", "LienHe@SaoMaiXanh.vn")
    page.click("main button[type=submit]")
    expect(page.locator("[data-track=found]")).to_contain_text(code)
    for step in ("received", "under_review", "decided", "paid", "issued"):
        expect(page.locator(f"[data-step={step}].done")).to_be_visible()
    shot(page, "tracking-by-code")

    sign_in(page, base, OFFICER, staff=True)
    response = page.request.get(f"{base}/applicant/applications/{application_id}/receipt.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(shot.folder / "02-receipt-pdf")],
            check=True,
        )
    page.close()


def test_draft_finished_later_one_name_withdrawn_and_the_notifications(live_server, browser):
    """An applicant saves Form 01 as a draft, signs out, comes back, finishes and files it; then
    withdraws one of its two names; the officer decides the other; the applicant's notifications
    list the receipt and the decision, unread, then read."""
    from playwright.sync_api import expect

    from brandname import registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts

    base, app = live_server
    shot = Shots("drafts-and-inbox")
    with app.app_context():
        accounts.register_applicant(
            db.session,
            email="thu@binhminh.vn",
            password=PASSWORD,
            profile={
                "kind": "organization",
                "name": "Công ty TNHH Bình Minh Xanh",
                "id_number": "0107778889",
                "address": "25 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội",
                "email": "lienhe@binhminhxanh.vn",
                "phone": "024 3933 2222",
                "legal_representative": "Ngô Bình",
                "contact_person": "Hà Thu",
            },
            public_url="http://127.0.0.1",
            authority=(registry.rules().authority, registry.rules().authority_en),
            min_score=0,
        )
        _path, token = mailed_link(db.session, "thu@binhminh.vn", "/applicant/verify/")
        accounts.verify_email(db.session, token)
        db.session.remove()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    sign_in(page, base, "thu@binhminh.vn")
    page.click("text=Nộp hồ sơ mới")
    page.fill("#f-n-0-name", "BINHMINHX")
    page.fill("textarea[name=n-0-purpose]", "Thông báo đơn hàng")
    page.check("input[name=n-0-carriers][value='Viettel']")
    page.click("#add-row")
    page.fill("#f-n-1-name", "BMXANH")
    page.fill("textarea[name=n-1-purpose]", "Chăm sóc khách hàng")
    page.check("input[name=n-1-carriers][value='MobiFone']")
    expect(page.locator("#draft-hint")).to_contain_text("Tệp đính kèm không được lưu")
    shot(page, "form-before-draft")
    page.click("#save-draft")  # no commitments ticked: a draft is not checked
    expect(page.locator(".notice-success")).to_contain_text("Đã lưu bản nháp")
    expect(page.locator("#draft-notice")).to_be_visible()
    sign_out(page)

    sign_in(page, base, "thu@binhminh.vn")
    expect(page.locator("#draft-list")).to_contain_text("BINHMINHX, BMXANH")
    shot(page, "home-with-draft")
    page.click("#draft-list >> text=Tiếp tục")
    expect(page.locator("#f-n-1-name")).to_have_value("BMXANH")
    expect(page.locator("input[name=n-1-carriers][value='MobiFone']")).to_be_checked()
    page.click("#submit-application")  # the commitments are still missing: full checks now
    expect(page.locator("#f-commitments-error")).to_be_visible()
    page.check("input[name=commitments]")
    shot(page, "draft-reopened")
    page.click("#submit-application")
    expect(page.locator(".notice-success")).to_contain_text("Đã tiếp nhận hồ sơ số")
    app_url = page.url
    shot(page, "application-from-draft")
    page.goto(base + "/applicant/")
    expect(page.locator("#draft-list")).to_have_count(0)

    page.goto(app_url)
    page.locator("tr", has_text="BMXANH").locator("button.withdraw-name").click()
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("Đã rút tên BMXANH")
    expect(page.locator("tr", has_text="BMXANH")).to_contain_text("Đã rút")
    expect(page.locator("button.withdraw-name")).to_have_count(0)  # the last name goes with the application
    shot(page, "one-name-withdrawn")
    sign_out(page)

    sign_in(page, base, OFFICER, staff=True)
    page.goto(app_url.replace("/applicant/", "/officer/"))
    expect(page.locator(".trail")).to_contain_text("rút tên BMXANH")
    shot(page, "officer-sees-withdrawn-name")
    # filed without its legal document: the officer writes why it is approved all the same
    page.fill("#f-documents_override", "Bản sao chứng thực đã đối chiếu tại bộ phận một cửa.")
    page.click("#decide button[type=submit]")
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("Đã chấp thuận")
    sign_out(page)

    sign_in(page, base, "thu@binhminh.vn")
    expect(page.locator("#unread-count")).to_have_text("3")  # welcome, receipt, decision
    page.click("#inbox-link")
    expect(page.locator(".inbox-item.unread")).to_have_count(3)
    shot(page, "notifications-unread")
    page.locator(".inbox-item", has_text="chấp thuận").first.locator("button.mark-read").click()
    expect(page.locator("#unread-count")).to_have_text("2")
    expect(page.locator(".inbox-item.read")).to_have_count(1)
    page.click("nav.tabs >> text=Chưa đọc (2)")
    expect(page.locator(".inbox-item")).to_have_count(2)
    shot(page, "notifications-unread-only")
    page.click("nav.tabs >> text=Tất cả")
    page.click("#read-all")
    expect(page.locator("#unread-count")).to_have_count(0)
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    page.locator(".inbox-item").first.locator("details summary").click()
    expect(page.locator(".inbox-item").first.locator(".mail-body")).to_contain_text("BINHMINHX")
    shot(page, "notifications-all-read")
    page.locator(".inbox-item", has_text="chấp thuận").first.locator("text=Mở hồ sơ").click()
    assert page.url == app_url
    page.close()


def test_holder_files_the_annual_report_and_the_officer_sees_the_overdue_list(live_server, browser):
    """Two holders had names in force last year; one files Form 04 online (a wrong figure first,
    then the right ones), the other does not: the officer's overdue list names the second and
    the period's reports show the first as filed, late, with the trail of the filing."""
    from datetime import datetime

    from playwright.sync_api import expect

    from brandname import lifecycle, registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts
    from brandname.rules import dates

    base, app = live_server
    period = None
    with app.app_context():
        rules, keys, actor = registry.rules(), registry.keys(), lifecycle.Actor.operator("seed")
        period = rules.report_calendar.due(dates.local_today())
        issued = datetime(period.start.year, 3, 2, 3, 0)
        holders = {}
        for number, company, name in (
            ("0104445556", "Công ty Cổ phần Báo Cáo Đúng", "BAOCAO"),
            ("0104445557", "Công ty TNHH Chậm Nộp", "CHAMNOP"),
        ):
            application = lifecycle.submit(
                db.session,
                applicant={
                    "kind": "organization",
                    "name": company,
                    "id_number": number,
                    "address": "5 Hàng Bài, Hoàn Kiếm, Hà Nội",
                    "email": f"lienhe@{name.lower()}.vn",
                    "phone": "024 3888 0000",
                    "legal_representative": "Ngô Minh",
                    "contact_person": "Phan Thảo",
                },
                names=[{"name": name, "purpose": "Chăm sóc khách hàng", "use_sms": True}],
                actor=actor,
                commitments_confirmed=True,
                now=issued,
                rules=rules,
            )
            attach_mandatory(db.session, application, actor=actor)
            lifecycle.approve(db.session, application.id, actor=actor, now=issued, rules=rules)
            paid = lifecycle.record_payment(
                db.session, application.id, actor=actor, reference=name, now=issued
            )
            lifecycle.confirm_payment(db.session, paid.id, actor=actor, keys=keys, now=issued, rules=rules)
            holders[name] = lifecycle.find_brandname(db.session, name).holder_id
        accounts.create_account(
            db.session,
            email="thao@baocao.vn",
            password=PASSWORD,
            role="applicant",
            holder_id=holders["BAOCAO"],
        )
        db.session.remove()
    shot = Shots("annual-reports", root=ARTIFACTS.parent)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)

    sign_in(page, base, "thao@baocao.vn")
    page.click("header >> text=Báo cáo định kỳ")
    expect(page.locator("main")).to_contain_text("Mẫu số 04")
    shot(page, "holder-reports-owed")
    page.click("main a.button >> text=Nộp báo cáo")
    figures = {
        "names_used": "1",
        "sms_sent": "12000",
        "advertising_sms": "20000",  # more than all messages: refused, named
        "calls_made": "0",
        "opt_out_requests": "15",
        "opt_out_handled": "15",
        "complaints": "2",
    }
    for key, value in figures.items():
        page.fill(f"#f-{key}", value)
    page.fill("#f-notes", "Đề nghị Cục hướng dẫn thêm cách thống kê tin nhắn quảng cáo.")
    page.click("main button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("không thể lớn hơn")
    expect(page.locator("#f-advertising_sms")).to_have_attribute("aria-invalid", "true")
    shot(page, "holder-form-refused")
    page.fill("#f-advertising_sms", "2000")
    page.click("main button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("Mẫu số 04")
    expect(page.locator("main table")).to_contain_text("Nộp muộn")
    expect(page.locator("main")).to_contain_text("Đã nộp đủ báo cáo của kỳ này.")
    shot(page, "holder-report-filed")
    sign_out(page)

    sign_in(page, base, OFFICER, staff=True)
    page.click(".subnav >> text=Báo cáo định kỳ")
    overdue = page.locator("#overdue")
    expect(overdue).to_contain_text("Công ty TNHH Chậm Nộp")
    expect(overdue).not_to_contain_text("Công ty Cổ phần Báo Cáo Đúng")
    expect(page.locator(".trail")).to_contain_text("nộp báo cáo Mẫu số 04 của Công ty Cổ phần Báo Cáo Đúng")
    shot(page, "officer-overdue-list")
    page.close()
    with app.app_context():
        from brandname.store.models import PeriodicReport

        report = db.session.query(PeriodicReport).one()
        assert (report.period_label, report.figures["advertising_sms"], report.late) == (
            period.label,
            2000,
            True,
        )
        db.session.remove()


def test_an_organization_admin_invites_a_user_who_files(live_server, browser):
    """Sign up, confirm the email from the mailed link, invite a colleague from the members page;
    she accepts from her mail, files, and the dossier's history names her; removed, she loses it."""
    from playwright.sync_api import expect

    base, app = live_server
    shot = Shots("org-users")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/applicant/signup")
    for field, value in (
        ("#f-app_name", "Công ty TNHH Hoa Sen Việt"),
        ("#f-app_id_number", "0106667778"),
        ("#f-app_tax_code", "0106667778"),
        ("#f-app_address", "Số 3 Tràng Tiền, Hoàn Kiếm, Hà Nội"),
        ("#f-app_email", "lienhe@hoasen.vn"),
        ("#f-app_phone", "024 3933 3333"),
        ("#f-app_legal_representative", "Ngô Văn Sen"),
        ("#f-app_contact_person", "Đặng Thu Hoa"),
        ("#f-email", "hoa@hoasen.vn"),
        ("#f-password", PASSWORD),
        ("#f-password2", PASSWORD),
    ):
        page.fill(field, value)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Xem hộp thư của bạn")
    sign_in(page, base, "hoa@hoasen.vn")
    expect(page.locator("#verify-email")).to_be_visible()
    shot(page, "signed-in-unverified")
    page.goto(base + "/applicant/apply")
    page.fill("#f-n-0-name", "HOASEN")
    page.fill("textarea[name=n-0-purpose]", "Chăm sóc khách hàng")
    page.check("input[name=commitments]")
    page.click("#submit-application")
    expect(page.locator(".notice-error")).to_contain_text("chưa nộp được hồ sơ")
    shot(page, "unverified-cannot-file")

    follow_mailed_link(page, base, app, "hoa@hoasen.vn", "/applicant/verify/")
    shot(page, "verify-link")
    page.click("#confirm-email")
    expect(page.locator(".notice-success")).to_contain_text("Đã xác nhận thư điện tử")

    page.click("nav.mainnav >> text=Thành viên")
    page.fill("#f-email", "thu@hoasen.vn")
    page.click("#invite-form button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("Đã gửi lời mời đến thu@hoasen.vn")
    expect(page.locator("#invitations")).to_contain_text("thu@hoasen.vn")
    shot(page, "members-invited")

    colleague = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    colleague.set_default_timeout(15000)
    follow_mailed_link(colleague, base, app, "thu@hoasen.vn", "/applicant/join/")
    expect(colleague.locator("main")).to_contain_text("Công ty TNHH Hoa Sen Việt")
    colleague.fill("#f-full_name", "Lý Thu")
    colleague.fill("#f-password", "mùa thu Hà Nội lá vàng")
    colleague.fill("#f-password2", "mùa thu Hà Nội lá vàng")
    shot(colleague, "join")
    colleague.click("#accept-invitation")
    expect(colleague.locator(".notice-success")).to_contain_text("Bạn đã tham gia tài khoản của")
    colleague.goto(base + "/applicant/apply")
    colleague.fill("#f-n-0-name", "HOASEN")
    colleague.fill("textarea[name=n-0-purpose]", "Chăm sóc khách hàng")
    colleague.fill("input[name=n-0-products]", "Trà sen")
    colleague.fill("input[name=n-0-sectors]", "Bán lẻ")
    colleague.check("input[name=n-0-carriers][value='Viettel']")
    colleague.check("input[name=commitments]")
    colleague.click("#submit-application")
    expect(colleague.locator(".notice-success")).to_contain_text("Đã tiếp nhận hồ sơ số")
    expect(colleague.locator("#history")).to_contain_text("Lý Thu (thu@hoasen.vn) nộp hồ sơ")
    dossier = colleague.url
    shot(colleague, "user-filed")

    page.goto(dossier)  # the administrator follows it too
    expect(page.locator("#history")).to_contain_text("Lý Thu (thu@hoasen.vn)")
    page.goto(base + "/applicant/members")
    expect(page.locator("#members")).to_contain_text("thu@hoasen.vn")
    page.locator("#members tr", has_text="thu@hoasen.vn").locator("button.danger").click()
    confirm_act(page, shot)
    expect(page.locator(".notice-success")).to_contain_text("mọi phiên đăng nhập của người này đã kết thúc")
    expect(page.locator("#member-history")).to_contain_text("bỏ thu@hoasen.vn khỏi tổ chức")
    shot(page, "member-removed")
    colleague.goto(dossier)
    expect(colleague.locator("h1")).to_contain_text("Đăng nhập")
    shot(colleague, "removed-user-signed-out")


def test_a_paper_holder_is_claimed_with_the_mailed_code(live_server, browser):
    """Sao Mai Xanh's name was entered from a paper dossier, so its code is on record: its sign-up
    is offered the claim, the code goes to the email on record, and the names become the account's."""
    from playwright.sync_api import expect
    from sqlalchemy import select

    from brandname.extensions import db
    from brandname.store.models import Outbox

    base, app = live_server
    shot = Shots("claim")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/applicant/signup")
    for field, value in (
        ("#f-app_name", "Công ty TNHH Sao Mai Xanh"),
        ("#f-app_id_number", "0312223334"),
        ("#f-app_address", "12 Nguyễn Huệ, Quận 1, TP. HCM"),
        ("#f-app_email", "giamdoc@saomaixanh.vn"),
        ("#f-app_phone", "028 3822 1111"),
        ("#f-app_legal_representative", "Phạm Minh"),
        ("#f-app_contact_person", "Lê Lan"),
        ("#f-email", "giamdoc@saomaixanh.vn"),
        ("#f-password", PASSWORD),
        ("#f-password2", PASSWORD),
    ):
        page.fill(field, value)
    page.click("main button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("đã có trong sổ đăng ký")
    expect(page.locator("#claim-offer")).to_be_visible()
    shot(page, "signup-code-on-record")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password2", PASSWORD)
    page.click("#signup-claim")
    expect(page.locator("h1")).to_have_text("Xem hộp thư của bạn")

    sign_in(page, base, "giamdoc@saomaixanh.vn")
    expect(page.locator("h1")).to_have_text("Nhận quyền với tên đã đăng ký")
    page.fill("#f-id_number", "0312223334")
    shot(page, "claim-start")
    page.click("#claim-start button[type=submit]")
    expect(page.locator("h1")).to_have_text("Công ty TNHH Sao Mai Xanh")
    expect(page.locator("#masked-email")).to_have_text("l***@s***.vn")
    expect(page.locator("#claim-names")).to_contain_text("SA0MAI")
    shot(page, "claim-ways")
    page.click("#send-code")
    expect(page.locator(".notice-success")).to_contain_text("Đã gửi mã xác nhận tới l***@s***.vn")
    with app.app_context():
        mail = db.session.scalars(select(Outbox).where(Outbox.key.startswith("claim-code:"))).one()
        db.session.remove()
    assert mail.to == "lienhe@saomaixanh.vn"  # the address on record, not the one typed at sign-up
    code = re.search(r"Mã xác nhận: (\d{6})", mail.body).group(1)
    page.fill("#f-code", "000000" if code != "000000" else "111111")
    page.click("#claim-confirm button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("Còn 4 lần thử")
    shot(page, "claim-wrong-code")
    page.fill("#f-code", code)
    page.click("#claim-confirm button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("Đã nhận quyền")
    expect(page.locator("main")).to_contain_text("SA0MAI")
    shot(page, "claimed-names")
    page.click("nav.mainnav >> text=Hồ sơ của tôi")
    expect(page.locator("main")).to_contain_text("SA0MAI")
    shot(page, "claimed-home")


def test_a_holder_protects_a_variant_an_officer_approves_and_another_filing_is_refused(live_server, browser):
    """The holder of SAOVIET asks to protect the look-alike SVPay; the officer approves it on the
    watch-list page; another holder's live check then says SVPAY is a protected variant of
    SAOVIET, and its filing is refused with the same words, nothing filed."""
    from playwright.sync_api import expect

    from brandname import lifecycle, registry
    from brandname.extensions import db
    from brandname.lifecycle import accounts
    from brandname.store.models import Application

    base, app = live_server
    with app.app_context():
        rules, keys, actor = registry.rules(), registry.keys(), lifecycle.Actor.operator("seed")
        holders = {}
        for number, company, name, email in (
            ("0101234321", "Ngân hàng TMCP Sao Việt", "SAOVIET", "an@saoviet.vn"),
            ("0107654321", "Công ty TNHH Vũ Phong", "VUPHONG", "binh@vuphong.vn"),
        ):
            application = lifecycle.submit(
                db.session,
                applicant={
                    "kind": "organization",
                    "name": company,
                    "id_number": number,
                    "address": "20 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội",
                    "email": email,
                    "phone": "024 3933 0000",
                    "legal_representative": "Trịnh Văn An",
                    "contact_person": "Hồ Thị Bình",
                },
                names=[{"name": name, "purpose": "Thông báo giao dịch", "use_sms": True}],
                actor=actor,
                commitments_confirmed=True,
                rules=rules,
            )
            attach_mandatory(db.session, application, actor=actor)
            lifecycle.approve(db.session, application.id, actor=actor, rules=rules)
            paid = lifecycle.record_payment(db.session, application.id, actor=actor, reference=name)
            lifecycle.confirm_payment(db.session, paid.id, actor=actor, keys=keys, rules=rules)
            holders[name] = lifecycle.find_brandname(db.session, name).holder_id
            accounts.create_account(
                db.session, email=email, password=PASSWORD, role="applicant", holder_id=holders[name]
            )
        filed_before = db.session.query(Application).count()
        db.session.remove()
    shot = Shots("protected-variant")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)

    # the holder asks to protect a look-alike of its own name
    sign_in(page, base, "an@saoviet.vn")
    page.click("header >> text=Tên định danh của tôi")
    page.click("main >> text=SAOVIET")
    expect(page.locator("#variants")).to_have_text("Biến thể được bảo vệ")
    page.fill("#f-variant", "SVPay")
    page.click("form[action$='/variants'] button[type=submit]")
    expect(page.locator(".notice-success")).to_contain_text("Đã gửi đề nghị bảo vệ biến thể SVPay")
    expect(page.locator("tr", has_text="SVPay").locator(".variant-status")).to_have_text("Chờ duyệt")
    shot(page, "holder-asks")
    holder_page = page.url
    sign_out(page)

    # the officer approves it from the watch-list page; the trail records it
    sign_in(page, base, OFFICER, staff=True)
    page.click(".subnav >> text=Danh sách theo dõi")
    row = page.locator("#variants tr", has_text="SVPay")
    expect(row).to_contain_text("SAOVIET")
    shot(page, "officer-sees-the-request")
    row.locator("button", has_text="Duyệt").click()
    expect(page.locator(".notice-success")).to_contain_text("Đã bảo vệ biến thể SVPay")
    expect(page.locator("#variants tr", has_text="SVPay")).to_have_count(0)
    expect(page.locator(".trail")).to_contain_text("đề nghị bảo vệ biến thể SVPay của tên SAOVIET")
    expect(page.locator(".trail")).to_contain_text(
        "Cán bộ Nguyễn Thu Hà bảo vệ biến thể SVPay của tên SAOVIET"
    )
    expect(page.locator(".trail")).not_to_contain_text("thực hiện thao tác")  # every act in words
    shot(page, "officer-approved")
    sign_out(page)

    sign_in(page, base, "an@saoviet.vn")
    page.goto(holder_page)
    expect(page.locator("tr", has_text="SVPay").locator(".variant-status")).to_have_text("Đã bảo vệ")
    shot(page, "holder-sees-it-protected")
    sign_out(page)

    # another holder: the live check says why, and filing it anyway is refused
    sign_in(page, base, "binh@vuphong.vn")
    page.click("text=Nộp hồ sơ mới")
    page.fill("#f-n-0-name", "SVPAY")
    status = page.locator("#status-0")
    expect(status).to_have_class(re.compile(r"\bbad\b"))
    expect(status).to_contain_text("Không thể đăng ký: SVPay là biến thể được bảo vệ của tên SAOVIET")
    page.fill("textarea[name=n-0-purpose]", "Thông báo khuyến mại")
    page.fill("input[name=n-0-products]", "Ví điện tử")
    page.fill("input[name=n-0-sectors]", "Tài chính")
    page.check("input[name=n-0-carriers][value='Viettel']")
    page.check("input[name=commitments]")
    shot(page, "other-live-check")
    page.click("#submit-application")
    expect(page.locator(".notice-error")).to_contain_text(
        "Không thể đăng ký: SVPay là biến thể được bảo vệ của tên SAOVIET"
    )
    expect(page.locator(".notice-error li")).to_have_count(0)  # no per-row list for this refusal
    shot(page, "other-filing-refused")
    context.close()
    with app.app_context():
        assert db.session.query(Application).count() == filed_before  # nothing was filed
        db.session.remove()
