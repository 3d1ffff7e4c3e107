"""Realistic demo data, made through the same lifecycle services as real filings."""

import random

from sqlalchemy import select

from brandname import lifecycle
from brandname.lifecycle import accounts
from brandname.rules import names as name_rules
from brandname.store.models import Account, Brandname

# development only (the demo command refuses in production): the password is published
DEMO_ACCOUNTS = (
    ("admin@demo.brandname.vn", "admin", "Quản trị Demo"),
    ("officer@demo.brandname.vn", "officer", "Cán bộ Demo"),
    ("supervisor@demo.brandname.vn", "supervisor", "Lãnh đạo Demo"),
)
DEMO_PASSWORD = "demo-password-2026"


def ensure_accounts(session):
    """The demo's administrator, officer and supervisor, each made once by the operator."""
    for email, role, full_name in DEMO_ACCOUNTS:
        if session.scalar(select(Account).where(Account.email == email)) is None:
            accounts.create_account(
                session,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                full_name=full_name,
                actor=lifecycle.Actor.operator("demo"),
            )


_PREFIXES = [
    "VIET",
    "SAI",
    "HA",
    "DA",
    "MEKONG",
    "SONG",
    "AN",
    "PHU",
    "MINH",
    "HOA",
    "TAN",
    "THANH",
    "KIM",
    "NAM",
    "BAC",
    "DONG",
    "TAY",
    "LONG",
    "HUNG",
    "PHAT",
    "GIA",
    "BAO",
    "QUANG",
]
_SUFFIXES = [
    "BANK",
    "MART",
    "TEL",
    "PHARMA",
    "AIR",
    "SHOP",
    "FOOD",
    "LAND",
    "TRAVEL",
    "EDU",
    "CAFE",
    "AUTO",
    "HOME",
    "CARE",
    "PAY",
    "FIN",
    "LIFE",
    "TECH",
    "GO",
    "BUY",
    "MEDIA",
]
_KINDS = ["Công ty Cổ phần", "Công ty TNHH", "Ngân hàng TMCP", "Tập đoàn"]
_SECTORS = ["Ngân hàng", "Bán lẻ", "Viễn thông", "Dược phẩm", "Du lịch", "Giáo dục", "Bất động sản"]
_CITIES = ["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ"]
_STREETS = ["Trần Hưng Đạo", "Lê Lợi", "Nguyễn Huệ", "Điện Biên Phủ", "Hai Bà Trưng", "Láng Hạ"]
_PEOPLE = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng Cường",
    "Phạm Thu Dung",
    "Hoàng Minh Đức",
    "Vũ Thị Hạnh",
    "Đặng Quốc Huy",
    "Bùi Thanh Lâm",
]


def _candidate(rng):
    name = rng.choice(_PREFIXES) + rng.choice(_SUFFIXES)
    if len(name) > 11 or rng.random() < 0.3:
        name = name[:8] + str(rng.randint(10, 999))
    return name[:11]


def demo_applicant(rng, serial_no):
    org = rng.random() < 0.85
    city, street = rng.choice(_CITIES), rng.choice(_STREETS)
    address = f"Số {rng.randint(1, 300)} {street}, {city}"
    if org:
        brand = rng.choice(_PREFIXES).title() + rng.choice(_SUFFIXES).title()
        return {
            "kind": "organization",
            "name": f"{rng.choice(_KINDS)} {brand} {serial_no}",
            "id_number": f"0{rng.randint(100_000_000, 999_999_999)}",
            "tax_code": f"0{rng.randint(100_000_000, 999_999_999)}",
            "address": address,
            "email": f"lienhe{serial_no}@{brand.lower()}.vn",
            "phone": f"024{rng.randint(1000000, 9999999)}",
            "legal_representative": rng.choice(_PEOPLE),
            "contact_person": rng.choice(_PEOPLE),
        }
    return {
        "kind": "individual",
        "name": rng.choice(_PEOPLE),
        "id_number": f"0{rng.randint(10_000_000_000, 99_999_999_999)}",
        "address": address,
        "email": f"canhan{serial_no}@example.vn",
        "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
    }


def seed(session, count, *, keys, rules, actor=None, seed_value=None, now=None):
    """Yield `count` names made through submit → approve → record payment → confirm (issue)."""
    rng = random.Random(seed_value)
    actor = actor or lifecycle.Actor.operator("seed-demo")
    taken = set(session.scalars(select(Brandname.name_normal).where(Brandname.status != "released")))
    made = 0
    while made < count:
        name = _candidate(rng)
        if name_rules.normal_form(name) in taken or not name_rules.is_valid(name):
            if len(taken) > 0 and rng.random() < 0.5:
                name = f"{name[:6]}{rng.randint(10000, 99999)}"
            if name_rules.normal_form(name) in taken or not name_rules.is_valid(name):
                continue
        taken.add(name_rules.normal_form(name))
        _issue(
            session, name, demo_applicant(rng, made + 1), rng, actor=actor, keys=keys, rules=rules, now=now
        )
        made += 1
        yield name


def seed_names(session, names, *, keys, rules, actor=None, seed_value=None, now=None):
    """Issue exactly `names` through the real lifecycle, each to a demo holder of its own; a
    name the rules refuse (format, taken) raises the lifecycle's DomainError."""
    rng = random.Random(seed_value)
    actor = actor or lifecycle.Actor.operator("seed-demo")
    for i, name in enumerate(names, 1):
        _issue(session, name, demo_applicant(rng, i), rng, actor=actor, keys=keys, rules=rules, now=now)
        yield name


# a one-page blank PDF: the demo dossier's stand-in for the certified copy Art. 24 asks for
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _attach_demo_documents(session, application, *, actor, now):
    """The dossier's mandatory documents (rules/dossier.py), so that its approval is lawful.
    In an app the bytes are written under DATA_DIR/uploads as an upload's would be."""
    import hashlib
    import secrets
    from pathlib import Path

    from flask import current_app, has_app_context

    from brandname.rules import dossier

    folder = None
    if has_app_context() and current_app.config.get("DATA_DIR"):
        folder = Path(current_app.config["DATA_DIR"]) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
    for kind in dossier.required_documents(application.applicant):
        stored_name = secrets.token_hex(16) + ".pdf"
        if folder is not None:
            (folder / stored_name).write_bytes(_DEMO_PDF)
        lifecycle.attach_document(
            session,
            application.id,
            actor=actor,
            kind=kind,
            original_filename=f"demo-{kind}.pdf",
            stored_name=stored_name,
            content_type="application/pdf",
            size=len(_DEMO_PDF),
            sha256=hashlib.sha256(_DEMO_PDF).hexdigest(),
            now=now,
        )


def _issue(session, name, applicant, rng, *, actor, keys, rules, now):
    """submit → decide the warnings → approve → record payment → confirm (issue)."""
    application = lifecycle.submit(
        session,
        applicant=applicant,
        actor=actor,
        commitments_confirmed=True,
        now=now,
        rules=rules,
        names=[
            {
                "name": name,
                "purpose": f"Chăm sóc khách hàng, thông báo giao dịch ({rng.choice(_SECTORS)})",
                "use_sms": True,
                "use_voice": rng.random() < 0.3,
                "sectors": rng.choice(_SECTORS),
                "products": "Dịch vụ khách hàng",
                "carriers": "Viettel, VNPT, MobiFone",
            }
        ],
    )
    # the demo's operator records a decision on each confusion warning, as an officer must
    requested = application.names[0]
    for w in lifecycle.queries.decision_warnings(session, application).get(requested.name, ()):
        lifecycle.decide_warning(
            session,
            requested.id,
            actor=actor,
            kind=w["kind"],
            name=w["name"],
            decision="not_confusable",
            note="dữ liệu mẫu (seed-demo)",
            now=now,
        )
    _attach_demo_documents(session, application, actor=actor, now=now)
    lifecycle.approve(session, application.id, actor=actor, now=now, rules=rules)
    payment = lifecycle.record_payment(
        session, application.id, actor=actor, reference=f"DEMO-{application.id:08d}", now=now
    )
    lifecycle.confirm_payment(session, payment.id, actor=actor, keys=keys, now=now, rules=rules)


# --- Production footing: bulk demo registries ---

_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _b36(n, width=4):
    out = ""
    for _ in range(width):
        n, r = divmod(n, 36)
        out = _B36[r] + out
    return out


def bulk_rows(count, *, seed_value=None, start=0, source="demo"):
    """Yield `count` NameRow for bulk.issue_many: realistic holders holding one to three names each.

    Names are unique by construction (a letter stem and a base-36 tag of the row number, so no
    set of a million names is kept in memory); `start` shifts the tags for a second run."""
    from brandname.ops.bulk import NameRow

    rng = random.Random(seed_value)
    made, holder_no = 0, start
    while made < count:
        holder_no += 1
        applicant = demo_applicant(rng, holder_no)
        # a unique id number per holder: the random part plus the holder number
        applicant["id_number"] = f"{applicant['id_number'][:5]}{holder_no:07d}"
        if applicant.get("tax_code"):
            applicant["tax_code"] = applicant["id_number"]
        for _ in range(min(rng.choice((1, 1, 1, 2, 3)), count - made)):
            width = 4 if start + count <= 36**4 else 5
            stem = (rng.choice(_PREFIXES) + rng.choice(_SUFFIXES))[: rng.choice((4, 5, 6, 11 - width))]
            sector = rng.choice(_SECTORS)
            yield NameRow(
                line=start + made + 1,
                name=stem + _b36(start + made, width),
                holder=applicant,
                purpose=f"Chăm sóc khách hàng, thông báo giao dịch ({sector})",
                use_sms=True,
                use_voice=rng.random() < 0.3,
                source=source,
                extra={"demo": True},
            )
            made += 1
