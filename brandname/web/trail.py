"""The audit trail in words: each event as a sentence in the reader's language ("Cán bộ X chấp
thuận tên ABC"), with its reasons, in Hanoi time. The raw record stays available to the page
behind a toggle. No business rule here: the words describe what the event log holds.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from brandname.store.models import Account
from brandname.web import site

ACTOR_WORDS = {
    "officer": _l("Cán bộ"),
    "supervisor": _l("Lãnh đạo"),
    "admin": _l("Quản trị tài khoản"),
    "applicant": _l("Người đăng ký"),
    "operator": _l("Quản trị viên"),
    "carrier": _l("Doanh nghiệp viễn thông"),
}


def ground_words(ground):
    """The legal ground of a revocation (Article 29(1) of the decree) in words."""
    return site.ground_label(ground)


@dataclass
class Entry:
    event: object
    sentence: str
    reasons: list

    @property
    def raw(self):
        e = self.event
        return {
            "seq": e.seq,
            "at": e.at.isoformat() if e.at else None,
            "act": e.act,
            "actor": e.actor_label,
            "subject": f"{e.subject_type}:{e.subject_id}",
            "details": e.details or {},
        }


def who(event, names, *, for_applicant=False):
    if event.actor_kind == "system":
        return _("Hệ thống")
    if for_applicant and event.actor_kind != "applicant":
        # an applicant reads what the Authority did, not which of its staff did it
        return site.authority_names()["short"]
    person = names.get(event.actor_id) or event.actor_label
    if event.actor_kind == "carrier":
        # a carrier acts with its API key, recorded as "carrier:<name>": the name is the person
        person = person.removeprefix("carrier:")
    if event.actor_kind == "applicant" and person != event.actor_label:
        person = f"{person} ({event.actor_label})"  # the member's name and sign-in email
    return f"{ACTOR_WORDS.get(event.actor_kind, event.actor_kind)} {person}"


MEMBER_ROLE_WORDS = {"admin": _l("quản trị"), "user": _l("người dùng")}


def _member_role(d):
    return MEMBER_ROLE_WORDS.get(d.get("org_role"), d.get("org_role") or "")


def _names(value):
    return ", ".join(value) if isinstance(value, list | tuple) else str(value or "")


def _kind(d):
    return str(site.KIND_LABELS.get(d.get("kind"), d.get("kind") or "")).lower()


def _money(d):
    return site.money(d.get("amount_vnd"))


def _approve(e, d, name):
    reasons = [
        _("từ chối tên %(name)s: %(reason)s", name=n, reason=r) for n, r in (d.get("refused") or {}).items()
    ]
    if d.get("fee_vnd") is not None:
        reasons.append(_("lệ phí %(fee)s", fee=site.money(d["fee_vnd"])))
    return _("chấp thuận tên %(names)s", names=_names(d.get("approved")) or name), reasons


def _certificate(e, d, name):
    text = _(
        "cấp giấy chứng nhận số %(serial)s cho tên %(name)s (%(kind)s), hiệu lực %(start)s – %(end)s",
        serial=d.get("serial"),
        name=name,
        kind=str(site.KIND_LABELS.get(e.act, e.act)).lower(),
        start=site.vntime(d.get("valid_from")),
        end=site.vntime(d.get("valid_until")),
    )
    previous = d.get("previous_serial")
    return text, [_("thay thế giấy chứng nhận số %(serial)s", serial=previous)] if previous else []


def _revocation_reasons(d):
    return [ground_words(d.get("ground")), *_evidence(d), d.get("note") or ""]


HOLDER_FIELD_LABELS = {
    "name": _l("tên"),
    "tax_code": _l("mã số thuế"),
    "address": _l("địa chỉ"),
    "email": _l("thư điện tử"),
    "phone": _l("số điện thoại"),
    "legal_representative": _l("người đại diện theo pháp luật"),
    "contact_person": _l("người liên hệ"),
    "business_registration": _l("số đăng ký hộ kinh doanh"),
}

# reasons the system writes in the log, in words
SYSTEM_REASONS = {
    "quarantine ended": _l("hết thời hạn phong tỏa"),
    "reclaimed by its former holder with a new application": _l(
        "người sử dụng trước đăng ký lại tên bằng hồ sơ mới"
    ),
}


def _account(d):
    """An account in words: its role and email, and the person it belongs to when recorded."""
    role = str(site.ROLE_LABELS.get(d.get("role"), d.get("role") or "")).lower()
    if d.get("full_name"):
        return _("%(role)s %(email)s (%(person)s)", role=role, email=d.get("email"), person=d["full_name"])
    return _("%(role)s %(email)s", role=role, email=d.get("email"))


CLIENT_WORDS = {
    "device": _l("thiết bị đã biết"),
    "address": _l("địa chỉ mạng"),
    "shared": _l("thiết bị chưa biết"),
}


def _watch_entry(d):
    return _(
        "%(name)s (%(category)s)",
        name=d.get("name"),
        category=site.WATCH_CATEGORY_LABELS.get(d.get("category"), ""),
    )


def _decide_warning(e, d, name):
    text = _(
        "kết luận tên %(requested)s %(decision)s với %(name)s (%(kind)s)",
        requested=d.get("requested"),
        decision=site.WARNING_DECISION_LABELS.get(d.get("decision"), d.get("decision")),
        name=d.get("name"),
        kind=site.WARNING_LABELS.get(d.get("kind"), d.get("kind")),
    )
    return text, [d.get("note")]


SENTENCES = {
    "watch_add": lambda e, d, name: (
        _("thêm %(entry)s vào danh sách theo dõi", entry=_watch_entry(d)),
        [d.get("note")],
    ),
    "watch_update": lambda e, d, name: (
        _("sửa mục theo dõi %(entry)s", entry=_watch_entry(d)),
        [d.get("note")],
    ),
    "watch_remove": lambda e, d, name: (
        _("bỏ %(entry)s khỏi danh sách theo dõi", entry=_watch_entry(d)),
        [],
    ),
    "decide_warning": _decide_warning,
    "request_variant": lambda e, d, name: (
        _(
            "đề nghị bảo vệ biến thể %(variant)s của tên %(name)s",
            variant=d.get("variant"),
            name=d.get("name"),
        ),
        [],
    ),
    "approve_variant": lambda e, d, name: (
        _("bảo vệ biến thể %(variant)s của tên %(name)s", variant=d.get("variant"), name=d.get("name")),
        [d.get("note")],
    ),
    "reject_variant": lambda e, d, name: (
        _(
            "từ chối bảo vệ biến thể %(variant)s của tên %(name)s",
            variant=d.get("variant"),
            name=d.get("name"),
        ),
        [d.get("note")],
    ),
    "create_account": lambda e, d, name: (_("tạo tài khoản %(account)s", account=_account(d)), []),
    "disable_account": lambda e, d, name: (_("khóa tài khoản %(account)s", account=_account(d)), []),
    "enable_account": lambda e, d, name: (_("mở khóa tài khoản %(account)s", account=_account(d)), []),
    "change_password": lambda e, d, name: (_("đổi mật khẩu tài khoản %(email)s", email=d.get("email")), []),
    "lock_account": lambda e, d, name: (
        _("tạm khóa tài khoản %(email)s do đăng nhập sai nhiều lần", email=d.get("email")),
        [],
    ),
    "signup_attempt": lambda e, d, name: (
        _(
            "ghi nhận một lần đăng ký mới bằng thư điện tử %(email)s đã có tài khoản, báo cho chủ thư",
            email=d.get("email"),
        ),
        [],
    ),
    "request_password_reset": lambda e, d, name: (
        _("gửi liên kết đặt lại mật khẩu cho tài khoản %(email)s", email=d.get("email")),
        [],
    ),
    "reset_password": lambda e, d, name: (
        _(
            "đặt lại mật khẩu tài khoản %(email)s qua liên kết, kết thúc mọi phiên đăng nhập",
            email=d.get("email"),
        ),
        [],
    ),
    "enrol_totp": lambda e, d, name: (
        _("bật xác thực hai lớp cho tài khoản %(account)s", account=_account(d)),
        [],
    ),
    "reset_totp": lambda e, d, name: (
        _("đặt lại xác thực hai lớp của tài khoản %(account)s", account=_account(d)),
        [d.get("reason")],
    ),
    "throttle_sign_in": lambda e, d, name: (
        _(
            "làm chậm đăng nhập vào tài khoản %(email)s từ một %(client)s do đăng nhập sai nhiều lần",
            email=d.get("email"),
            client=CLIENT_WORDS.get(d.get("client"), d.get("client") or ""),
        ),
        [_("thử lại từ %(time)s", time=site.vntime(_when(d.get("retry_at"))))],
    ),
    "request_email_verification": lambda e, d, name: (
        _("gửi lại liên kết xác nhận thư điện tử %(email)s", email=d.get("email")),
        [],
    ),
    "verify_email": lambda e, d, name: (_("xác nhận thư điện tử %(email)s", email=d.get("email")), []),
    "invite_member": lambda e, d, name: (
        _("mời %(email)s làm %(role)s của tổ chức", email=d.get("email"), role=_member_role(d)),
        [],
    ),
    "withdraw_invitation": lambda e, d, name: (_("thu hồi lời mời %(email)s", email=d.get("email")), []),
    "join_organization": lambda e, d, name: (
        _("nhận lời mời, tham gia tổ chức với vai trò %(role)s", role=_member_role(d)),
        [],
    ),
    "remove_member": lambda e, d, name: (
        _("bỏ %(email)s khỏi tổ chức, kết thúc mọi phiên đăng nhập của người này", email=d.get("email")),
        [],
    ),
    "set_member_role": lambda e, d, name: (
        _("giao cho %(email)s vai trò %(role)s", email=d.get("email"), role=_member_role(d)),
        [],
    ),
    "submit": lambda e, d, name: (
        _(
            "nộp hồ sơ %(kind)s số %(id)s, tên %(names)s",
            kind=_kind(d),
            id=e.application_id,
            names=_names(d.get("names")),
        ),
        [],
    ),
    "approve": _approve,
    "approve_without_documents": lambda e, d, name: (
        _(
            "chấp thuận hồ sơ số %(id)s khi chưa có giấy tờ bắt buộc: %(kinds)s",
            id=e.application_id,
            kinds=", ".join(str(site.DOCUMENT_KINDS.get(k, k)) for k in d.get("missing") or ()),
        ),
        [_("lý do: %(reason)s", reason=d.get("reason"))],
    ),
    "reject": lambda e, d, name: (_("từ chối hồ sơ số %(id)s", id=e.application_id), [d.get("reasons")]),
    "auto_reject": lambda e, d, name: (
        _(
            "từ chối tên %(name)s vì đã được chấp thuận cho hồ sơ số %(id)s nộp trước",
            name=d.get("name") or name,
            id=d.get("winner_application_id"),
        ),
        [],
    ),
    "withdraw": lambda e, d, name: (_("rút hồ sơ số %(id)s", id=e.application_id), []),
    "withdraw_name": lambda e, d, name: (
        _("rút tên %(name)s khỏi hồ sơ số %(id)s", name=d.get("name"), id=e.application_id),
        [_("còn lại: %(names)s", names=_names(d.get("remaining")))],
    ),
    "take": lambda e, d, name: (_("nhận xử lý hồ sơ số %(id)s", id=e.application_id), []),
    "assign": lambda e, d, name: (
        _("giao hồ sơ số %(id)s cho %(who)s", id=e.application_id, who=d.get("assignee")),
        [_("trước đó do %(who)s xử lý", who=d["previous"])] if d.get("previous") else [],
    ),
    "attach_document": lambda e, d, name: (
        _("đính kèm tài liệu: %(kind)s", kind=site.DOCUMENT_KINDS.get(d.get("kind"), d.get("kind"))),
        [],
    ),
    "request_documents": lambda e, d, name: (
        _("yêu cầu bổ sung hồ sơ số %(id)s", id=e.application_id),
        [d.get("message")],
    ),
    "supplement_documents": lambda e, d, name: (
        _(
            "bổ sung hồ sơ số %(id)s (%(n)s tài liệu), hạn quyết định lùi %(days)s ngày làm việc đến %(due)s",
            id=e.application_id,
            n=len(d.get("documents") or ()),
            days=d.get("stopped_working_days", 0),
            due=site.vntime(_when(d.get("decision_due_at"))),
        ),
        [d.get("reply")],
    ),
    "record_payment": lambda e, d, name: (
        _("ghi nhận khoản lệ phí %(ref)s (%(amount)s)", ref=d.get("reference"), amount=_money(d)),
        [],
    ),
    "update_holder": lambda e, d, name: (
        _(
            "cập nhật hồ sơ người sử dụng theo hồ sơ số %(id)s: %(fields)s",
            id=d.get("from_application_id") or e.application_id,
            fields=", ".join(str(HOLDER_FIELD_LABELS.get(f, f)) for f in d.get("fields") or ()),
        ),
        [],
    ),
    "refuse_payment": lambda e, d, name: (
        _("không xác nhận khoản lệ phí %(ref)s (%(amount)s)", ref=d.get("reference"), amount=_money(d)),
        [d.get("reason")] if d.get("reason") else [],
    ),
    "confirm_payment": lambda e, d, name: (
        _("xác nhận khoản lệ phí %(ref)s (%(amount)s)", ref=d.get("reference"), amount=_money(d)),
        [],
    ),
    "raise_charge": lambda e, d, name: (
        _(
            "lập khoản chi phí duy trì %(number)s của tên %(name)s kỳ %(start)s – %(end)s: %(amount)s, hạn nộp %(due)s",
            number=d.get("invoice"),
            name=name,
            start=site.vntime(d.get("period_start")),
            end=site.vntime(d.get("period_end")),
            amount=_money(d),
            due=site.vntime(d.get("due_date")),
        ),
        [d.get("source")],
    ),
    "record_charge_payment": lambda e, d, name: (
        _(
            "ghi nhận khoản nộp %(ref)s (%(amount)s) cho chi phí duy trì %(number)s",
            ref=d.get("reference"),
            amount=_money(d),
            number=d.get("invoice"),
        ),
        [],
    ),
    "confirm_charge_payment": lambda e, d, name: (
        _(
            "xác nhận khoản nộp %(ref)s (%(amount)s) cho chi phí duy trì %(number)s",
            ref=d.get("reference"),
            amount=_money(d),
            number=d.get("invoice"),
        ),
        [],
    ),
    "refuse_charge_payment": lambda e, d, name: (
        _(
            "không xác nhận khoản nộp %(ref)s cho chi phí duy trì %(number)s",
            ref=d.get("reference"),
            number=d.get("invoice"),
        ),
        [d.get("reason")],
    ),
    "file_report": lambda e, d, name: (
        _(
            "nộp báo cáo Mẫu số %(form)s của %(filer)s, kỳ %(start)s – %(end)s",
            form=d.get("form"),
            filer=d.get("filer_name"),
            start=site.vntime(d.get("period_start")),
            end=site.vntime(d.get("period_end")),
        ),
        [
            _("trực tuyến")
            if d.get("way") == "online"
            else _("tệp đã ký, SHA-256 %(sha)s", sha=d.get("sha256")),
            _("theo yêu cầu số %(n)s", n=d.get("request_id")) if d.get("request_id") else None,
            _("nộp muộn (hạn %(due)s)", due=site.vntime(d.get("due_date"))) if d.get("late") else None,
        ],
    ),
    "request_report": lambda e, d, name: (
        _(
            "yêu cầu báo cáo theo Mẫu số %(form)s đối với %(filer)s, kỳ %(start)s – %(end)s, hạn nộp %(due)s",
            form=d.get("form"),
            filer=d.get("filer_name"),
            start=site.vntime(d.get("period_start")),
            end=site.vntime(d.get("period_end")),
            due=site.vntime(d.get("due_date")),
        ),
        [d.get("subject")],
    ),
    "issue": _certificate,
    "reissue": _certificate,
    "renewal": _certificate,
    "legacy": _certificate,
    "legacy_recognize": lambda e, d, name: (
        _(
            "công nhận tên %(name)s (dòng %(line)s của danh sách số %(batch)s), hiệu lực %(start)s – %(end)s",
            name=name,
            line=d.get("line"),
            batch=d.get("batch_id"),
            start=site.vntime(d.get("valid_from")),
            end=site.vntime(d.get("valid_until")),
        ),
        [
            _(
                "thời hạn theo danh sách đến %(until)s, rút về 3 năm kể từ ngày công nhận",
                until=site.vntime(d.get("valid_until_filed")),
            )
        ]
        if d.get("term_cut")
        else [],
    ),
    "propose_revocation": lambda e, d, name: (
        _("đề xuất thu hồi tên %(name)s", name=name),
        _revocation_reasons(d),
    ),
    "revoke": lambda e, d, name: (_("thu hồi tên %(name)s", name=name), _revocation_reasons(d)),
    "decline_revocation": lambda e, d, name: (
        _("không xác nhận đề xuất thu hồi tên %(name)s", name=name),
        [d.get("reason")],
    ),
    "expire": lambda e, d, name: (
        _(
            "ghi nhận tên %(name)s hết hạn, phong tỏa đến %(until)s",
            name=name,
            until=site.vntime(d.get("blocked_until")),
        ),
        [ground_words("expired")],
    ),
    "lapse": lambda e, d, name: (
        _(
            "đóng hồ sơ số %(id)s vì quá hạn nộp lệ phí (%(due)s)",
            id=e.application_id,
            due=site.vntime(_when(d.get("payment_due_at"))),
        ),
        [],
    ),
    "release": lambda e, d, name: (
        _("giải phóng tên %(name)s", name=name),
        [SYSTEM_REASONS.get(d.get("reason"), d.get("reason"))],
    ),
    "authorize": lambda e, d, name: (
        _(
            "ủy quyền sử dụng tên %(name)s cho %(party)s (%(number)s)",
            name=name,
            party=d.get("party_name"),
            number=d.get("party_id_number"),
        ),
        [],
    ),
    "withdraw_authorization": lambda e, d, name: (
        _(
            "thu hồi ủy quyền sử dụng tên %(name)s của %(number)s",
            name=name,
            number=d.get("party_id_number"),
        ),
        [],
    ),
}


def _sentence(e, d, name):
    """The event's sentence without its subject (who did it), and its reasons."""
    build = SENTENCES.get(e.act)
    if build is None:
        return _("thực hiện thao tác %(act)s", act=e.act), []
    text, reasons = build(e, d, name)
    return text, [str(r) for r in reasons if r]


def _when(value):
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _evidence(d):
    return [
        f"{site.EVIDENCE_LABELS.get(k, k)}: {site.evidence_value(k, v)}"
        for k, v in (d.get("evidence") or {}).items()
        if v
    ]


def describe(session, events, *, for_applicant=False):
    """[Entry] for the events, in their order; `for_applicant`: as the applicant reads them."""
    ids = {e.actor_id for e in events if e.actor_id}
    names = {}
    if ids:
        names = {
            a.id: a.full_name or a.email for a in session.scalars(select(Account).where(Account.id.in_(ids)))
        }
    entries = []
    for e in events:
        d = e.details or {}
        name = e.name_normal or _names(d.get("names")) or "—"
        text, reasons = _sentence(e, d, name)
        entries.append(Entry(e, f"{who(e, names, for_applicant=for_applicant)} {text}", reasons))
    return entries
