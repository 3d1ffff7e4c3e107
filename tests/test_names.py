import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandname.errors import InvalidName
from brandname.rules import confusion, names


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
    assert names.lookalike_key(a) == names.lookalike_key(b)


@pytest.mark.parametrize("fold", names.SOUNDALIKE_FOLDS, ids=[f[0] for f in names.SOUNDALIKE_FOLDS])
def test_each_soundalike_fold_joins_its_example_pair(fold, monkeypatch):
    """The pair looks different, sounds alike, and only this fold brings it together."""
    what, _, _, _, (a, b) = fold
    assert names.lookalike_key(a) != names.lookalike_key(b)
    assert names.confusable_key(a) == names.confusable_key(b)
    index = names.SOUNDALIKE_FOLDS.index(fold)
    from brandname_carrier import rules as carrier_rules  # where the folds live, one copy

    monkeypatch.setattr(
        carrier_rules, "_FOLDS", carrier_rules._FOLDS[:index] + carrier_rules._FOLDS[index + 1 :]
    )
    assert names.confusable_key(a) != names.confusable_key(b), what


@pytest.mark.parametrize(
    "a, b",
    [
        ("VINAFONE", "VINAPHONE"),
        ("KYMLONG", "KIMLONG"),
        ("VIETEL", "VIETTEL"),
        ("MOBIPHONE", "M0BIFONE"),
        ("ZALO", "DALO"),
        ("QUANGCAO", "KUANGKAO"),
        ("VVINAMILK", "VINAMILK"),
        ("GIAHUY", "DAHUI"),
    ],
)
def test_soundalike_names_share_the_confusable_key(a, b):
    assert names.confusable_key(a) == names.confusable_key(b)


def test_q_looks_like_o_and_sounds_like_k():
    """One key cannot hold both readings of Q, so the look-alike key is kept beside it."""
    assert names.lookalike_key("QUEEN") == names.lookalike_key("OUEEN")
    assert names.confusable_key("QUEEN") == names.confusable_key("KUEEN")
    assert names.keys("QUEEN") == {"confusable_key": "KUEN", "lookalike_key": "OUEEN"}


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


@settings(max_examples=2000)
@given(st.one_of(st.text(), st.text(alphabet=sorted(names.ALLOWED), max_size=11)))
def test_normal_form_and_key_are_idempotent(text):
    normal = names.normal_form(text)
    assert names.normal_form(normal) == normal
    for fold in (names.confusable_key, names.lookalike_key):
        key = fold(text)
        assert fold(key) == key
        assert fold(normal) == key


@given(st.from_regex(r"\A[A-Za-z][A-Za-z0-9._-]{0,10}\Z"))
def test_generated_valid_names_are_valid(text):
    assert names.is_valid(text)
    assert names.normal_form(text).upper() == text.upper()


@pytest.mark.parametrize(
    "a, b, edit",
    [
        ("VIETCOMBANK", "VIETCOMBAN", "delete"),
        ("TECHCOMBANK", "TECHCOMBANKS", "insert"),
        ("AGRIBANK", "AGRIBENK", "substitute"),
        ("VIETCOMBANK", "VEITCOMBANK", "transpose"),
        ("VIETTEL", "VIETTAL", "substitute"),
        ("SHOPEE", "SHOPE", "delete (a doubled letter: same key, so a sound-alike instead)"),
    ],
)
def test_near_misses_are_one_edit_apart(a, b, edit):
    kind = confusion.kind_between(b, a)
    if "doubled" in edit:
        assert kind == "soundalike"
        return
    assert kind == "near_miss", edit
    assert names.confusable_key(b) in confusion.one_edit_neighbours(names.confusable_key(a))


@pytest.mark.parametrize(
    "a, b",
    [
        ("MOMO", "MOMI"),  # the registered name has fewer than 5 characters
        ("VIETCOMBANK", "VIETCOMBNKA"),  # two edits
        ("VIETCOMBANK", "VEITCOMBNAK"),  # two swaps
    ],
)
def test_not_near_misses(a, b):
    assert confusion.kind_between(b, a) is None


@settings(max_examples=300)
@given(st.text(alphabet=confusion.KEY_ALPHABET, min_size=4, max_size=11))
def test_neighbourhood_is_exactly_the_keys_one_edit_away(key):
    from rapidfuzz.distance import OSA

    neighbours = set(confusion.one_edit_neighbours(key))
    assert key not in neighbours
    assert all(OSA.distance(key, n) == 1 and len(n) >= confusion.NEAR_MISS_MIN for n in neighbours)
    # every one-edit key within the alphabet is listed
    for i in range(len(key)):
        shorter = key[:i] + key[i + 1 :]
        assert len(shorter) < confusion.NEAR_MISS_MIN or shorter in neighbours


@settings(max_examples=500)
@given(
    st.text(alphabet="ABCE", min_size=0, max_size=7),
    st.text(alphabet="ABCE", min_size=0, max_size=7),
)
def test_one_edit_check_is_the_osa_distance_at_most_one(a, b):
    """The carriers' copy of the rules has no rapidfuzz: its own one-edit check must say what
    the optimal string alignment distance says."""
    from rapidfuzz.distance import OSA

    assert confusion.within_one_edit(a, b) == (OSA.distance(a, b) <= 1)


def test_kinds_strongest_first():
    assert confusion.kind_between("V1ETTEL", "VIETTEL") == "lookalike"
    assert confusion.kind_between("VIETEL", "VIETTEL") == "soundalike"
    assert confusion.kind_between("VIETTEL", "Viettel") is None  # the same name
    assert confusion.kind_between("VIETTAL", "VIETTEL") == "near_miss"
