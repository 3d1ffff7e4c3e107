"""Form 01 (Bản khai đăng ký tên định danh): which fields an application must carry. Pure Python."""

import re

from brandname.errors import InvalidInput
from brandname.rules import names as name_rules

MAX_NAMES_PER_APPLICATION = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{8,20}$")
_ID = re.compile(r"^[A-Za-z0-9-]{6,20}$")
# an establishment decision's number, as agencies write it: "1234/QĐ-BYT", "56/2019/QĐ-UBND"
# (digits, a slash, then groups of letters, Vietnamese ones included, or digits joined by - or /)
_DECISION = re.compile(r"^[0-9]{1,6}/[^\W_]+(?:[-/][^\W_]+)*$")

# (field, required for organization, required for individual, label vi, label en)
APPLICANT_FIELDS = (
    ("name", True, True, "Tên tổ chức / họ và tên", "Organization or full name"),
    (
        "id_number",
        True,
        True,
        "Mã số doanh nghiệp, số quyết định thành lập / số CCCD, hộ chiếu",
        "Enterprise code or establishment decision number / ID card or passport number",
    ),
    ("tax_code", False, False, "Mã số thuế", "Tax code"),
    ("address", True, True, "Địa chỉ", "Address"),
    ("email", True, True, "Thư điện tử", "Email"),
    ("phone", True, True, "Số điện thoại", "Phone"),
    ("legal_representative", True, False, "Người đại diện theo pháp luật", "Legal representative"),
    ("contact_person", True, False, "Người liên hệ", "Contact person"),
    ("business_registration", False, False, "Số đăng ký hộ kinh doanh", "Household business registration"),
)
# every key of an applicant section, as the forms, the holder's record and sign-up carry them
APPLICANT_KEYS = ("kind", *(field[0] for field in APPLICANT_FIELDS))
# the filing's own choice, kept with the applicant section but not on the holder's record: the
# person filing acts on the applicant's behalf (nộp thay, người được ủy quyền), so the dossier
# must carry the authorization (Art. 24)
ON_BEHALF = "on_behalf"


def on_behalf(value):
    """The "on behalf" choice as a form or an API gives it ("on", "true", True...) as a bool."""
    if isinstance(value, str):
        return value.strip().lower() in ("on", "true", "1", "yes")
    return bool(value)


FIELD_LIMITS = {
    "name": 300,
    "address": 500,
    "email": 254,
    "phone": 40,
    "id_number": 40,
    "tax_code": 20,
    "legal_representative": 200,
    "contact_person": 200,
    "business_registration": 60,
}


# free text of each name's section; longer text is refused with its length, never cut
ENTRY_LIMITS = {"purpose": 1000, "products": 500, "sectors": 500, "carriers": 300}
ENTRY_LABELS = {
    "purpose": ("mục đích sử dụng", "the purpose of use"),
    "products": ("sản phẩm, dịch vụ", "the products and services"),
    "sectors": ("ngành nghề kinh doanh", "the business sectors"),
    "carriers": ("doanh nghiệp viễn thông dự kiến", "the expected carriers"),
}


# the carriers and aggregators Form 01 offers as the expected carriers (BRANDNAME_CARRIERS
# replaces the list); a label's short form, in brackets, is accepted for it too ("VNPT")
DEFAULT_CARRIERS = (
    "Viettel",
    "VinaPhone (VNPT)",
    "MobiFone",
    "Vietnamobile",
    "Gmobile (Wintel)",
    "Itelecom",
    "Reddi",
)


def carriers_from_config(value):
    """The carrier list from a setting: comma-separated labels (or a list); empty: the default."""
    if isinstance(value, str):
        value = value.split(",")
    labels = tuple(dict.fromkeys(" ".join(str(v).split()) for v in value or () if str(v).strip()))
    return labels or DEFAULT_CARRIERS


def _carrier_key(text):
    from brandname.rules.text import fold

    return "".join(ch for ch in fold(text) if ch.isalnum())


def carrier_label(value, allowed):
    """The label of `allowed` that `value` names (the label itself, the part before its bracket
    or the short form inside it, case and diacritics aside), or None."""
    key = _carrier_key(value)
    if not key:
        return None
    for label in allowed:
        head, _, rest = label.partition("(")
        if key in {_carrier_key(label), _carrier_key(head), _carrier_key(rest.rstrip(")"))}:
            return label
    return None


def split_carriers(value):
    """The carriers a name entry gives: a list, or text separated by commas (older filings)."""
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = str(value or "").split(",")
    return [" ".join(p.split()) for p in parts if p.strip()]


def choose_carriers(value, allowed):
    """(the labels `value` names, joined by commas; the values the list does not know)."""
    chosen, unknown = [], []
    for part in split_carriers(value):
        label = carrier_label(part, allowed)
        if label is None:
            unknown.append(part)
        elif label not in chosen:
            chosen.append(label)
    return ", ".join(chosen), unknown


def combine(errors):
    """One InvalidInput carrying every problem of several: each field's message stays attached
    to its field (details: `fields` of the applicant section, `names` of the name rows)."""
    errors = [e for e in errors if e is not None]
    if len(errors) == 1:
        return errors[0]
    fields, names = {}, []
    for e in errors:
        fields.update((e.details or {}).get("fields") or {})
        names.extend((e.details or {}).get("names") or [])
    return InvalidInput(
        " ".join(e.message_vi for e in errors),
        " ".join(e.message_en for e in errors),
        details={k: v for k, v in (("fields", fields), ("names", names)) if v},
    )


def field_error(field, message_vi, message_en):
    """An InvalidInput about one field of the form outside the name rows (the commitments, the
    reissue reason, the documents)."""
    return InvalidInput(
        message_vi,
        message_en,
        details={"fields": {field: {"message": message_vi, "message_en": message_en}}},
    )


def _clean(value):
    return " ".join(str(value).split()) if value is not None else ""


def validate_applicant(data):
    """Return the applicant section cleaned, or raise InvalidInput with one message per field."""
    if not isinstance(data, dict):
        raise InvalidInput("Thiếu thông tin người đăng ký.", "The applicant section is missing.")
    kind = data.get("kind")
    errors = {}
    if kind not in ("organization", "individual"):
        errors["kind"] = ("Chọn tổ chức hoặc cá nhân.", "Choose organization or individual.")
    out = {"kind": kind}
    for field, req_org, req_ind, label_vi, label_en in APPLICANT_FIELDS:
        value = _clean(data.get(field))
        required = req_org if kind == "organization" else req_ind
        if not value:
            if required:
                errors[field] = (f"{label_vi}: bắt buộc.", f"{label_en}: required.")
            out[field] = None
            continue
        if len(value) > FIELD_LIMITS[field]:
            errors[field] = (
                f"{label_vi}: dài {len(value)} ký tự, tối đa {FIELD_LIMITS[field]}.",
                f"{label_en}: {len(value)} characters long, at most {FIELD_LIMITS[field]}.",
            )
        out[field] = value
    if out.get("email") and not _EMAIL.match(out["email"]):
        errors["email"] = ("Thư điện tử không đúng định dạng.", "The email address is not valid.")
    if out.get("phone") and not _PHONE.match(out["phone"]):
        errors["phone"] = ("Số điện thoại không đúng định dạng.", "The phone number is not valid.")
    if out.get("id_number"):
        out["id_number"] = out["id_number"].upper()
        if id_number_kind(kind, out["id_number"]) is None:
            errors["id_number"] = (
                "Mã số / số giấy tờ chỉ gồm chữ và số, 6–20 ký tự; tổ chức thành lập theo quyết định ghi "
                "số quyết định, ví dụ 1234/QĐ-BYT.",
                "The code / document number must be 6–20 letters and digits; an organization "
                "established by decision gives the decision's number, such as 1234/QĐ-BYT.",
            )
    out[ON_BEHALF] = on_behalf(data.get(ON_BEHALF))
    if errors:
        raise InvalidInput(
            "Thông tin người đăng ký chưa đầy đủ hoặc không hợp lệ: "
            + "; ".join(vi for vi, _ in errors.values()),
            "The applicant section is incomplete or invalid: " + "; ".join(en for _, en in errors.values()),
            details={"fields": {k: {"message": vi, "message_en": en} for k, (vi, en) in errors.items()}},
        )
    return out


def id_number_kind(kind, id_number):
    """What the applicant's ID field holds (Art. 24): "enterprise_code" or "establishment_decision"
    for an organization, "id_document" (ID card or passport) for an individual; None if it is
    neither."""
    value = (id_number or "").strip().upper()
    if kind == "organization" and _DECISION.match(value) and len(value) <= FIELD_LIMITS["id_number"]:
        return "establishment_decision"
    if not _ID.match(value):
        return None
    return "enterprise_code" if kind == "organization" else "id_document"


# how the certificate labels the holder's number
ID_LABELS = {
    "enterprise_code": "Mã số doanh nghiệp",
    "establishment_decision": "Số quyết định thành lập",
    "id_document": "Số CMND/CCCD/Hộ chiếu",
}


def _name_problems(index, name, seen, item):
    """The problems of one row's name (its format, a repeat of an earlier row); a good name is
    put in `item` and remembered in `seen`."""
    errs = name_rules.name_errors(name)
    if errs:
        return [(index, "name", "; ".join(e.message_vi for e in errs), "; ".join(e.message_en for e in errs))]
    normal = name_rules.normal_form(name)
    problems = []
    if normal in seen:
        problems.append(
            (
                index,
                "name",
                f"trùng với tên thứ {seen[normal]} trong hồ sơ",
                f"repeats name #{seen[normal]} of this application",
            )
        )
    seen[normal] = index
    item["name"] = name
    return problems


def validate_name_entries(entries, *, require_names=True, carriers=DEFAULT_CARRIERS):
    """Check the per-name sections; return them cleaned or raise InvalidInput naming each problem.

    The expected carriers are chosen from `carriers`: each is stored by its label, joined by
    commas; one the list does not know is refused by name."""
    if not isinstance(entries, (list, tuple)) or not entries:
        raise InvalidInput(
            "Hồ sơ phải có ít nhất một tên định danh.",
            "The application must ask for at least one sender name.",
        )
    if len(entries) > MAX_NAMES_PER_APPLICATION:
        raise InvalidInput(
            f"Một hồ sơ có tối đa {MAX_NAMES_PER_APPLICATION} tên định danh.",
            f"An application carries at most {MAX_NAMES_PER_APPLICATION} names.",
        )
    cleaned, problems, seen = [], [], {}
    for position, entry in enumerate(entries, start=1):
        entry = entry if isinstance(entry, dict) else {}
        # `row`: the number the form shows for this row (empty rows are skipped before)
        index = entry.get("row") if isinstance(entry.get("row"), int) else position
        name = entry.get("name") if require_names else entry.get("name", "")
        item = {
            "purpose": _clean(entry.get("purpose")),
            "use_sms": bool(entry.get("use_sms", True)),
            "use_voice": bool(entry.get("use_voice", False)),
            "products": _clean(entry.get("products")),
            "sectors": _clean(entry.get("sectors")),
            "carriers": "",
            "row": index,
        }
        item["carriers"], unknown = choose_carriers(entry.get("carriers"), carriers)
        if unknown:
            shown = ", ".join(v[:40] for v in unknown[:5])
            problems.append(
                (
                    index,
                    "carriers",
                    f"doanh nghiệp viễn thông không có trong danh sách: {shown}",
                    f"carriers not in the list: {shown}",
                )
            )
        if require_names:
            problems.extend(_name_problems(index, name, seen, item))
        if not item["purpose"]:
            problems.append((index, "purpose", "thiếu mục đích sử dụng", "the purpose of use is missing"))
        for key, limit in ENTRY_LIMITS.items():
            if len(item[key]) > limit:
                vi, en = ENTRY_LABELS[key]
                problems.append(
                    (
                        index,
                        key,
                        f"{vi} dài {len(item[key])} ký tự, tối đa {limit}",
                        f"{en} is {len(item[key])} characters long, at most {limit}",
                    )
                )
        if not (item["use_sms"] or item["use_voice"]):
            problems.append(
                (
                    index,
                    "use",
                    "chọn ít nhất một hình thức: tin nhắn hoặc cuộc gọi",
                    "choose at least one form of use: SMS or voice calls",
                )
            )
        cleaned.append(item)
    if problems:
        raise InvalidInput(
            "Thông tin tên định danh chưa hợp lệ: "
            + "; ".join(f"tên thứ {i}: {vi}" for i, _, vi, _ in problems),
            "Sender name details are invalid: " + "; ".join(f"name #{i}: {en}" for i, _, _, en in problems),
            details={
                "names": [
                    {"index": i, "field": f, "message": vi, "message_en": en} for i, f, vi, en in problems
                ]
            },
        )
    return cleaned


DRAFT_NAME_LIMIT = 40  # a draft keeps a name as typed, even too long; only this much of it


def validate_draft(applicant, entries, *, carriers=DEFAULT_CARRIERS):
    """A draft is checked for length only: every field within its limit (a longer one is refused
    with its length, never cut), at most MAX_NAMES_PER_APPLICATION rows. Returns the draft's
    applicant section and rows cleaned of white space; carriers off the list are dropped."""
    errors, names = {}, []
    out = {}
    for field, *_rest, label_vi, label_en in APPLICANT_FIELDS:
        value = _clean((applicant or {}).get(field))
        if len(value) > FIELD_LIMITS[field]:
            errors[field] = (
                f"{label_vi}: dài {len(value)} ký tự, tối đa {FIELD_LIMITS[field]}.",
                f"{label_en}: {len(value)} characters long, at most {FIELD_LIMITS[field]}.",
            )
        out[field] = value
    out["kind"] = (applicant or {}).get("kind")
    out[ON_BEHALF] = on_behalf((applicant or {}).get(ON_BEHALF))
    entries = list(entries or ())
    if len(entries) > MAX_NAMES_PER_APPLICATION:
        raise InvalidInput(
            f"Một hồ sơ có tối đa {MAX_NAMES_PER_APPLICATION} tên định danh.",
            f"An application carries at most {MAX_NAMES_PER_APPLICATION} names.",
        )
    rows = []
    for position, entry in enumerate(entries, start=1):
        index = entry.get("row") if isinstance(entry.get("row"), int) else position
        row = {
            "name": _clean(entry.get("name")),
            "purpose": _clean(entry.get("purpose")),
            "products": _clean(entry.get("products")),
            "sectors": _clean(entry.get("sectors")),
            "carriers": choose_carriers(entry.get("carriers"), carriers)[0],
            "use_sms": bool(entry.get("use_sms")),
            "use_voice": bool(entry.get("use_voice")),
        }
        if len(row["name"]) > DRAFT_NAME_LIMIT:
            names.append(
                {
                    "index": index,
                    "field": "name",
                    "message": f"tên dài {len(row['name'])} ký tự, tối đa {DRAFT_NAME_LIMIT} trong bản nháp",
                    "message_en": f"the name is {len(row['name'])} characters long, at most "
                    f"{DRAFT_NAME_LIMIT} in a draft",
                }
            )
        for key, limit in ENTRY_LIMITS.items():
            if key != "carriers" and len(row[key]) > limit:
                vi, en = ENTRY_LABELS[key]
                names.append(
                    {
                        "index": index,
                        "field": key,
                        "message": f"{vi} dài {len(row[key])} ký tự, tối đa {limit}",
                        "message_en": f"{en} is {len(row[key])} characters long, at most {limit}",
                    }
                )
        rows.append(row)
    if errors or names:
        raise InvalidInput(
            "Chưa lưu được bản nháp: "
            + "; ".join(
                [vi for vi, _ in errors.values()] + [f"tên thứ {n['index']}: {n['message']}" for n in names]
            ),
            "The draft was not saved: "
            + "; ".join(
                [en for _, en in errors.values()] + [f"name #{n['index']}: {n['message_en']}" for n in names]
            ),
            details={
                k: v
                for k, v in (
                    ("fields", {k: {"message": vi, "message_en": en} for k, (vi, en) in errors.items()}),
                    ("names", names),
                )
                if v
            },
        )
    return out, rows
