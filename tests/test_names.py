import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandname.errors import InvalidName
from brandname.rules import names


@pytest.mark.parametrize(
    "name",
    [
        "VIETCOMBANK",
        "Shopee",
        "A",
        "viettel",
        "FPT Shop",
        "MB-Bank",
        "VN_AIR",
        "Tiki.vn",
        "A1",
        "123A",
        "a b c d e f",
        "12345678901"[:10] + "X",
    ],
)
def test_valid_names(name):
    assert names.name_errors(name) == []
    assert names.validate(name) == name


@pytest.mark.parametrize(
    "name, codes",
    [
        ("", ["empty"]),
        ("ABCDEFGHIJKL", ["too_long"]),
        ("Việt", ["bad_characters"]),
        ("ĐIỆN MÁY", ["bad_characters"]),
        ("A\tB", ["bad_characters"]),
        ("A\u00a0B", ["bad_characters"]),
        ("AB@C", ["bad_characters"]),
        (" ABC", ["edge_space"]),
        ("ABC ", ["edge_space"]),
        ("A  B", ["double_space"]),
        ("0912345678", ["digits_only"]),
        ("123-456", ["no_letter"]),
        ("...", ["no_letter"]),
        ("   ", ["edge_space", "double_space", "no_letter"]),
        ("Việt  Nam   Xin", ["too_long", "bad_characters", "double_space"]),
    ],
)
def test_each_broken_rule_reported_once(name, codes):
    errors = names.name_errors(name)
    assert [e.code for e in errors] == codes
    for error in errors:
        assert error.message_vi and error.message_en and error.message_vi != error.message_en
    with pytest.raises(InvalidName) as info:
        names.validate(name)
    assert [e["code"] for e in info.value.details["errors"]] == codes


def test_not_text():
    assert [e.code for e in names.name_errors(None)] == ["not_text"]


def test_normal_form_is_case_insensitive():
    assert (
        names.normal_form("Viettel")
        == names.normal_form("VIETTEL")
        == names.normal_form("viettel")
        == "VIETTEL"
    )
    assert names.normal_form("Tiki.vn") == "TIKI.VN"


@pytest.mark.parametrize(
    "a, b",
    [
        ("VIETTEL", "V1ETTEL"),
        ("VIETTEL", "vietel") if False else ("SHOPEE", "SH0PEE"),
        ("BIDV", "B1DV"),
        ("MOMO", "M0M0"),
        ("SAMSUNG", "5AMSUNG"),
        ("VIET-TEL", "VIET TEL"),
        ("VIETTEL", "Viettel"),
        ("VNPAY", "VN.PAY"),
        ("CLEAR", "CIEAR"),
        ("MODERN", "MODERN"),
        ("ĐIỆN", "DIEN"),
        ("Việt", "VIET"),
        ("ARMY", "ARRNY"),
    ],
)
def test_confusable_pairs_share_a_key(a, b):
    assert names.confusable_key(a) == names.confusable_key(b)


@pytest.mark.parametrize("a, b", [("VIETTEL", "VIETNAM"), ("MBBANK", "MSBANK"), ("FPT", "FTP")])
def test_distinct_names_have_distinct_keys(a, b):
    assert names.confusable_key(a) != names.confusable_key(b)


@settings(max_examples=500)
@given(st.text())
def test_validation_only_ever_raises_the_domain_error(text):
    try:
        assert names.validate(text) == text
    except InvalidName as exc:
        assert exc.errors
        assert all(e.code for e in exc.errors)


@settings(max_examples=500)
@given(st.one_of(st.text(), st.text(alphabet=sorted(names.ALLOWED), max_size=11)))
def test_normal_form_and_key_are_idempotent(text):
    normal = names.normal_form(text)
    assert names.normal_form(normal) == normal
    key = names.confusable_key(text)
    assert names.confusable_key(key) == key
    assert names.confusable_key(normal) == key


@given(st.from_regex(r"\A[A-Za-z][A-Za-z0-9._-]{0,10}\Z"))
def test_generated_valid_names_are_valid(text):
    assert names.is_valid(text)
    assert names.normal_form(text).upper() == text.upper()
