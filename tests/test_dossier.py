"""The mandatory legal document of a dossier depends on the applicant (Art. 24)."""

from brandname.rules import dossier

from .conftest import org_applicant, person_applicant


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
