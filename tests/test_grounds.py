"""The grounds of Art. 29(1) in words: every ground cites its point, clause and article of the
decree and says what it is; the English of the mails is the English the web catalogue shows."""

from datetime import date
from pathlib import Path

from babel.messages.pofile import read_po

from brandname.rules import grounds
from brandname.web import site as web


def test_each_ground_names_its_point_of_article_29_in_words():
    assert list(grounds.GROUNDS) == ["spam", "arrears", "expired", "holder_request", "authority_request"]
    assert [g.letter for g in grounds.GROUNDS.values()] == ["a", "b", "c", "d", "đ"]
    assert grounds.legal_ground("expired") == (
        "điểm c khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh hết hạn sử dụng và chưa được gia hạn"
    )
    for code, g in grounds.GROUNDS.items():
        vi, en = grounds.legal_ground(code, "vi"), grounds.legal_ground(code, "en")
        assert vi == f"điểm {g.letter} khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: {g.words_vi}"
        assert en.startswith("point ") and ", clause 1, Article 29 of Decree No. 91/2020/ND-CP: " in en
        assert en.endswith(g.words_en)
        assert code not in vi and "_" not in vi + en  # never the internal code


def test_an_unknown_code_reads_as_the_article_never_as_the_code():
    assert grounds.legal_ground("holder_quit") == "khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP"
    assert "holder_quit" not in grounds.legal_ground("holder_quit", "en")


def test_agency_grounds_require_the_agency_and_its_document():
    assert set(grounds.AGENCY_DOCUMENT) == {"spam", "authority_request"}
    for code in grounds.AGENCY_DOCUMENT:
        assert "agency" in grounds.GROUNDS[code].evidence
    evidence = {"agency": "Bộ Công an", "request_number": "7/CV-A05", "request_date": "2026-03-01"}
    assert grounds.agency_document("authority_request", evidence) == (
        "Bộ Công an",
        "7/CV-A05",
        date(2026, 3, 1),
    )
    assert grounds.agency_document("holder_request", evidence) is None


def test_expiry_takes_effect_the_day_after_the_last_valid_day():
    assert grounds.expiry_effective_date(date(2029, 2, 28)) == date(2029, 3, 1)


def test_the_catalogue_english_is_the_mails_english():
    po = Path(web.TRANSLATIONS_DIR) / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    for g in grounds.GROUNDS.values():
        assert catalog[g.text_vi].string == g.text_en, g.code
    assert catalog[grounds.GENERIC_VI].string == grounds.GENERIC_EN
