"""Claiming names already in the registry (paper filings, legacy imports): the code's rules, the
acts, the applicant's and the officer's pages."""

from datetime import datetime, timedelta

import pytest

from brandname.rules import claims as claim_rules

T0 = datetime(2026, 3, 2, 3, 0, 0)


# -- the one-time code's rules --------------------------------------------------------------


def test_a_code_has_six_digits_from_the_secure_source_and_keeps_leading_zeros(monkeypatch):
    codes = {claim_rules.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150
    monkeypatch.setattr(claim_rules.secrets, "randbelow", lambda n: 42)
    assert claim_rules.new_code() == "000042"


def test_only_a_salted_hash_is_kept_and_only_the_right_code_matches():
    salt, other_salt = claim_rules.new_salt(), claim_rules.new_salt()
    stored = claim_rules.hash_code("123456", salt)
    assert "123456" not in stored and len(stored) == 64
    assert stored != claim_rules.hash_code("123456", other_salt)  # the salt changes the hash
    assert claim_rules.code_matches("123456", salt, stored)
    assert claim_rules.code_matches(" 123-456 ", salt, stored)  # typed with a space or dash
    for wrong in ("123457", "12345", "1234567", "abcdef", "", None):
        assert not claim_rules.code_matches(wrong, salt, stored)
    assert not claim_rules.code_matches("123456", salt, None)


def test_a_code_expires_after_its_minutes():
    until = claim_rules.expires_at(T0)
    assert until == T0 + timedelta(minutes=15)
    assert claim_rules.expires_at(T0, minutes=5) == T0 + timedelta(minutes=5)
    assert not claim_rules.is_expired(until, until - timedelta(seconds=1))
    assert claim_rules.is_expired(until, until)
    assert claim_rules.is_expired(None, T0)


def test_five_wrong_attempts_lock_a_code():
    assert claim_rules.attempts_left(0) == 5 and claim_rules.attempts_left(4) == 1
    assert claim_rules.attempts_left(7) == 0
    assert not claim_rules.is_locked(4) and claim_rules.is_locked(5)


def test_three_codes_an_hour_per_claim():
    sent = [T0, T0 + timedelta(minutes=10)]
    assert claim_rules.next_send_at(sent, T0 + timedelta(minutes=20)) is None
    sent.append((T0 + timedelta(minutes=20)).isoformat())  # stored as ISO text
    assert claim_rules.next_send_at(sent, T0 + timedelta(minutes=30)) == T0 + timedelta(hours=1)
    # an hour after the first, one more may go
    assert claim_rules.next_send_at(sent, T0 + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("nguyen.van@example.vn", "n***@e***.vn"),
        ("lienhe@saomai.com.vn", "l***@s***.com.vn"),
        ("a@mail.cty.vn", "a***@m***.vn"),
        ("X@Y.VN", "X***@Y***.VN"),
        ("", ""),
        ("no-at-sign", ""),
    ],
)
def test_the_email_on_record_is_shown_masked(email, shown):
    assert claim_rules.mask_email(email) == shown
