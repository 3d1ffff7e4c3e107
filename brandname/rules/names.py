"""Art. 23 rules for a sender name: format, normal form, confusable key. Pure Python."""

import re
import unicodedata
from dataclasses import dataclass

from brandname.errors import InvalidName
from brandname_carrier.rules import normal_form as normal_form  # one copy, shared with carriers

MAX_LENGTH = 11
ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_. ")
SEPARATORS = "-_. "

# Characters that read alike on a phone screen fold to one letter. Multi-letter groups are
# applied before single characters so "RN" and "M" meet.
_LOOKALIKE_GROUPS = (("RN", "M"), ("VV", "W"))
_LOOKALIKE_CHARS = str.maketrans(
    {
        "0": "O",
        "Q": "O",
        "1": "I",
        "L": "I",
        "J": "I",
        "!": "I",
        "|": "I",
        "5": "S",
        "$": "S",
        "2": "Z",
        "3": "E",
        "4": "A",
        "@": "A",
        "6": "G",
        "9": "G",
        "7": "T",
        "8": "B",
        "Đ": "D",
        "Ð": "D",
    }
)


@dataclass(frozen=True)
class NameRuleError:
    code: str
    message_vi: str
    message_en: str

    def as_dict(self):
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en}


def _err(code, vi, en):
    return NameRuleError(code, vi, en)


def name_errors(name):
    """Every Art. 23 format rule the proposed name breaks, one entry per rule, in a fixed order."""
    if not isinstance(name, str):
        return [_err("not_text", "Tên định danh phải là một chuỗi ký tự.", "The sender name must be text.")]
    errors = []
    if len(name) == 0:
        return [_err("empty", "Tên định danh không được để trống.", "The sender name is empty.")]
    if len(name) > MAX_LENGTH:
        errors.append(
            _err(
                "too_long",
                f"Tên định danh dài tối đa {MAX_LENGTH} ký tự (hiện có {len(name)}).",
                f"The sender name has at most {MAX_LENGTH} characters (it has {len(name)}).",
            )
        )
    bad = sorted({c for c in name if c not in ALLOWED})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        errors.append(
            _err(
                "bad_characters",
                f"Ký tự không được phép: {shown}. Chỉ dùng chữ cái Latin không dấu A–Z a–z, "
                "chữ số 0–9, dấu gạch ngang (-), gạch dưới (_), dấu chấm (.) và dấu cách.",
                f"Characters not allowed: {shown}. Use only Latin letters A–Z a–z without diacritics, "
                "digits 0–9, hyphen (-), underscore (_), dot (.) and space.",
            )
        )
    if name[0] == " " or name[-1] == " ":
        errors.append(
            _err(
                "edge_space",
                "Tên định danh không được bắt đầu hoặc kết thúc bằng dấu cách.",
                "The sender name must not start or end with a space.",
            )
        )
    if "  " in name:
        errors.append(
            _err(
                "double_space",
                "Tên định danh không được có hai dấu cách liền nhau.",
                "The sender name must not contain two spaces in a row.",
            )
        )
    if not any(c.isascii() and c.isalpha() for c in name):
        if all(c.isdigit() for c in name):
            errors.append(
                _err(
                    "digits_only",
                    "Tên định danh không được chỉ gồm chữ số.",
                    "The sender name must not consist of digits only.",
                )
            )
        else:
            errors.append(
                _err(
                    "no_letter",
                    "Tên định danh phải có ít nhất một chữ cái (tên không có chữ cái dễ bị nhầm với số điện thoại).",
                    "The sender name must contain at least one letter (without one it reads as a phone number).",
                )
            )
    return errors


def is_valid(name):
    return not name_errors(name)


def validate(name):
    """Return the name unchanged if valid, else raise InvalidName listing every broken rule."""
    errors = name_errors(name)
    if errors:
        raise InvalidName(name, errors)
    return name


def strip_diacritics(text):
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_NON_KEY = re.compile(r"[^0-9A-Z]")
_SYMBOLS = "!|$@"  # look-alike symbols: folded before separators and other symbols are dropped
_SYMBOL_CHARS = str.maketrans({c: _LOOKALIKE_CHARS[ord(c)] for c in _SYMBOLS})

# Vietnamese sound-alike folds (Art. 23(4): "đa âm ... không dùng dấu"), in the order they apply.
# Each row: (what it folds, as typed?, regular expression, replacement, an example pair it joins).
# Rows "as typed" read the letters before the look-alike folds turn Q into O and J into I; the
# others run on the look-alike key. tests/test_names.py checks that each row, and only it, joins
# its example pair.
SOUNDALIKE_FOLDS = (
    ("K/C/Q: QU is the K sound", True, r"QU", "KU", ("QUOCTE", "KUOCTE")),
    ("teen code: J for GI", True, r"J", "GI", ("JAOHANG", "GIAOHANG")),
    ("Y/I", False, r"Y", "I", ("KYMLONG", "KIMLONG")),
    ("PH/F", False, r"PH", "F", ("VINAFONE", "VINAPHONE")),
    ("GI/D/Z: GI before a vowel", False, r"GI(?=[AEIOU])", "Z", ("GIAOHANG", "ZAOHANG")),
    ("GI/D/Z: GI before a consonant", False, r"GI", "ZI", ("GINGAN", "DINGAN")),
    ("GI/D/Z: D", False, r"D", "Z", ("DAOHANG", "ZAOHANG")),
    ("teen code: CK for CH", False, r"CK", "CH", ("CKINHPHU", "CHINHPHU")),
    ("K/C/Q: C not before H", False, r"C(?!H)", "K", ("KAFE", "CAFE")),
    ("teen code: NK for NH", False, r"NK", "NH", ("THANKCONG", "THANHCONG")),
    ("W/V", False, r"W", "V", ("WINAMILK", "VINAMILK")),
    ("doubled letters", False, r"([A-Z])\1+", r"\1", ("VIETEL", "VIETTEL")),
)
_FOLDS = tuple((typed, re.compile(rx), to) for _, typed, rx, to, _ in SOUNDALIKE_FOLDS)


def _fold_groups(key):
    for group, letter in _LOOKALIKE_GROUPS:
        while group in key:
            key = key.replace(group, letter)
    return key


def unaccented(name):
    """The name with Vietnamese diacritics taken off ("CÀ PHÊ" -> "CA PHE"), case kept; the
    suggestion offered when only the diacritics make a name invalid, or None."""
    if not isinstance(name, str) or not name:
        return None
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = unicodedata.normalize("NFC", "".join(c for c in plain if not unicodedata.combining(c)))
    if plain == name or name_errors(plain):
        return None
    return plain


def lookalike_key(text):
    """A key equal for names that look alike on a phone screen: case, diacritics, separators
    and look-alike characters folded (see domain.md)."""
    key = strip_diacritics(text).upper()
    key = key.translate(_LOOKALIKE_CHARS)
    return _fold_groups(_NON_KEY.sub("", key))


def confusable_key(text):
    """A key equal for names a reader could mistake for each other, by sight or by sound: the
    look-alike folds and then the sound-alike folds of SOUNDALIKE_FOLDS."""
    key = _NON_KEY.sub("", strip_diacritics(text).upper().translate(_SYMBOL_CHARS))
    for typed, pattern, replacement in _FOLDS:
        if typed:
            key = pattern.sub(replacement, key)
    key = _fold_groups(key.translate(_LOOKALIKE_CHARS))
    for typed, pattern, replacement in _FOLDS:
        if not typed:
            key = pattern.sub(replacement, key)
    return key


def keys(text):
    """The two stored keys of a name, as the columns of its row."""
    return {"confusable_key": confusable_key(text), "lookalike_key": lookalike_key(text)}
