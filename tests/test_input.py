"""Malformed input gets a clear 400, never a 500: NUL and line breaks in addresses, query strings
and forms, hostile JSON, row ids beyond the columns' range. On PostgreSQL, which cannot store NUL,
each of these reached the database and failed there."""

import pytest

from .conftest import PASSWORD, org_applicant

NUL_FORMS = [
    ("/applicant/login", {"email": "a\x00@anhduong.vn", "password": PASSWORD}),
    ("/officer/login", {"email": "can.bo@cuc.gov.vn", "password": "x\x00y"}),
    (
        "/applicant/signup",
        {
            "email": "new\x00@example.vn",
            "password": PASSWORD,
            "password2": PASSWORD,
            **{f"app_{k}": v for k, v in org_applicant().items()},
        },
    ),
    ("/applicant/signup", {"email": "new@example.vn", "app_name": "Công ty\x00", "password": "p"}),
]


def _is_clear_refusal(response, *, json_answer):
    assert response.status_code == 400, response.data[:300]
    if json_answer:
        body = response.get_json()
        assert body["error"] == "invalid_input"
        assert "điều khiển" in body["message"] or "NUL" in body["message"]
        assert "control character" in body["message_en"] or "NUL" in body["message_en"]
    else:
        page = response.data.decode()
        assert "NUL" in page or "điều khiển" in page


@pytest.mark.parametrize("path,form", NUL_FORMS)
def test_nul_in_a_sign_in_or_sign_up_form_is_400(client, path, form):
    _is_clear_refusal(client.post(path, data=form), json_answer=False)


def test_nul_in_a_form_is_400_in_english_too(client):
    client.get("/lang/en")
    response = client.post("/applicant/login", data={"email": "a\x00b", "password": "p"})
    assert response.status_code == 400
    assert "contains a NUL character" in response.data.decode()


def test_nul_in_an_uploaded_file_name_is_400(client):
    import io

    response = client.post(
        "/verify",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "cert\x00.pdf")},
        content_type="multipart/form-data",
    )
    _is_clear_refusal(response, json_answer=False)


@pytest.mark.parametrize(
    "path",
    [
        "/verify/BN-2026-0000001\x00",
        "/verify/BN-2026-%000000001",
        "/lookup?q=VIET%00SUN",
        "/officer/search?q=%00",
    ],
)
def test_nul_in_a_public_page_address_is_400(client, path):
    _is_clear_refusal(client.get(path), json_answer=False)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/public/certificates/BN-2026-0000001%00",
        "/api/v1/availability?name=VIET%00SUN",
        "/api/v1/search?q=%00",
        "/api/v1/search?q%00=x",
    ],
)
def test_nul_in_the_public_api_is_400_json(client, path):
    _is_clear_refusal(client.get(path), json_answer=True)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/brandnames/VIET%00SUN",
        "/api/v1/changes?since=0%00",
        "/api/v1/snapshot?seq=%00",
        "/api/v1/verify?x=%00",
    ],
)
def test_nul_in_the_carrier_api_is_400_json(client, carrier_headers, path):
    method = "POST" if "verify" in path else "GET"
    response = client.open(path, method=method, headers=carrier_headers, json={"items": []})
    _is_clear_refusal(response, json_answer=True)


@pytest.mark.parametrize(
    "path",
    [
        "/lang/en?next=/verify%0d%0aSet-Cookie:%20a=b",
        "/lang/vi?next=/%0aLocation:%20https://evil.example",
        "/applicant/login?next=/applicant/%0d%0a",
    ],
)
def test_a_line_break_in_next_is_400(client, path):
    _is_clear_refusal(client.get(path), json_answer=False)


def test_safe_next_refuses_a_target_with_a_line_break():
    from brandname.web.site import safe_next

    assert safe_next("/verify\r\nSet-Cookie: a=b", "/") == "/"
    assert safe_next("/verify?q=a b", "/") == "/verify?q=a b"


def test_json_nested_too_deep_is_400_not_a_recursion_error(client, carrier_headers):
    for body in ("[" * 100_000 + "]" * 100_000, '{"items": ' + "[" * 40 + "]" * 40 + "}"):
        response = client.post(
            "/api/v1/verify", headers={**carrier_headers, "Content-Type": "application/json"}, data=body
        )
        assert response.status_code == 400
        assert "nested more than 32 levels" in response.get_json()["errors"][0]["problem"]


def test_json_within_the_nesting_limit_still_parses(app):
    from brandname.web.input import MAX_JSON_DEPTH

    deep = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert app.json.loads(deep) is not None
    with pytest.raises(ValueError, match="nested"):
        app.json.loads("[" + deep + "]")


@pytest.mark.parametrize(
    "path",
    [
        "/applicant/names/99999999999999999999999",
        "/officer/applications/9223372036854775808",
        "/officer/holders/2147483648",
    ],
)
def test_a_row_id_beyond_the_columns_range_is_404(portal, path):
    who = portal.officer if path.startswith("/officer") else portal.a
    assert who.get(path).status_code == 404


def test_ordinary_text_with_line_breaks_in_a_form_is_not_refused(portal):
    # addresses and purposes are multi-line: only NUL is refused in forms
    response = portal.apply(portal.a, "VIETSUNLINE", app_address="Số 1\r\nHoàn Kiếm, Hà Nội")
    assert response.status_code == 302, response.data[:300]
