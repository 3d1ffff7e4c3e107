"""The dossier code (mã hồ sơ): given at submission, shown to the applicant and the officer, in
the receipt mail and the fee's transfer content."""

from datetime import datetime

from sqlalchemy import select

from brandname.rules import dossier_code
from brandname.store.models import Application, Outbox


def test_a_code_carries_the_hanoi_month_and_six_unconfusable_characters():
    code = dossier_code.new_code(datetime(2026, 12, 31, 17, 30))  # 1 January 2027 in Hanoi
    assert code.startswith("BN-2701-") and dossier_code.PATTERN.match(code)
    assert not set("01ILOUV") & set(dossier_code.ALPHABET)
    assert len({dossier_code.new_code(datetime(2026, 12, 3)) for _ in range(200)}) == 200


def test_a_typed_code_is_read_in_its_canonical_form():
    assert dossier_code.normalize(" bn 2612 abcdef ") == "BN-2612-ABCDEF"
    assert dossier_code.normalize("BN2612ABCDEF") == "BN-2612-ABCDEF"
    for wrong in ("", None, "BN-2612-ABCDE0", "XX-2612-ABCDEF", "BN-2612-ABCDEFG", "BN-26A2-ABCDEF"):
        assert dossier_code.normalize(wrong) is None, wrong


def test_every_submission_gets_its_own_code_shown_to_applicant_officer_and_in_the_mail(portal, session):
    first = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    second = portal.application_id(portal.apply(portal.a, "DUONGANH"))
    codes = [session.get(Application, i).code for i in (first, second)]
    assert all(dossier_code.PATTERN.match(c) for c in codes) and codes[0] != codes[1]
    assert codes[0] in portal.a.get(f"/applicant/applications/{first}").data.decode()
    assert codes[0] in portal.officer.get(f"/officer/applications/{first}").data.decode()
    mail = session.scalars(select(Outbox).where(Outbox.key == f"received:{first}")).one()
    assert f"Mã hồ sơ: {codes[0]}" in mail.body
