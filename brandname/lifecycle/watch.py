"""Confusion control (Art. 23(4)): the officers' watch-list, and their decision on each warning
an application's name raised. The law gives no mechanical rule, so the registry warns and the
officer decides; both the list's changes and the decisions are events in the audit trail.
"""

from sqlalchemy import select

from brandname.errors import Conflict, InvalidInput, NotAllowed
from brandname.lifecycle._kernel import (
    act,
    fetch,
    moment,
    record_event,
    require_holder_or_staff,
    require_staff,
)
from brandname.lifecycle.queries import decision_warnings
from brandname.rules import confusion
from brandname.rules import names as name_rules
from brandname.store.models import Brandname, ProtectedVariant, RequestedName, WatchEntry

MAX_ENTRY = 40
DECISIONS = ("not_confusable", "confusable")


def _entry_fields(name, category, note):
    name = " ".join((name or "").split())
    plain = confusion.plain(name)
    if not plain or len(name) > MAX_ENTRY:
        raise InvalidInput(
            f"Tên hoặc từ theo dõi phải có chữ cái hoặc chữ số và dài tối đa {MAX_ENTRY} ký tự.",
            f"A watched name or word needs a letter or digit and at most {MAX_ENTRY} characters.",
        )
    if category not in confusion.WATCH_CATEGORIES:
        raise InvalidInput(
            "Loại không hợp lệ; chọn một trong: " + ", ".join(confusion.WATCH_CATEGORIES) + ".",
            "Unknown category; choose one of: " + ", ".join(confusion.WATCH_CATEGORIES) + ".",
        )
    return name, plain, (note or "").strip()


def _as_details(entry):
    return {"name": entry.name, "category": entry.category, "note": entry.note}


@act
def add_watch_entry(session, *, actor, name, category, note="", now=None):
    """Put a name or word on the watch-list; names resembling it are then warned about."""
    now = moment(now)
    require_staff(actor)
    name, plain, note = _entry_fields(name, category, note)
    existing = session.scalars(select(WatchEntry).where(WatchEntry.name_normal == plain)).first()
    if existing is not None:
        raise Conflict(
            f"{existing.name} đã có trong danh sách theo dõi ({existing.category}).",
            f"{existing.name} is already on the watch-list ({existing.category}).",
            details={"entry_id": existing.id},
        )
    entry = WatchEntry(
        name=name,
        name_normal=plain,
        **name_rules.keys(name),
        category=category,
        note=note,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    record_event(session, actor, "watch_add", "watch_entry", entry.id, now=now, details=_as_details(entry))
    return entry


@act
def update_watch_entry(session, entry_id, *, actor, category, note="", now=None):
    """Change an entry's category or note."""
    now = moment(now)
    require_staff(actor)
    entry = fetch(session, WatchEntry, entry_id, what_vi="mục theo dõi", what_en="watch-list entry")
    _, _, note = _entry_fields(entry.name, category, note)
    before = _as_details(entry)
    entry.category, entry.note, entry.updated_at = category, note, now
    record_event(
        session,
        actor,
        "watch_update",
        "watch_entry",
        entry.id,
        now=now,
        details={**_as_details(entry), "before": before},
    )
    return entry


@act
def remove_watch_entry(session, entry_id, *, actor, now=None):
    """Take an entry off the watch-list; the event keeps what it was."""
    now = moment(now)
    require_staff(actor)
    entry = fetch(session, WatchEntry, entry_id, what_vi="mục theo dõi", what_en="watch-list entry")
    details = _as_details(entry)
    session.delete(entry)
    session.flush()
    record_event(session, actor, "watch_remove", "watch_entry", entry_id, now=now, details=details)
    return details


def find_watch_entry(session, name):
    return session.scalars(select(WatchEntry).where(WatchEntry.name_normal == confusion.plain(name))).first()


@act
def decide_warning(session, requested_name_id, *, actor, kind, name, decision, note="", now=None):
    """The officer's decision on one warning raised by a name of a pending application: the names
    are confusable (the officer will refuse the name) or they are not."""
    now = moment(now)
    require_staff(actor)
    rn = fetch(session, RequestedName, requested_name_id, what_vi="tên trong hồ sơ", what_en="requested name")
    application = rn.application
    if application.status != "submitted" or rn.status != "pending":
        raise NotAllowed(
            "Chỉ quyết định về cảnh báo của tên đang chờ xét.",
            "Warnings are decided only for names still waiting for a decision.",
        )
    if decision not in DECISIONS:
        raise InvalidInput("Chọn: dễ nhầm lẫn hoặc không nhầm lẫn.", "Choose: confusable or not confusable.")
    note = (note or "").strip()
    if decision == "confusable" and not note:
        raise InvalidInput(
            "Ghi lý do khi kết luận hai tên dễ nhầm lẫn.",
            "Give the reason when the names are found confusable.",
        )
    warning = next(
        (
            w
            for w in decision_warnings(session, application).get(rn.name, ())
            if (w["kind"], w["name"]) == (kind, name)
        ),
        None,
    )
    if warning is None:
        raise InvalidInput(
            f"Tên {rn.name} không có cảnh báo này.", f"{rn.name} has no such warning.", details={"kind": kind}
        )
    record_event(
        session,
        actor,
        "decide_warning",
        "requested_name",
        rn.id,
        now=now,
        application_id=application.id,
        details={
            "requested": rn.name,
            "kind": kind,
            "name": name,
            "category": warning.get("category"),
            "decision": decision,
            "note": note,
        },
    )
    return warning


# -- protected variants ----------------------------------------------------------------------


def live_variant(session, name):
    """The requested or approved variant spelled `name` (any case), or None."""
    return session.scalars(
        select(ProtectedVariant)
        .join(Brandname)
        .where(
            ProtectedVariant.name_normal == name_rules.normal_form(name),
            ProtectedVariant.status.in_(("requested", "approved")),
            Brandname.status != "released",
        )
    ).first()


@act
def request_variant(session, brandname_id, *, actor, name, now=None):
    """The holder of an active name asks to protect a look-alike variant of it; an officer
    decides (approve_variant, reject_variant)."""
    now = moment(now)
    bn = fetch(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    require_holder_or_staff(actor, bn.holder_id)
    if bn.status != "active":
        raise NotAllowed(
            "Chỉ đề nghị bảo vệ biến thể của tên đang hoạt động.",
            "Variants can be protected only for an active name.",
        )
    name = (name or "").strip()
    name_rules.validate(name)
    normal = name_rules.normal_form(name)
    if normal == bn.name_normal:
        raise InvalidInput(
            "Biến thể phải khác tên đã đăng ký.", "A variant must differ from the registered name."
        )
    taken = session.scalars(
        select(Brandname).where(Brandname.name_normal == normal, Brandname.status != "released")
    ).first()
    if taken is not None:
        raise Conflict(
            f"Tên {taken.name} đã được đăng ký; không thể bảo vệ như biến thể.",
            f"{taken.name} is registered already; it cannot be protected as a variant.",
        )
    existing = live_variant(session, name)
    if existing is not None:
        raise Conflict(
            f"Biến thể {existing.name} đã được đề nghị hoặc bảo vệ.",
            f"The variant {existing.name} is already requested or protected.",
        )
    variant = ProtectedVariant(
        brandname_id=bn.id, name=name, name_normal=normal, status="requested", requested_at=now, note=""
    )
    session.add(variant)
    session.flush()
    record_event(
        session,
        actor,
        "request_variant",
        "protected_variant",
        variant.id,
        now=now,
        details={"name": bn.name, "variant": name},
    )
    return variant


def _decide_variant(session, variant_id, *, actor, approve, note, now):
    now = moment(now)
    require_staff(actor)
    variant = fetch(session, ProtectedVariant, variant_id, what_vi="biến thể", what_en="variant")
    if variant.status != "requested":
        raise NotAllowed("Biến thể này đã được quyết định.", "This variant has been decided already.")
    note = (note or "").strip()
    if not approve and not note:
        raise InvalidInput("Ghi lý do từ chối.", "Give the reason for the refusal.")
    bn = variant.brandname
    if approve:
        taken = session.scalars(
            select(Brandname).where(
                Brandname.name_normal == variant.name_normal, Brandname.status != "released"
            )
        ).first()
        if taken is not None:
            raise Conflict(
                f"Tên {taken.name} đã được đăng ký; không thể bảo vệ như biến thể.",
                f"{taken.name} is registered already; it cannot be protected as a variant.",
            )
    variant.status, variant.decided_at, variant.note = ("approved" if approve else "rejected"), now, note
    record_event(
        session,
        actor,
        "approve_variant" if approve else "reject_variant",
        "protected_variant",
        variant.id,
        now=now,
        details={"name": bn.name, "variant": variant.name, "note": note},
    )
    return variant


@act
def approve_variant(session, variant_id, *, actor, note="", now=None):
    """The officer protects a requested variant: from now nobody else may register it."""
    return _decide_variant(session, variant_id, actor=actor, approve=True, note=note, now=now)


@act
def reject_variant(session, variant_id, *, actor, note, now=None):
    """The officer refuses to protect a requested variant, with the reason."""
    return _decide_variant(session, variant_id, actor=actor, approve=False, note=note, now=now)
