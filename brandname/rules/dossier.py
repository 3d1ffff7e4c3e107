"""Which legal document a dossier must carry (Art. 24): it depends on who applies.

- an organization: a certified copy of its enterprise registration certificate or of its
  establishment decision (one document kind, `enterprise_registration`, covers both);
- an individual: a certified copy of the ID card or passport (`id_document`);
- a household business (an individual applicant with a business registration number): its
  business registration (`business_registration`).

- filing on the applicant's behalf (nộp thay, by an authorized person: Form 01's "on behalf"
  choice): the authorization (`authorization_letter`) besides.

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


AUTHORIZATION_KIND = "authorization_letter"

# the mandatory kinds in words (Vietnamese, English), for the refusals that name them
KIND_WORDS = {
    "enterprise_registration": (
        "bản sao chứng thực Giấy chứng nhận đăng ký doanh nghiệp hoặc quyết định thành lập",
        "a certified copy of the enterprise registration certificate or establishment decision",
    ),
    "id_document": ("bản sao chứng thực CCCD hoặc hộ chiếu", "a certified copy of the ID card or passport"),
    "business_registration": (
        "Giấy chứng nhận đăng ký hộ kinh doanh",
        "the household business registration certificate",
    ),
    "authorization_letter": (
        "giấy ủy quyền nộp hồ sơ",
        "the authorization to file on the applicant's behalf",
    ),
}
# the longest written reason an officer may give for approving without them
OVERRIDE_REASON_LIMIT = 1000


def words(kinds, lang="vi"):
    """The kinds in words, joined by "; "."""
    pick = 1 if lang == "en" else 0
    return "; ".join(KIND_WORDS.get(kind, (kind, kind))[pick] for kind in kinds)


def required_documents(applicant):
    """The mandatory document kinds of a dossier, the applicant type's legal document first."""
    required = [REQUIRED_KIND[applicant_type(applicant)]]
    if (applicant or {}).get("on_behalf"):
        required.append(AUTHORIZATION_KIND)
    return required


def missing_documents(applicant, attached_kinds):
    """The mandatory document kinds the dossier still lacks (empty when complete)."""
    attached = set(attached_kinds)
    return [kind for kind in required_documents(applicant) if kind not in attached]
