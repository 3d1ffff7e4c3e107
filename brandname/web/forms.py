"""Reading the portals' HTML forms into the plain dicts the lifecycle services take.

CSRF comes from Flask-WTF's CSRFProtect (every POST); the fields are checked by form01 and
lifecycle, so a refused form is re-rendered with the user's input and the domain message.
"""

from brandname.rules import form01
from brandname.rules.form01 import APPLICANT_KEYS

NAME_KEYS = ("name", "purpose", "products", "sectors", "carriers")
TEXT_KEYS = ("name", "purpose", "products", "sectors")
MAX_ROWS = 50
MAX_FILES = 5


def applicant_from_form(form, prefix="app_"):
    out = {k: (form.get(prefix + k) or "").strip() or None for k in APPLICANT_KEYS}
    out[form01.ON_BEHALF] = form.get(prefix + form01.ON_BEHALF) == "on"
    return out


def applicant_to_form(applicant, prefix="app_"):
    out = {prefix + k: (applicant or {}).get(k) or "" for k in APPLICANT_KEYS}
    out[prefix + form01.ON_BEHALF] = "on" if (applicant or {}).get(form01.ON_BEHALF) else ""
    return out


def holder_as_applicant(holder):
    return {k: getattr(holder, k) for k in APPLICANT_KEYS}


def name_rows_from_form(form):
    """Rows n-<i>-<field>; a row with every text field empty is ignored."""
    indexes = sorted(
        {
            int(key.split("-")[1])
            for key in form
            if key.startswith("n-") and key.count("-") >= 2 and key.split("-")[1].isdigit()
        }
    )
    rows = []
    for i in indexes[:MAX_ROWS]:
        row = {k: (form.get(f"n-{i}-{k}") or "").strip() for k in TEXT_KEYS}
        row["carriers"] = ", ".join(chosen_carriers(form, i))
        row["row"] = i + 1  # the number the form shows, so each error lands on its row
        row["use_sms"] = form.get(f"n-{i}-use_sms") == "on"
        row["use_voice"] = form.get(f"n-{i}-use_voice") == "on"
        if any(row[k] for k in NAME_KEYS):
            rows.append(row)
    return rows


def chosen_carriers(form, i):
    """The carriers ticked in row i: one checkbox value each (a request's form), or one text of
    labels joined by commas (a form rebuilt from a filing or a draft)."""
    key = f"n-{i}-carriers"
    values = form.getlist(key) if hasattr(form, "getlist") else [form.get(key) or ""]
    return [c for v in values for c in form01.split_carriers(v)]


def carrier_choices(form, i, allowed):
    """(labels ticked, older values the list does not know) of row i, for the checkboxes."""
    ticked, unknown = [], []
    for value in chosen_carriers(form, i):
        label = form01.carrier_label(value, allowed)
        if label is None:
            unknown.append(value)
        elif label not in ticked:
            ticked.append(label)
    return ticked, unknown


def plain(form):
    """A request's form as a plain dict, each row's ticked carriers joined into one value."""
    out = dict(form.items())
    for key in list(out):
        parts = key.split("-", 2)
        if key.startswith("n-") and len(parts) == 3 and parts[1].isdigit() and parts[2] == "carriers":
            out[key] = ", ".join(chosen_carriers(form, int(parts[1])))
    return out


def name_rows_to_form(rows):
    out = {}
    for i, row in enumerate(rows):
        for k in NAME_KEYS:
            out[f"n-{i}-{k}"] = row.get(k) or ""
        out[f"n-{i}-use_sms"] = "on" if row.get("use_sms") else ""
        out[f"n-{i}-use_voice"] = "on" if row.get("use_voice") else ""
    return out


def without_row(form, index):
    """The form with name row `index` taken out and the later rows moved up (the "remove this
    name" button when JavaScript is off)."""
    out, prefix = {}, f"n-{index}-"
    for key, value in form.items():
        if key.startswith(prefix):
            continue
        parts = key.split("-", 2)
        if key.startswith("n-") and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) > index:
            key = f"n-{int(parts[1]) - 1}-{parts[2]}"
        out[key] = value
    return out


def field_error(error, input_name, lang="vi"):
    """The message of a refused form that belongs next to the input `input_name`, or None.

    Applicant fields are `app_<field>` (details.fields), name rows `n-<i>-<field>`
    (details.names, row i + 1), the rest by their own name (details.fields)."""
    details = getattr(error, "details", None) or {}
    pick = "message_en" if lang == "en" else "message"
    parts = input_name.split("-", 2)
    if input_name.startswith("n-") and len(parts) == 3 and parts[1].isdigit():
        field = "use" if parts[2] in ("use_sms", "use_voice", "use") else parts[2]
        found = [
            n[pick]
            for n in details.get("names") or ()
            if n.get("index") == int(parts[1]) + 1 and n.get("field") == field
        ]
        return "; ".join(found) or None
    key = input_name[4:] if input_name.startswith("app_") else input_name
    found = (details.get("fields") or {}).get(key)
    return found[pick] if found else None


def row_count(form, minimum=3):
    rows = [
        int(k.split("-")[1])
        for k in form
        if k.startswith("n-") and k.count("-") >= 2 and k.split("-")[1].isdigit()
    ]
    return max(minimum, (max(rows) + 1) if rows else 0)


def uploads_from_request(files, form):
    """[(kind, filename, bytes)] for every file slot doc-<i>-file that carries a file."""
    out = []
    for i in range(MAX_FILES):
        storage = files.get(f"doc-{i}-file")
        if storage is None or not storage.filename:
            continue
        out.append((form.get(f"doc-{i}-kind") or "other", storage.filename, storage.read()))
    return out


def paper_receipt_from_form(form, now):
    """The receipt time of a paper dossier (Hanoi day dd/mm/yyyy or ISO, and HH:MM) as naive UTC;
    None when the day is left empty (received now)."""
    from datetime import UTC, date, datetime, time

    from brandname.errors import InvalidInput
    from brandname.rules import dates

    day_text = (form.get("received_day") or "").strip()
    if not day_text:
        return None
    time_text = (form.get("received_time") or "").strip() or "08:00"
    try:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            day = datetime.strptime(day_text, "%d/%m/%Y").date()
        clock = time.fromisoformat(time_text)
    except ValueError:
        raise InvalidInput(
            "Ngày giờ tiếp nhận không hợp lệ: ghi ngày dd/mm/yyyy và giờ HH:MM.",
            "The receipt date and time are not valid: write the day as dd/mm/yyyy and the time as HH:MM.",
        ) from None
    local = datetime.combine(day, clock.replace(second=0, microsecond=0), tzinfo=dates.VN_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)
