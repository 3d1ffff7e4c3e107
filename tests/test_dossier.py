"""The mandatory legal document of a dossier depends on the applicant (Art. 24)."""

from brandname.rules import dossier

from .conftest import PDF_BYTES, org_applicant, person_applicant


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
