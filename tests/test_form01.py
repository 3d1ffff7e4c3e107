"""Form 01's applicant section (Art. 24): the ID field takes an enterprise code, an establishment
decision's number (an organization established by decision, such as a public hospital) or an ID
card / passport number, and says which it is."""

import pytest

from brandname.errors import InvalidInput
from brandname.rules import form01

from .conftest import org_applicant, person_applicant


@pytest.mark.parametrize("number", ["1234/QĐ-BYT", "56/2019/QĐ-UBND", "1234/qđ-byt", "7/QĐ-TTg"])
def test_an_organization_may_give_its_establishment_decision_number(number):
    cleaned = form01.validate_applicant(org_applicant(code=number))
    assert cleaned["id_number"] == number.upper()
    assert form01.id_number_kind("organization", cleaned["id_number"]) == "establishment_decision"
    assert form01.ID_LABELS["establishment_decision"] == "Số quyết định thành lập"


def test_enterprise_codes_and_id_documents_keep_their_kind():
    assert form01.id_number_kind("organization", "0101234567") == "enterprise_code"
    assert form01.id_number_kind("organization", "0101234567-001") == "enterprise_code"
    assert form01.id_number_kind("individual", "001203004567") == "id_document"
    assert form01.id_number_kind("individual", "1234/QĐ-BYT") is None  # a person has no decision


@pytest.mark.parametrize("number", ["1234/", "/QĐ-BYT", "12 34/QĐ", "1234/QĐ--BYT", "1234/QĐ_BYT", "abc"])
def test_malformed_numbers_are_refused_with_the_example(number):
    with pytest.raises(InvalidInput) as refused:
        form01.validate_applicant(org_applicant(code=number))
    assert "1234/QĐ-BYT" in refused.value.message_vi


def test_an_individual_cannot_give_a_decision_number():
    with pytest.raises(InvalidInput):
        form01.validate_applicant(person_applicant(number="1234/QĐ-BYT"))
