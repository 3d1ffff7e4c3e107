"""Saving work on the applicant portal: a Form 01 kept as a draft and finished later, one name
taken back from a pending application, and the expected carriers ticked from a configured list."""

import io
import re

import pytest
from sqlalchemy import func, select

from brandname import create_app, lifecycle
from brandname.errors import InvalidInput, NotAllowed, NotFound
from brandname.lifecycle import Actor
from brandname.rules import form01
from brandname.store.models import Application, Draft, Event, RequestedName
from tests.conftest import NOW, PDF_BYTES, name_entry, org_applicant


def form_data(*names, **extra):
    data = {f"app_{k}": v or "" for k, v in org_applicant().items()}
    for i, name in enumerate(names):
        data.update({f"n-{i}-name": name, f"n-{i}-purpose": "Chăm sóc khách hàng", f"n-{i}-use_sms": "on"})
    data.update(extra)
    return data


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def applicant_actor(portal):
    return Actor.for_account(portal.account_a)


# -- drafts ---------------------------------------------------------------------------------


def test_a_draft_keeps_what_was_typed_without_checking_it_and_is_no_application(portal, session):
    # an invalid name, no address, no commitments: a draft is checked for length only
    data = form_data("SAIGONCAFE12", "", save_draft="1", app_address="")
    data["n-0-carriers"] = ["Viettel", "MobiFone"]
    data["doc-0-kind"] = "enterprise_registration"
    data["doc-0-file"] = (io.BytesIO(PDF_BYTES), "giay-dkdn.pdf")
    response = portal.a.post("/applicant/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    draft = session.scalars(select(Draft)).one()
    assert response.headers["Location"].endswith(f"/applicant/drafts/{draft.id}")
    assert draft.form["names"][0]["name"] == "SAIGONCAFE12"
    assert draft.form["names"][0]["carriers"] == "Viettel, MobiFone"
    assert count(session, Application) == 0  # no dossier code, nothing in the officer queue
    page = portal.a.get(response.headers["Location"]).data.decode()
    # files are not kept: the flash says so, naming them
    assert "không lưu tệp đính kèm" in page and "giay-dkdn.pdf" in page
    assert 'value="SAIGONCAFE12"' in page and 'id="draft-notice"' in page
    assert re.search(r'name="n-0-carriers" value="MobiFone" checked', page)
    assert "SAIGONCAFE12" not in portal.officer.get("/officer/queue?status=all").data.decode()
    home = portal.a.get("/applicant/").data.decode()
    assert 'id="draft-list"' in home and "SAIGONCAFE12" in home


def test_a_draft_is_refused_past_a_length_limit_and_keeps_the_text(portal, session):
    data = form_data("ANHDUONG", save_draft="1", app_address="x" * 501)
    response = portal.a.post("/applicant/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.data.decode()
    assert "dài 501 ký tự, tối đa 500" in page and "x" * 501 in page
    assert count(session, Draft) == 0


def test_a_draft_is_finished_later_with_full_checks_and_becomes_the_application(portal, session):
    response = portal.a.post(
        "/applicant/apply", data=form_data("SAIGONCAFE12", save_draft="1"), content_type="multipart/form-data"
    )
    url = response.headers["Location"]
    draft_id = session.scalars(select(Draft.id)).one()
    # submitting runs every check: the name is too long and the commitments are missing
    refused = portal.a.post(url, data=form_data("SAIGONCAFE12"), content_type="multipart/form-data")
    assert refused.status_code == 400 and count(session, Application) == 0
    assert count(session, Draft) == 1
    done = portal.a.post(
        url, data=form_data("SAIGONCAFE", commitments="on"), content_type="multipart/form-data"
    )
    assert done.status_code == 302
    application = session.scalars(select(Application)).one()
    assert application.code and [rn.name for rn in application.names] == ["SAIGONCAFE"]
    assert count(session, Draft) == 0  # the draft became the application, in the same act
    deleted = session.scalars(select(Event).where(Event.act == "delete_draft")).one()
    assert deleted.subject_id == draft_id and deleted.details == {"reason": "submitted"}
    assert portal.a.get(url).status_code == 404


def test_a_draft_is_updated_in_place_and_deleted(portal, session):
    first = portal.a.post(
        "/applicant/apply", data=form_data("ANHDUONG", save_draft="1"), content_type="multipart/form-data"
    )
    url = first.headers["Location"]
    again = portal.a.post(url, data=form_data("ANHDUONG", "BINHMINH", save_draft="1"))
    assert again.status_code == 302 and count(session, Draft) == 1
    session.expire_all()
    assert [r["name"] for r in session.scalars(select(Draft)).one().form["names"]] == ["ANHDUONG", "BINHMINH"]
    draft_id = int(url.rsplit("/", 1)[1])
    assert portal.a.post(f"/applicant/drafts/{draft_id}/delete").status_code == 302
    assert count(session, Draft) == 0
    acts = session.scalars(select(Event.act).where(Event.subject_type == "draft").order_by(Event.seq)).all()
    assert acts == ["save_draft", "save_draft", "delete_draft"]
    # the events name the draft, never what it says
    assert all("ANHDUONG" not in str(e.details) for e in session.scalars(select(Event)))


def test_another_holders_draft_answers_404(portal, session):
    response = portal.a.post(
        "/applicant/apply", data=form_data("ANHDUONG", save_draft="1"), content_type="multipart/form-data"
    )
    url = response.headers["Location"]
    assert portal.b.get(url).status_code == 404
    assert portal.b.post(url + "/delete").status_code == 404
    assert portal.b.post(url, data=form_data("ANHDUONG", save_draft="1")).status_code == 404
    with pytest.raises(NotFound):
        lifecycle.delete_draft(session, int(url.rsplit("/", 1)[1]), actor=Actor.for_account(portal.account_b))
    assert count(session, Draft) == 1


def test_only_an_applicant_saves_a_draft(session, officer):
    with pytest.raises(NotFound):
        lifecycle.save_draft(session, actor=officer, applicant=org_applicant(), names=[])
    assert count(session, Draft) == 0


def test_validate_draft_checks_lengths_only():
    section, rows = form01.validate_draft(
        {"name": "", "email": "not an email"}, [{"name": "@@", "carriers": "VNPT, Unknown"}]
    )
    assert section["email"] == "not an email" and rows[0]["name"] == "@@"
    assert rows[0]["carriers"] == "VinaPhone (VNPT)"  # off-list values are dropped from a draft
    with pytest.raises(InvalidInput) as caught:
        form01.validate_draft({}, [{"name": "N" * 41, "purpose": "p" * 1001}])
    fields = {n["field"] for n in caught.value.details["names"]}
    assert fields == {"name", "purpose"}


# -- withdraw one name ----------------------------------------------------------------------


def test_one_name_is_withdrawn_and_the_others_stay_pending(session, registry_helper, officer):
    application = registry_helper.submit("ANHDUONG", "BINHMINH", "CUULONG")
    binh = application.names[1]
    lifecycle.withdraw_name(session, application.id, binh.id, actor=officer, now=NOW)
    session.refresh(application)
    assert application.status == "submitted"
    assert [rn.status for rn in application.names] == ["pending", "withdrawn", "pending"]
    event = session.scalars(select(Event).where(Event.act == "withdraw_name")).one()
    assert event.application_id == application.id and event.subject_id == binh.id
    assert event.details == {"name": "BINHMINH", "remaining": ["ANHDUONG", "CUULONG"]}
    # the officer decides the names left; the withdrawn one is neither approved nor reserved
    registry_helper.approve(application)
    session.refresh(application)
    assert [rn.status for rn in application.names] == ["approved", "withdrawn", "approved"]
    assert lifecycle.find_brandname(session, "BINHMINH") is None
    # withdrawn, the name can be filed again at once
    again = registry_helper.submit("BINHMINH")
    assert again.status == "submitted"


def test_withdrawing_the_last_pending_name_withdraws_the_application(session, registry_helper, officer):
    application = registry_helper.submit("ANHDUONG", "BINHMINH", documents=())
    lifecycle.withdraw_name(session, application.id, application.names[0].id, actor=officer, now=NOW)
    lifecycle.withdraw_name(session, application.id, application.names[1].id, actor=officer, now=NOW)
    session.refresh(application)
    assert application.status == "withdrawn" and application.closed_at == NOW
    acts = session.scalars(
        select(Event.act).where(Event.application_id == application.id).order_by(Event.seq)
    ).all()
    assert acts == ["submit", "withdraw_name", "withdraw"]


def test_a_name_is_withdrawn_only_while_the_application_is_undecided(session, registry_helper, officer):
    application = registry_helper.submit("ANHDUONG", "BINHMINH")
    registry_helper.approve(application)
    with pytest.raises(NotAllowed):
        lifecycle.withdraw_name(session, application.id, application.names[0].id, actor=officer, now=NOW)
    other = registry_helper.submit("CUULONG", "DONGNAI")
    lifecycle.withdraw_name(session, other.id, other.names[0].id, actor=officer, now=NOW)
    with pytest.raises(NotAllowed):  # not twice
        lifecycle.withdraw_name(session, other.id, other.names[0].id, actor=officer, now=NOW)
    with pytest.raises(NotAllowed):  # a name of another application
        lifecycle.withdraw_name(session, other.id, application.names[1].id, actor=officer, now=NOW)


def test_the_applicant_withdraws_one_name_on_the_portal_and_the_officer_sees_it(portal, session):
    response = portal.apply(portal.a, "ANHDUONG", "BINHMINH")
    application_id = portal.application_id(response)
    page = portal.a.get(f"/applicant/applications/{application_id}").data.decode()
    assert page.count('class="link-button danger-text withdraw-name"') == 2
    binh = session.scalars(select(RequestedName).where(RequestedName.name == "BINHMINH")).one()
    url = f"/applicant/applications/{application_id}/names/{binh.id}/withdraw"
    assert portal.b.post(url).status_code == 404  # another holder's application
    done = portal.a.post(url)
    assert done.status_code == 302
    page = portal.a.get(done.headers["Location"]).data.decode()
    assert "Đã rút tên BINHMINH" in page and "withdraw-name" not in page  # one name left
    officer_page = portal.officer.get(f"/officer/applications/{application_id}").data.decode()
    assert "rút tên BINHMINH khỏi hồ sơ số" in officer_page
    session.expire_all()
    assert session.get(Application, application_id).status == "submitted"
    receipt = portal.a.get(f"/applicant/applications/{application_id}/receipt.pdf")
    assert receipt.status_code == 200


def test_the_receipt_marks_a_withdrawn_name(session, registry_helper, officer):
    from brandname.certificates import receipt

    application = registry_helper.submit("ANHDUONG", "BINHMINH", documents=())
    lifecycle.withdraw_name(session, application.id, application.names[1].id, actor=officer, now=NOW)
    lines = dict(receipt.receipt_lines(application, [], authority="Cục", public_url=""))
    assert lines["names"] == "Tên định danh đề nghị: ANHDUONG, BINHMINH (đã rút)"


# -- carriers from a list -------------------------------------------------------------------


def test_carriers_are_chosen_from_the_list_and_stored_by_their_label():
    entries = form01.validate_name_entries(
        [{**name_entry("ANHDUONG"), "carriers": ["vnpt", "Viettel", "VNPT"]}]
    )
    assert entries[0]["carriers"] == "VinaPhone (VNPT), Viettel"
    # older filings wrote the carriers as text: the same words still name the same carriers
    assert (
        form01.validate_name_entries([name_entry("ANHDUONG")])[0]["carriers"] == "Viettel, VinaPhone (VNPT)"
    )
    with pytest.raises(InvalidInput) as caught:
        form01.validate_name_entries([{**name_entry("ANHDUONG"), "carriers": "Viettel, Nhà mạng X"}])
    (problem,) = caught.value.details["names"]
    assert problem["field"] == "carriers" and "Nhà mạng X" in problem["message"]


def test_the_carrier_list_is_configurable(tmp_path):
    assert form01.carriers_from_config("") == form01.DEFAULT_CARRIERS
    assert form01.carriers_from_config(" Viettel ,  Mạng A ,,") == ("Viettel", "Mạng A")
    app = create_app(
        {"DATA_DIR": str(tmp_path), "SECRET_KEY": "x", "CARRIERS": "Viettel, Mạng A", "TESTING": True}
    )
    with app.app_context():
        from brandname import registry

        assert registry.rules().carriers == ("Viettel", "Mạng A")
        with pytest.raises(InvalidInput):
            form01.validate_name_entries(
                [{**name_entry("ANHDUONG"), "carriers": "MobiFone"}], carriers=registry.rules().carriers
            )


def test_the_form_offers_checkboxes_and_the_server_refuses_a_value_off_the_list(portal, session):
    page = portal.a.get("/applicant/apply").data.decode()
    offered = re.findall(r'<input type="checkbox" name="n-0-carriers" value="([^"]+)"', page)
    assert offered == list(form01.DEFAULT_CARRIERS)
    data = form_data("ANHDUONG", commitments="on")
    data["n-0-carriers"] = ["Viettel", "Nhà mạng X"]
    response = portal.a.post("/applicant/apply", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert re.search(r'id="f-n-0-carriers-error">[^<]*Nhà mạng X', response.data.decode())
    data["n-0-carriers"] = ["Viettel", "MobiFone"]
    application_id = portal.application_id(
        portal.a.post("/applicant/apply", data=data, content_type="multipart/form-data")
    )
    assert session.get(Application, application_id).names[0].carriers == "Viettel, MobiFone"


def test_carriers_written_as_free_text_before_still_show(portal, session, registry_helper):
    application = registry_helper.submit("ANHDUONG")
    rn = application.names[0]
    rn.carriers = "Viettel, Mạng cũ"  # as an older filing stored it
    session.commit()
    officer_page = portal.officer.get(f"/officer/applications/{application.id}").data.decode()
    assert "Viettel, Mạng cũ" in officer_page
    lifecycle.reject(
        session, application.id, actor=registry_helper.officer, reasons="Thiếu tài liệu", now=NOW
    )
    # the account of the holder resubmits: the list ticks what it knows and names the rest
    account = portal.account_a
    application.account_id = account.id
    application.holder_id = account.holder_id
    session.commit()
    page = portal.a.get(f"/applicant/applications/{application.id}/resubmit").data.decode()
    assert re.search(r'name="n-0-carriers" value="Viettel" checked', page)
    assert "Mạng cũ" in re.search(r'<p class="hint older-carriers">(.*?)</p>', page, re.S).group(1)
