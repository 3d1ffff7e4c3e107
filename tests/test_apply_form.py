"""Form 01 on the applicant portal: what was typed is kept, every error shows at once next to its
field, required fields are marked, free text has limits, files not kept are named, rows can be
removed, and one holder cannot file the same name twice while it is being decided."""

import io
import re

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.errors import Conflict
from brandname.store.models import Application, Event
from tests.conftest import PDF_BYTES, org_applicant, person_applicant


def form_data(*names, **extra):
    data = {f"app_{k}": v or "" for k, v in org_applicant().items()}
    for i, name in enumerate(names):
        data.update({f"n-{i}-name": name, f"n-{i}-purpose": "Chăm sóc khách hàng", f"n-{i}-use_sms": "on"})
    data["commitments"] = "on"
    data.update(extra)
    return data


def post(client, data):
    return client.post("/applicant/apply", data=data, content_type="multipart/form-data")


def error_of(page, field_id):
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return found.group(1) if found else None


def test_a_twelve_character_name_is_kept_as_typed_and_shown_as_too_long(portal):
    page = portal.a.get("/applicant/apply").data.decode()
    name_input = re.search(r'<input id="f-n-0-name"[^>]*>', page).group(0)
    assert "maxlength" not in name_input  # the browser never cuts a name
    response = post(portal.a, form_data("SAIGONCAFE12"))
    assert response.status_code == 400
    page = response.data.decode()
    assert 'value="SAIGONCAFE12"' in page
    assert "tối đa 11 ký tự (hiện có 12)" in error_of(page, "f-n-0-name")
    # the live check reads the value and never writes it back shortened
    script = portal.anon.get("/static/apply.js").data.decode()
    assert "maxlength" not in script.lower() and ".slice(0, 11)" not in script and "substr" not in script


def test_every_error_shows_at_once_next_to_its_field(portal, session):
    events = len(session.scalars(select(Event)).all())
    data = form_data("BAD NAME!", app_address="", app_email="not-an-email")
    data["n-0-purpose"] = ""
    data.pop("commitments")
    data.update({"n-1-name": "GOODNAME", "n-1-purpose": "", "n-1-use_sms": ""})
    page = post(portal.a, data).data.decode()
    assert "Địa chỉ: bắt buộc" in error_of(page, "f-app_address")
    assert "Thư điện tử không đúng định dạng" in error_of(page, "f-app_email")
    assert "Ký tự không được phép" in error_of(page, "f-n-0-name")
    assert "thiếu mục đích sử dụng" in error_of(page, "f-n-0-purpose")
    assert "thiếu mục đích sử dụng" in error_of(page, "f-n-1-purpose")
    assert "chọn ít nhất một hình thức" in error_of(page, "f-n-1-use")
    assert "cam kết" in error_of(page, "f-commitments")
    assert 'aria-invalid="true"' in page
    # and what was typed stays
    assert 'value="GOODNAME"' in page and 'value="not-an-email"' in page
    assert len(session.scalars(select(Event)).all()) == events


def test_required_fields_are_marked_and_the_form_leaves_checking_to_the_server(portal):
    page = portal.a.get("/applicant/apply").data.decode()
    assert "<form" in page and "novalidate" in re.search(r'<form[^>]*id="apply-form"[^>]*>', page).group(0)
    for field in ("app_name", "app_address", "app_email", "app_phone", "app_legal_representative"):
        label = re.search(rf'<label for="f-{field}">(.*?)</label>', page, re.S).group(1)
        assert 'class="req"' in label, field
    assert 'aria-required="true"' in re.search(r'<input[^>]*name="commitments"[^>]*>', page).group(0)
    # an individual's form does not ask for a legal representative
    page = portal.b.get("/applicant/apply").data.decode()
    label = re.search(r'<label for="f-app_legal_representative">(.*?)</label>', page, re.S).group(1)
    assert 'class="req"' not in label


def test_free_text_has_limits_with_counters_and_a_clear_error_past_them(portal):
    page = portal.a.get("/applicant/apply").data.decode()
    assert re.search(r'<textarea id="f-n-0-purpose"[^>]*data-limit="1000"', page)
    # the carriers are ticked from the list, not typed
    assert re.search(r'<input type="checkbox" name="n-0-carriers" value="MobiFone"', page)
    assert 'data-counter-for="f-n-0-purpose"' in page and 'data-limit="500"' in page
    long_purpose = "Thông báo " * 101  # 1010 characters
    data = form_data("ANHDUONG", **{"n-0-purpose": long_purpose.strip(), "app_address": "x" * 501})
    response = post(portal.a, data)
    page = response.data.decode()
    assert response.status_code == 400
    assert "dài 1009 ký tự, tối đa 1000" in error_of(page, "f-n-0-purpose")
    assert "dài 501 ký tự, tối đa 500" in error_of(page, "f-app_address")
    assert long_purpose.strip() in page  # kept whole, not cut


def test_files_chosen_before_an_error_are_named_to_be_attached_again(portal):
    data = form_data("SAIGONCAFE12")
    data["doc-0-kind"] = "enterprise_registration"
    data["doc-0-file"] = (io.BytesIO(PDF_BYTES), "giay-dkdn.pdf")
    page = post(portal.a, data).data.decode()
    notice = re.search(r'<div class="notice notice-warning" id="files-not-kept"[^>]*>(.*?)</div>', page, re.S)
    assert notice and "giay-dkdn.pdf" in notice.group(1) and "chọn lại" in notice.group(1).lower()


def test_a_bad_file_and_bad_fields_are_reported_together(portal):
    data = form_data("SAIGONCAFE12", app_phone="")
    data["doc-0-kind"] = "other"
    data["doc-0-file"] = (io.BytesIO(b"MZ\x90\x00 not a document"), "virus.exe")
    page = post(portal.a, data).data.decode()
    assert "virus.exe" in error_of(page, "f-documents")
    assert error_of(page, "f-n-0-name") and error_of(page, "f-app_phone")


def test_a_name_row_added_by_mistake_can_be_removed_without_javascript(portal):
    data = form_data("ANHDUONG", "MISTAKE", "BINHMINH", remove_row="1")
    page = post(portal.a, data).data.decode()
    assert 'value="MISTAKE"' not in page
    assert re.search(r'name="n-0-name" value="ANHDUONG"', page)
    assert re.search(r'name="n-1-name" value="BINHMINH"', page)
    assert 'name="n-2-name"' not in page
    # each row has its remove button; the static script removes rows in place (no inline code)
    assert page.count('class="link-button danger-text remove-row"') == 2
    assert "<script>" not in page
    assert "remove-row" in portal.anon.get("/static/apply.js").data.decode()


def test_the_same_holder_cannot_file_a_name_already_pending_in_another_application(
    portal, session, registry_helper
):
    first = portal.application_id(post(portal.a, form_data("ANHDUONG")))
    response = post(portal.a, form_data("BINHMINH", "anhduong"))
    assert response.status_code == 409
    page = response.data.decode()
    assert f"hồ sơ số {first}" in error_of(page, "f-n-1-name")
    assert session.scalars(select(Application)).all() == [session.get(Application, first)]
    # still refused once approved and awaiting its fee
    registry_helper.approve(session.get(Application, first), documents_override="Bản giấy đã đối chiếu.")
    assert post(portal.a, form_data("ANHDUONG")).status_code == 409
    # another holder may file it (first come, first served decides later) ...
    other = dict(form_data("BINHMINH"), **{f"app_{k}": v or "" for k, v in person_applicant().items()})
    assert post(portal.b, other).status_code == 302
    # ... and after a withdrawal the holder may file it again
    lifecycle.withdraw(
        session, portal.application_id(post(portal.a, form_data("CUONG"))), actor=registry_helper.officer
    )
    assert post(portal.a, form_data("CUONG")).status_code == 302


def test_duplicate_pending_filing_is_refused_by_the_act(session, registry_helper):
    first = registry_helper.submit("ANHDUONG")
    with pytest.raises(Conflict) as err:
        registry_helper.submit("SAOMAI", "AnhDuong")
    assert f"hồ sơ số {first.id}" in err.value.message_vi
    assert err.value.details["names"][0]["index"] == 2


def test_the_paper_form_removes_a_row_instead_of_filing(portal, session):
    data = form_data("ANHDUONG", "MISTAKE", remove_row="1")
    data["app_kind"] = "organization"
    response = portal.officer.post("/officer/applications/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'value="MISTAKE"' not in response.data.decode()
    assert session.scalars(select(Application)).all() == []
