"""Which legal document a dossier must carry (Art. 24): it depends on who applies.

- an organization: a certified copy of its enterprise registration certificate or of its
  establishment decision (one document kind, `enterprise_registration`, covers both);
- an individual: a certified copy of the ID card or passport (`id_document`);
- a household business (an individual applicant with a business registration number): its
  business registration (`business_registration`).

One such document covers every name of the application, and one already in the dossier's chain
(an earlier submission this one resubmits) counts. Pure Python: the kinds are the codes of
`store.models.Document.KINDS`.
"""

ORGANIZATION, INDIVIDUAL, HOUSEHOLD_BUSINESS = "organization", "individual", "household_business"

# applicant type -> the document kind it must attach
REQUIRED_KIND = {
    ORGANIZATION: "enterprise_registration",
    INDIVIDUAL: "id_document",
    HOUSEHOLD_BUSINESS: "business_registration",
}


def applicant_type(applicant):
    """organization | household_business | individual, from Form 01's applicant section."""
    applicant = applicant or {}
    if applicant.get("kind") == "organization":
        return ORGANIZATION
    if (applicant.get("business_registration") or "").strip():
        return HOUSEHOLD_BUSINESS
    return INDIVIDUAL


def missing_documents(applicant, attached_kinds):
    """The mandatory document kinds the dossier still lacks (empty when complete)."""
    required = REQUIRED_KIND[applicant_type(applicant)]
    return [] if required in set(attached_kinds) else [required]
