"""The mandatory legal document of a dossier depends on the applicant (Art. 24)."""

from datetime import datetime

import pytest
from sqlalchemy import select

from brandname.rules import dossier

from .conftest import PDF_BYTES, attach, org_applicant, person_applicant


def test_each_applicant_type_needs_its_own_document():
    household = dict(person_applicant(), business_registration="01A8001234")
    assert dossier.applicant_type(org_applicant()) == "organization"
    assert dossier.applicant_type(person_applicant()) == "individual"
    assert dossier.applicant_type(household) == "household_business"
    assert dossier.missing_documents(org_applicant(), []) == ["enterprise_registration"]
    assert dossier.missing_documents(org_applicant(), ["trademark", "id_document"]) == [
        "enterprise_registration"
    ]
    assert dossier.missing_documents(org_applicant(), ["enterprise_registration"]) == []
    assert dossier.missing_documents(person_applicant(), ["enterprise_registration"]) == ["id_document"]
    assert dossier.missing_documents(person_applicant(), ["id_document", "id_document"]) == []
    assert dossier.missing_documents(household, ["id_document"]) == ["business_registration"]
    assert dossier.missing_documents(household, ["business_registration"]) == []


def test_filing_on_behalf_also_needs_the_authorization():
    agent = dict(org_applicant(), on_behalf=True)
    assert dossier.required_documents(agent) == ["enterprise_registration", "authorization_letter"]
    assert dossier.missing_documents(agent, []) == ["enterprise_registration", "authorization_letter"]
    assert dossier.missing_documents(agent, ["enterprise_registration"]) == ["authorization_letter"]
    assert dossier.missing_documents(agent, ["enterprise_registration", "authorization_letter"]) == []
    assert dossier.missing_documents(dict(person_applicant(), on_behalf=True), ["id_document"]) == [
        "authorization_letter"
    ]
    assert (
        dossier.missing_documents(dict(org_applicant(), on_behalf=False), ["enterprise_registration"]) == []
    )


def test_the_on_behalf_choice_is_kept_with_the_applicant_section():
    from brandname.rules import form01

    assert form01.validate_applicant(dict(org_applicant(), on_behalf="on"))["on_behalf"] is True
    assert form01.validate_applicant(org_applicant())["on_behalf"] is False


def test_form01_offers_filing_on_behalf_and_the_officer_sees_the_authorization_missing(portal, session):
    from brandname.store.models import Application

    page = portal.a.get("/applicant/apply").data.decode()
    assert 'name="app_on_behalf"' in page and "Nộp thay người đăng ký" in page
    app_id = portal.application_id(
        portal.apply(
            portal.a,
            "THAYMAT",
            files=[("enterprise_registration", "dkdn.pdf", PDF_BYTES)],
            app_on_behalf="on",
        )
    )
    assert session.get(Application, app_id).applicant["on_behalf"] is True
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="on-behalf"' in page
    missing = page.split('id="dossier-missing"', 1)[1].split("</p>", 1)[0]
    assert "Giấy ủy quyền nộp hồ sơ" in missing and "đăng ký doanh nghiệp" not in missing


# -- approval is blocked until the mandatory documents are attached (Art. 26(2)(b)) ------------


def test_approval_is_refused_while_a_mandatory_document_is_missing(registry_helper, session):
    from brandname import lifecycle
    from brandname.errors import NotAllowed
    from brandname.store.models import Event

    application = registry_helper.submit("THIEUGIAY", documents=())
    with pytest.raises(NotAllowed) as refused:
        registry_helper.approve(application)
    assert refused.value.code == "documents_missing"
    assert "Giấy chứng nhận đăng ký doanh nghiệp" in refused.value.message_vi
    assert "enterprise registration" in refused.value.message_en
    assert refused.value.details == {"missing": ["enterprise_registration"]}
    session.rollback()
    assert application.status == "submitted" and application.names[0].status == "pending"
    with pytest.raises(NotAllowed):
        registry_helper.approve(application, documents_override="   ")
    # once the document is attached, the approval goes through with no override on record
    attach(session, application, "enterprise_registration", registry_helper.officer)
    registry_helper.approve(application)
    assert application.status == "approved"
    acts = session.scalars(select(Event.act).where(Event.application_id == application.id)).all()
    assert "approve_without_documents" not in acts
    assert lifecycle.queries.missing_documents(session, application) == []


def test_an_individual_filing_on_behalf_needs_its_id_and_the_authorization(registry_helper):
    from brandname.errors import NotAllowed

    agent = dict(person_applicant(), on_behalf=True)
    application = registry_helper.submit("UYQUYEN", applicant=agent, documents=["id_document"])
    with pytest.raises(NotAllowed) as refused:
        registry_helper.approve(application)
    assert refused.value.details == {"missing": ["authorization_letter"]}
    assert "giấy ủy quyền" in refused.value.message_vi


def test_an_officer_may_approve_without_them_with_a_written_reason_on_record(registry_helper, session):
    from brandname.errors import InvalidInput
    from brandname.store.models import Event

    application = registry_helper.submit("GHILYDO", documents=())
    with pytest.raises(InvalidInput):
        registry_helper.approve(application, documents_override="x" * 1001)
    session.rollback()
    registry_helper.approve(application, documents_override="  Bản giấy đã đối chiếu tại bộ phận một cửa. ")
    assert application.status == "approved"
    override = session.scalars(
        select(Event).where(Event.application_id == application.id, Event.act == "approve_without_documents")
    ).one()
    assert override.details == {
        "missing": ["enterprise_registration"],
        "reason": "Bản giấy đã đối chiếu tại bộ phận một cửa.",
    }
    assert override.actor_id == registry_helper.officer.id


def test_a_renewal_counts_the_documents_of_the_filing_its_name_was_issued_from(registry_helper, session):
    from brandname.errors import NotAllowed

    registry_helper.issue("COGIAY")
    registry_helper.followup("renewal", "COGIAY", now=datetime(2028, 12, 1, 3))
    # a name issued from a dossier that had no legal document: its renewal needs one
    bare = registry_helper.submit("KHONGGIAY", documents=())
    registry_helper.approve(bare, documents_override="Đã đối chiếu bản giấy.")
    registry_helper.pay_and_issue(bare)
    with pytest.raises(NotAllowed) as refused:
        registry_helper.followup("renewal", "KHONGGIAY", now=datetime(2028, 12, 1, 3))
    assert refused.value.code == "documents_missing"


def test_the_officer_page_asks_for_a_reason_and_the_trail_shows_the_override(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "TRANGCB", files=[]))
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="documents-override"' in page and 'name="documents_override"' in page
    refused = portal.officer.post(f"/officer/applications/{app_id}/approve", data={})
    assert refused.status_code == 409
    body = refused.data.decode()
    assert "chưa đủ giấy tờ bắt buộc" in body and "Yêu cầu bổ sung hồ sơ" in body
    done = portal.officer.post(
        f"/officer/applications/{app_id}/approve",
        data={"documents_override": "Bản chính xuất trình tại quầy."},
    )
    assert done.status_code == 302
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert "khi chưa có giấy tờ bắt buộc" in page and "Bản chính xuất trình tại quầy." in page
    assert 'id="documents-override"' not in page


def test_a_complete_dossier_shows_no_override_field(portal):
    app_id = portal.application_id(portal.apply(portal.a, "DUGIAY"))
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="dossier-complete"' in page and 'id="documents-override"' not in page
    assert portal.officer.post(f"/officer/applications/{app_id}/approve", data={}).status_code == 302
