"""Art. 23 rules for a sender name: format, normal form, confusable key. Pure Python."""

import unicodedata
from dataclasses import dataclass

from brandname.errors import InvalidName
from brandname_carrier import rules as carrier_rules

# One copy of each key, shared with carriers: their offline copy must fold names exactly as the
# registry does to tell an impersonation from a harmless unknown name.
from brandname_carrier.rules import SOUNDALIKE_FOLDS as SOUNDALIKE_FOLDS
from brandname_carrier.rules import confusable_key as confusable_key
from brandname_carrier.rules import lookalike_key as lookalike_key
from brandname_carrier.rules import normal_form as normal_form
from brandname_carrier.rules import strip_diacritics as strip_diacritics

MAX_LENGTH = carrier_rules.MAX_NAME_LENGTH
ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_. ")
SEPARATORS = "-_. "


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


def keys(text):
    """The two stored keys of a name, as the columns of its row."""
    return {"confusable_key": confusable_key(text), "lookalike_key": lookalike_key(text)}
