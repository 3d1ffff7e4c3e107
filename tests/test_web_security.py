"""Everything the portals share: CSRF, security headers, production cookies, language switch,
the catalogue on a fresh checkout, and no asset from outside the app."""

import re
import shutil
from pathlib import Path

from brandname import create_app
from brandname.web import site as web

from .conftest import PASSWORD


def test_csrf_required_on_forms_but_not_on_the_json_api(portal, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/applicant/login", data={"email": "a@anhduong.vn", "password": PASSWORD})
        assert response.status_code == 400 and "biểu mẫu không hợp lệ" in response.get_data(as_text=True)
        page = client.get("/applicant/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/applicant/login", data={"email": "a@anhduong.vn", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        # a signed-in applicant's state-changing POST without the token is refused too
        assert client.post("/applicant/logout").status_code == 400
        # the API blueprint is exempt: a POST reaches routing (405), not the CSRF check (400)
        assert client.post("/api/v1/availability?name=X", json={}).status_code == 405
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers_on_every_response(portal):
    for client, url in (
        (portal.anon, "/"),
        (portal.anon, "/lookup?q=a"),
        (portal.anon, "/nope"),
        (portal.a, "/applicant/"),
        (portal.officer, "/officer/"),
        (portal.anon, "/api/v1/availability?name=ABC"),
        (portal.anon, "/static/site.css"),
    ):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_no_inline_script_or_style_and_no_external_assets(portal):
    pages = [
        (portal.anon, "/"),
        (portal.anon, "/lookup?q=a"),
        (portal.anon, "/revocations"),
        (portal.anon, "/applicant/signup"),
        (portal.a, "/applicant/apply"),
        (portal.a, "/applicant/"),
        (portal.officer, "/officer/"),
        (portal.officer, "/officer/queue"),
        (portal.admin, "/officer/accounts"),
    ]
    for client, url in pages:
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html and "onclick" not in html, url
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not ref.startswith(("http:", "https:", "//")), (url, ref)


def test_secure_cookies_in_production(tmp_path, certs_dir):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "DATA_DIR": str(tmp_path / "d"),
            "CERTS_DIR": str(certs_dir),
            "PRODUCTION": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    client = app.test_client()
    response = client.get("/lang/en?next=/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_vietnamese_default_english_switch(portal):
    client = portal.anon
    assert "Tra cứu tên định danh" in client.get("/lookup").get_data(as_text=True)
    response = client.get("/lang/en?next=/lookup")
    assert response.status_code == 302 and response.headers["Location"] == "/lookup"
    html = client.get("/lookup").get_data(as_text=True)
    assert 'lang="en"' in html and "Look up sender names" in html
    # the domain's own messages follow the language
    html = portal.apply(portal.a, "BAD NAME!").get_data(as_text=True)
    assert "Thông tin tên định danh chưa hợp lệ" in html and "Sender name details are invalid" not in html
    portal.a.get("/lang/en")
    html = portal.apply(portal.a, "BAD NAME!").get_data(as_text=True)
    assert "Sender name details are invalid" in html and "Name 1:" in html
    # only local targets are followed
    assert client.get("/lang/vi?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/lang/vi?next=//evil.example/").headers["Location"] == "/"


def test_catalogue_compiles_on_a_fresh_checkout(tmp_path):
    target = tmp_path / "translations"
    shutil.copytree(web.TRANSLATIONS_DIR, target)
    mo = target / "en" / "LC_MESSAGES" / "messages.mo"
    mo.unlink()
    web.compile_catalogues(target)
    assert mo.exists() and mo.stat().st_size > 1000
    from babel.support import Translations

    translations = Translations.load(str(target), ["en"])
    assert translations.gettext("Tra cứu tên định danh") == "Look up sender names"


def test_every_message_is_translated():
    from babel.messages.pofile import read_po

    po = Path(web.TRANSLATIONS_DIR) / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_sign_in_attempts_are_rate_limited_per_address(portal, app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    for _ in range(3):
        assert (
            client.post("/officer/login", data={"email": "nobody@x.vn", "password": "x"}).status_code == 401
        )
    response = client.post("/officer/login", data={"email": "can.bo@cuc.gov.vn", "password": PASSWORD})
    assert response.status_code == 429 and "Quá nhiều yêu cầu" in response.get_data(as_text=True)
    assert client.get("/officer/login").status_code == 200  # only POSTs count


def test_sign_in_follows_only_local_next(portal, app):
    client = app.test_client()
    response = client.post(
        "/officer/login?next=https://evil.example/x",
        data={"email": "can.bo@cuc.gov.vn", "password": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/officer/"
    client = app.test_client()
    response = client.post(
        "/applicant/login?next=/applicant/names", data={"email": "a@anhduong.vn", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/applicant/names"


def test_pages_have_unique_ids_and_labelled_inputs(portal, session, registry_helper):
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.labels, self.inputs = [], set(), []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if "id" in attrs:
                self.ids.append(attrs["id"])
            if tag == "label" and attrs.get("for"):
                self.labels.add(attrs["for"])
            if tag in ("input", "select", "textarea") and attrs.get("type") not in (
                "hidden",
                "checkbox",
                "radio",
            ):
                self.inputs.append(attrs)

    bn = registry_helper.issue("IDCHECK").brandnames[0]
    app_id = portal.application_id(portal.apply(portal.a, "IDCHECK2"))
    pages = [
        (portal.anon, "/"),
        (portal.anon, "/lookup?q=id"),
        (portal.anon, "/applicant/signup"),
        (portal.a, "/applicant/apply"),
        (portal.a, f"/applicant/applications/{app_id}"),
        (portal.officer, f"/officer/names/{bn.id}"),
        (portal.officer, f"/officer/applications/{app_id}"),
        (portal.officer, "/officer/applications/new"),
        (portal.admin, "/officer/accounts"),
    ]
    for client, url in pages:
        parser = Collect()
        parser.feed(client.get(url).get_data(as_text=True))
        duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
        assert not duplicates, (url, duplicates)
        for attrs in parser.inputs:
            assert attrs.get("id") in parser.labels or attrs.get("aria-label"), (url, attrs)


def test_security_txt_tells_where_to_report_a_vulnerability(app, client):
    from datetime import datetime, timedelta

    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:security@brandname.test"  # from PUBLIC_URL's host by default
    assert fields["Canonical"] == "https://brandname.test/.well-known/security.txt"
    expires = datetime.fromisoformat(fields["Expires"].rstrip("Z"))
    assert timedelta(days=1) < expires - datetime.utcnow() < timedelta(days=365)  # RFC 9116 2.5.5

    app.config["SECURITY_CONTACT"] = "mailto:attt@example.gov.vn, https://example.gov.vn/bao-loi"
    lines = client.get("/.well-known/security.txt").get_data(as_text=True).splitlines()
    assert [x for x in lines if x.startswith("Contact:")] == [
        "Contact: mailto:attt@example.gov.vn",
        "Contact: https://example.gov.vn/bao-loi",
    ]
