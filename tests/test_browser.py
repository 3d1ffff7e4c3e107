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
    def __init__(self, name):
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page, label):
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{label}.png"), full_page=True)


def sign_in(page, base, email, staff=False):
    page.goto(f"{base}/{'officer' if staff else 'applicant'}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("main button[type=submit]")


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
    expect(page.locator("h1")).to_have_text("Công ty Cổ phần Thương mại Hòa Bình")
    shot(page, "applicant-home")

    # apply: the live check answers while typing
    page.click("text=Nộp hồ sơ mới")
    page.fill("#f-n-0-name", "Bad Name!")
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bbad\b"))
    page.fill("#f-n-0-name", "SAOMAI")
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bwarn\b"))
    expect(page.locator("#status-0")).to_contain_text("SA0MAI")
    page.fill("#f-n-0-name", "HOABINH")
    expect(page.locator("#status-0")).to_have_class(re.compile(r"\bok\b"))
    page.fill("textarea[name=n-0-purpose]", "Thông báo đơn hàng và chăm sóc khách hàng")
    page.fill("input[name=n-0-products]", "Hàng tiêu dùng")
    page.fill("input[name=n-0-sectors]", "Bán lẻ")
    page.fill("input[name=n-0-carriers]", "Viettel, VinaPhone, MobiFone")
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
    expect(page.locator(".verdict-genuine")).to_contain_text("THẬT")
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
        expect(page.locator(".verdict")).to_contain_text("thu hồi")
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
