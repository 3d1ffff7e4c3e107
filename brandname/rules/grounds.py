"""The grounds of Art. 29(1) of Decree 91/2020/NĐ-CP, in the words a notice must use.

A notice of revocation (expiry included) names its legal ground in words, never the registry's
internal code: "điểm c khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh hết hạn sử dụng
và chưa được gia hạn". Each ground also says which evidence its proposal must carry and who starts
it. Grounds (a) and (đ) rest on a competent state agency's document: its name and number are
required, recorded on the name and printed on the notice.

The Vietnamese text is the message id of the web catalogue (marked with `N_` so that the
extraction finds it); the English beside it is what mails, which are written without a request,
print, and the catalogue's English must equal it (tests/test_grounds.py). Pure Python.
"""

from dataclasses import dataclass
from datetime import date, timedelta


def N_(text):
    """Marks a string for the catalogue without translating it here."""
    return text


@dataclass(frozen=True)
class Ground:
    code: str
    letter: str
    words_vi: str
    words_en: str
    text_vi: str  # the reference and the words, as a notice prints them
    text_en: str
    evidence: tuple
    started_by: str

    def text(self, lang="vi"):
        return self.text_vi if lang == "vi" else self.text_en


GROUNDS = {
    g.code: g
    for g in (
        Ground(
            "spam",
            "a",
            "tên định danh được sử dụng để gửi tin nhắn rác, thực hiện cuộc gọi rác hoặc cung cấp "
            "dịch vụ trái quy định của pháp luật theo kết luận của cơ quan nhà nước có thẩm quyền",
            "the sender name was used for spam messages or calls, or for unlawful services, as a "
            "competent state agency concluded",
            N_(
                "điểm a khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh được sử dụng để gửi "
                "tin nhắn rác, thực hiện cuộc gọi rác hoặc cung cấp dịch vụ trái quy định của pháp luật "
                "theo kết luận của cơ quan nhà nước có thẩm quyền"
            ),
            "point a, clause 1, Article 29 of Decree No. 91/2020/ND-CP: the sender name was used for "
            "spam messages or calls, or for unlawful services, as a competent state agency concluded",
            ("agency", "conclusion_number", "conclusion_date"),
            "officer",
        ),
        Ground(
            "arrears",
            "b",
            "quá 30 ngày kể từ ngày đến hạn mà chưa nộp chi phí duy trì tên định danh",
            "the maintenance charge is more than 30 days overdue",
            N_(
                "điểm b khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: quá 30 ngày kể từ ngày đến hạn "
                "mà chưa nộp chi phí duy trì tên định danh"
            ),
            "point b, clause 1, Article 29 of Decree No. 91/2020/ND-CP: the maintenance charge is "
            "more than 30 days overdue",
            ("invoice", "due_date"),
            "officer",
        ),
        Ground(
            "expired",
            "c",
            "tên định danh hết hạn sử dụng và chưa được gia hạn",
            "the sender name has expired and was not renewed",
            N_(
                "điểm c khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh hết hạn sử dụng và "
                "chưa được gia hạn"
            ),
            "point c, clause 1, Article 29 of Decree No. 91/2020/ND-CP: the sender name has expired "
            "and was not renewed",
            ("expiry_date",),
            "system",
        ),
        Ground(
            "holder_request",
            "d",
            "theo đề nghị của tổ chức, cá nhân sử dụng tên định danh",
            "at the request of the organization or individual holding the sender name",
            N_(
                "điểm d khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: theo đề nghị của tổ chức, cá nhân "
                "sử dụng tên định danh"
            ),
            "point d, clause 1, Article 29 of Decree No. 91/2020/ND-CP: at the request of the "
            "organization or individual holding the sender name",
            (),
            "holder",
        ),
        Ground(
            "authority_request",
            "đ",
            "theo yêu cầu của cơ quan nhà nước có thẩm quyền",
            "at the request of a competent state agency",
            N_(
                "điểm đ khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: theo yêu cầu của cơ quan nhà nước "
                "có thẩm quyền"
            ),
            "point dd, clause 1, Article 29 of Decree No. 91/2020/ND-CP: at the request of a competent "
            "state agency",
            ("agency", "request_number", "request_date"),
            "officer",
        ),
    )
}

# grounds resting on a competent state agency's document: (number field, date field)
AGENCY_DOCUMENT = {
    "spam": ("conclusion_number", "conclusion_date"),
    "authority_request": ("request_number", "request_date"),
}

GENERIC_VI = N_("khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP")
GENERIC_EN = "clause 1, Article 29 of Decree No. 91/2020/ND-CP"


def legal_ground(code, lang="vi"):
    """The ground in words with its reference. An unknown code still reads as the article, never
    as the code itself."""
    ground = GROUNDS.get(code)
    if ground is None:
        return GENERIC_VI if lang == "vi" else GENERIC_EN
    return ground.text(lang)


def agency_document(code, evidence):
    """(agency, number, date) of the state agency's document a ground rests on; None for the
    grounds that rest on no such document. `date` is a date or None."""
    if code not in AGENCY_DOCUMENT:
        return None
    evidence = evidence or {}
    number_field, date_field = AGENCY_DOCUMENT[code]
    when = evidence.get(date_field)
    try:
        when = date.fromisoformat(when) if isinstance(when, str) else when
    except ValueError:
        when = None
    return (evidence.get("agency") or None, evidence.get(number_field) or None, when)


def expiry_effective_date(valid_until):
    """A name that expires unrenewed stops on the day after its last valid day."""
    return valid_until + timedelta(days=1)
