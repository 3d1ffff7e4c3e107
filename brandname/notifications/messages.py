"""What each mail says: receipt, decision, certificate issued, revocation and expiry reminders.

Every mail is Vietnamese first, English after. Builders only read; `outbox` decides when a mail is
written and `delivery` sends it. No Flask here.
"""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from brandname.rules import dates, grounds
from brandname.rules.text import authority_parts
from brandname.store.models import Account

DEFAULT_AUTHORITY = (
    "Cục An toàn thông tin, Bộ Thông tin và Truyền thông",
    "Authority of Information Security, Ministry of Information and Communications",
)


def signature(authority=DEFAULT_AUTHORITY):
    """The mail's closing lines, naming the issuing body from configuration (vi, en)."""
    body_vi, _ = authority_parts(authority[0])
    body_en, _ = authority_parts(authority[1])
    return f"\n\n--\nHệ thống quản lý tên định danh — {body_vi}\nSender-name registry — {body_en}\n"


SIGNATURE = signature()


class Mail(NamedTuple):
    to: str | None
    subject: str
    body: str
    key: str | None = None
    # references delivery turns into files: ({"kind": "certificate", "serial": ...}, ...)
    attachments: tuple = ()


def _t(moment):
    return (
        dates.local_date(moment).strftime("%d/%m/%Y")
        + " "
        + moment.replace(tzinfo=dates.timezone.utc).astimezone(dates.VN_TZ).strftime("%H:%M")
    )


def _recipient(session, application):
    if application.account_id:
        account = session.get(Account, application.account_id)
        # a member removed from the holder since filing no longer hears about its dossiers
        if account is not None and account.holder_id == application.holder_id:
            return account.email
    return (application.applicant or {}).get("email") or application.holder.email


def holder_address(session, holder):
    """The holder's first portal account (an administrator's first), else the e-mail on its record."""
    account = session.scalars(
        select(Account)
        .where(Account.holder_id == holder.id)
        .order_by(Account.org_role != "admin", Account.id)
    ).first()
    return account.email if account else holder.email


def _names(application):
    return ", ".join(rn.name for rn in application.names)


def application_received(session, application, *, public_url="", authority=DEFAULT_AUTHORITY):
    received = _t(application.received_at)
    due = _t(application.decision_due_at)
    return Mail(
        to=_recipient(session, application),
        key=f"received:{application.id}",
        subject=f"Xác nhận tiếp nhận hồ sơ số {application.id} / Application {application.id} received",
        body=(
            f"{authority_parts(authority[0])[0]} đã tiếp nhận hồ sơ số {application.id} "
            f"({_names(application)}) "
            f"lúc {received} (giờ Hà Nội).\nMã hồ sơ: {application.code}\nHạn trả lời: {due}.\n"
            f"Theo dõi hồ sơ: {public_url}/applicant/applications/{application.id}\n"
            f"Tra cứu không cần đăng nhập: {public_url}/track\n"
            f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả: "
            f"{public_url}/applicant/applications/{application.id}/receipt.pdf\n\n"
            f"Your application {application.id} ({_names(application)}) was received at {received} "
            f"(Hanoi time). Dossier code: {application.code}. A decision is due by {due}."
        ),
    )


def _renewal_note_vi(application, due):
    until = application.brandname.valid_until
    return (
        f"Tên vẫn có hiệu lực sau ngày hết hạn {until:%d/%m/%Y} nếu lệ phí được nộp và ghi nhận trước {due}; "
        f"thời hạn mới tính từ ngày {until + timedelta(days=1):%d/%m/%Y}. Quá hạn nộp lệ phí, hồ sơ gia hạn "
        "hết hiệu lực và tên hết hạn.\n"
    )


def _renewal_note_en(application, due):
    until = application.brandname.valid_until
    return (
        f"\nThe name stays in force after its expiry on {until.isoformat()} if the fee is paid and recorded "
        f"by {due}; the new term starts on {(until + timedelta(days=1)).isoformat()}. Past that deadline the "
        "renewal lapses and the name expires."
    )


def application_decided(session, application, *, public_url=""):
    link = f"{public_url}/applicant/applications/{application.id}"
    if application.status == "approved":
        approved = ", ".join(rn.name for rn in application.names if rn.status == "approved")
        refused = [f"{rn.name}: {rn.rejection_reason}" for rn in application.names if rn.status == "rejected"]
        fee = f"{application.fee_vnd:,}".replace(",", ".")
        due = _t(application.payment_due_at)
        body = (
            f"Hồ sơ số {application.id} đã được chấp thuận cho: {approved}.\n"
            + (("Không chấp thuận: " + "; ".join(refused) + "\n") if refused else "")
            + f"Lệ phí: {fee} đồng, nộp trước {due}, sau đó ghi mã giao dịch tại {link}\n"
            + (_renewal_note_vi(application, due) if application.kind == "renewal" else "")
            + f"\nApplication {application.id} was approved for: {approved}. "
            f"Fee: {fee} VND, due by {due}; record the payment reference at {link}"
            + (_renewal_note_en(application, due) if application.kind == "renewal" else "")
        )
        subject = f"Hồ sơ số {application.id} được chấp thuận / Application {application.id} approved"
    else:
        body = (
            f"Hồ sơ số {application.id} không được chấp thuận.\nLý do: {application.reasons}\n"
            f"Bạn có thể sửa và nộp lại hồ sơ tại {link}\n\n"
            f"Application {application.id} was refused. Reasons (in Vietnamese): {application.reasons}\n"
            f"You may amend and resubmit it at {link}"
        )
        subject = f"Hồ sơ số {application.id} bị từ chối / Application {application.id} refused"
    return Mail(
        to=_recipient(session, application),
        subject=subject,
        body=body,
        key=f"decided:{application.id}:{application.status}",
    )


def documents_requested(session, application, event, *, public_url=""):
    """An officer asks for more documents (yêu cầu bổ sung hồ sơ): what to add and where."""
    link = f"{public_url}/applicant/applications/{application.id}"
    message = (event.details or {}).get("message") or ""
    body = (
        f"Cơ quan cấp yêu cầu bổ sung hồ sơ số {application.id} (mã hồ sơ {application.code}):\n"
        f"{message}\n"
        f"Hãy đính kèm tài liệu và gửi trả lời tại {link}\n"
        "Thời hạn giải quyết hồ sơ tạm dừng cho đến khi bạn bổ sung.\n\n"
        f"The Authority asks for more documents for application {application.id} "
        f"(dossier code {application.code}). Request (in Vietnamese): {message}\n"
        f"Attach the documents and send your answer at {link}. The decision deadline is stopped "
        "until you answer."
    )
    return Mail(
        to=_recipient(session, application),
        subject=(
            f"Hồ sơ số {application.id}: yêu cầu bổ sung hồ sơ / "
            f"Application {application.id}: more documents needed"
        ),
        body=body,
        key=f"documents-requested:{event.seq}",
    )


def payment_refused(session, payment, *, public_url=""):
    application = payment.application
    link = f"{public_url}/applicant/applications/{application.id}"
    body = (
        f"Khoản thanh toán có mã giao dịch {payment.reference} của hồ sơ số {application.id} "
        f"không được xác nhận.\nLý do: {payment.refusal_reason}\n"
        f"Hãy kiểm tra lại và ghi mã giao dịch đúng tại {link}\n\n"
        f"The payment with reference {payment.reference} for application {application.id} was not "
        f"confirmed. Reason (in Vietnamese): {payment.refusal_reason}\n"
        f"Check it and record the right reference at {link}"
    )
    return Mail(
        to=_recipient(session, application),
        subject=(
            f"Hồ sơ số {application.id}: thanh toán không được xác nhận / "
            f"Application {application.id}: payment not confirmed"
        ),
        body=body,
        key=f"payment-refused:{payment.id}",
    )


def certificate_issued(session, application, certificates, *, public_url=""):
    lines_vi = [
        f"- {c.brandname.name}: Giấy chứng nhận số {c.serial}, hiệu lực đến "
        f"{c.valid_until:%d/%m/%Y}, mã xác thực {c.verification_code}; kiểm tra tại "
        f"{public_url}/verify/{c.serial}?code={c.verification_code}"
        for c in certificates
    ]
    lines_en = [
        f"- {c.brandname.name}: certificate {c.serial}, valid until {c.valid_until:%d/%m/%Y}"
        for c in certificates
    ]
    return Mail(
        to=_recipient(session, application),
        key=f"issued:{application.id}",
        subject=f"Cấp Giấy chứng nhận tên định danh / Certificate issued ({application.id})",
        body=(
            f"Lệ phí của hồ sơ số {application.id} đã được xác nhận. Giấy chứng nhận đã được cấp:\n"
            + "\n".join(lines_vi)
            + "\nGiấy chứng nhận (PDF có chữ ký số) được gửi kèm thư này; "
            f"có thể tải lại tại {public_url}/applicant/names\n\n"
            f"The fee of application {application.id} was confirmed; certificates issued:\n"
            + "\n".join(lines_en)
            + "\nThe signed certificate PDFs are attached to this mail; they can also be downloaded "
            f"at {public_url}/applicant/names"
        ),
        attachments=tuple({"kind": "certificate", "serial": c.serial} for c in certificates),
    )


def _notice(brandname, *, ground, effective, document=None, public_url=""):
    """A notice of revocation (Art. 29(2)): the legal ground in words, the competent agency's
    document when the ground rests on one, and the day it takes effect."""
    name = brandname.name
    lines_vi = [f"Thông báo thu hồi tên định danh {name}.", f"Căn cứ: {grounds.legal_ground(ground, 'vi')}."]
    lines_en = [
        f"Notice of revocation of the sender name {name}.",
        f"Ground: {grounds.legal_ground(ground, 'en')}.",
    ]
    if document is not None:
        agency, number, when = document
        on = f" ngày {when:%d/%m/%Y}" if when else ""
        on_en = f" of {when:%d/%m/%Y}" if when else ""
        lines_vi.append(
            f"Văn bản của cơ quan nhà nước có thẩm quyền: {agency or '—'}, số {number or '—'}{on}."
        )
        lines_en.append(
            f"Document of the competent state agency: {agency or '—'}, No. {number or '—'}{on_en}."
        )
    lines_vi += [
        f"Ngày có hiệu lực: {effective:%d/%m/%Y}. Từ ngày này tên định danh không được dùng để gửi tin nhắn "
        "hoặc thực hiện cuộc gọi.",
        f"Thông báo công khai: {public_url}/revocations",
    ]
    lines_en.append(
        f"Effective date: {effective:%d/%m/%Y}. From that day the name may not be used to send messages "
        "or make calls."
    )
    return "\n".join(lines_vi) + "\n\n" + "\n".join(lines_en)


def revoked(session, brandname, *, public_url=""):
    document = None
    if brandname.revocation_ground in grounds.AGENCY_DOCUMENT:
        document = (
            brandname.revocation_agency,
            brandname.revocation_document,
            brandname.revocation_document_date,
        )
    return Mail(
        to=holder_address(session, brandname.holder),
        key=f"revoked:{brandname.id}:{brandname.revoked_at.isoformat()}",
        subject=f"Thông báo thu hồi tên định danh {brandname.name} / Sender name {brandname.name} revoked",
        body=_notice(
            brandname,
            ground=brandname.revocation_ground,
            effective=dates.local_date(brandname.revoked_at),
            document=document,
            public_url=public_url,
        ),
    )


def expired(session, brandname, *, public_url=""):
    """Expiry is revocation on ground c: the holder gets the same notice."""
    return Mail(
        to=holder_address(session, brandname.holder),
        key=f"expired:{brandname.id}:{brandname.valid_until.isoformat()}",
        subject=f"Thông báo thu hồi tên định danh {brandname.name} (hết hạn) / "
        f"Sender name {brandname.name} expired",
        body=_notice(
            brandname,
            ground="expired",
            effective=grounds.expiry_effective_date(brandname.valid_until),
            public_url=public_url,
        ),
    )


def expiry_reminder(session, bn, *, left, window, public_url=""):
    return Mail(
        to=holder_address(session, bn.holder),
        key=f"reminder:{bn.id}:{bn.valid_until.isoformat()}:{window}",
        subject=f"Tên định danh {bn.name} hết hạn ngày {bn.valid_until:%d/%m/%Y} / "
        f"{bn.name} expires on {bn.valid_until:%d/%m/%Y}",
        body=(
            f"Tên định danh {bn.name} hết hạn ngày {bn.valid_until:%d/%m/%Y} (còn {left} ngày). "
            f"Hồ sơ gia hạn cần nộp chậm nhất 15 ngày trước ngày hết hạn: {public_url}/applicant/names\n\n"
            f"The sender name {bn.name} expires on {bn.valid_until:%d/%m/%Y} ({left} days left). "
            "File the renewal at least 15 days before expiry."
        ),
    )


def _vnd(amount):
    return f"{amount:,}".replace(",", ".")


def charge_raised(session, invoice, *, public_url=""):
    bn = invoice.brandname
    period = f"{invoice.period_start:%d/%m/%Y} – {invoice.period_end:%d/%m/%Y}"
    return Mail(
        to=holder_address(session, bn.holder),
        key=f"charge:{invoice.id}",
        subject=f"Chi phí duy trì tên định danh {bn.name} ({invoice.number}) / "
        f"Maintenance charge for {bn.name}",
        body=(
            f"Chi phí duy trì tên định danh {bn.name} kỳ {period}: {_vnd(invoice.amount_vnd)} đồng, "
            f"số {invoice.number}, hạn nộp {invoice.due_date:%d/%m/%Y}.\n"
            f"Căn cứ: {invoice.source}\n"
            f"Sau khi nộp, ghi mã giao dịch tại {public_url}/applicant/charges\n"
            "Quá 30 ngày kể từ hạn nộp mà chưa nộp, tên định danh có thể bị thu hồi "
            "(điểm b khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP).\n\n"
            f"The maintenance charge of the sender name {bn.name} for {period} is "
            f"{_vnd(invoice.amount_vnd)} VND ({invoice.number}), due by {invoice.due_date:%d/%m/%Y}. "
            f"Record the payment reference at {public_url}/applicant/charges. A charge unpaid more "
            "than 30 days after its due date may lead to the name's revocation."
        ),
    )


def charge_reminder(session, invoice, *, today, window, public_url=""):
    bn = invoice.brandname
    side, days = window
    due = f"{invoice.due_date:%d/%m/%Y}"
    if side == "before":
        left = (invoice.due_date - today).days
        vi = f"Chi phí duy trì {invoice.number} của tên {bn.name} đến hạn nộp ngày {due} (còn {left} ngày)."
        en = f"The maintenance charge {invoice.number} of {bn.name} is due on {due} ({left} days left)."
        subject = f"Nhắc nộp chi phí duy trì {bn.name} / Maintenance charge due on {due}"
    else:
        late = (today - invoice.due_date).days
        last = invoice.due_date + timedelta(days=30)
        vi = (
            f"Chi phí duy trì {invoice.number} của tên {bn.name} đã quá hạn nộp {late} ngày (hạn {due}). "
            f"Nếu đến hết ngày {last:%d/%m/%Y} vẫn chưa nộp, tên định danh có thể bị thu hồi theo "
            "điểm b khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP."
        )
        en = (
            f"The maintenance charge {invoice.number} of {bn.name} is {late} days overdue (due {due}). "
            f"Unpaid after {last:%d/%m/%Y}, the name may be revoked (Decree 91/2020, Art. 29(1)(b))."
        )
        subject = f"Chi phí duy trì {bn.name} quá hạn / Maintenance charge overdue ({bn.name})"
    return Mail(
        to=holder_address(session, bn.holder),
        key=f"charge-reminder:{invoice.id}:{side}:{days}",
        subject=subject,
        body=(
            f"{vi}\nSố tiền: {_vnd(invoice.amount_vnd)} đồng. Ghi mã giao dịch tại {public_url}/applicant/charges\n\n"
            f"{en} Amount: {_vnd(invoice.amount_vnd)} VND."
        ),
    )


def report_reminder(session, holder, *, what_vi, what_en, due, left, key, public_url=""):
    """A holder's report (Art. 30–31) falls due in `left` days: for a period or an ad-hoc request."""
    return Mail(
        to=holder_address(session, holder),
        key=key,
        subject=f"Nhắc nộp báo cáo: {what_vi}, hạn {due:%d/%m/%Y} / Report due on {due:%d/%m/%Y}",
        body=(
            f"{what_vi} của {holder.name} cần nộp chậm nhất ngày {due:%d/%m/%Y} (còn {left} ngày). "
            f"Nộp tệp báo cáo đã ký hoặc điền số liệu trực tuyến tại {public_url}/applicant/reports\n\n"
            f"{what_en} of {holder.name} is due by {due:%d/%m/%Y} ({left} days left). File the signed "
            f"report or fill in the online form at {public_url}/applicant/reports"
        ),
    )


def report_requested(session, request, *, public_url=""):
    """An officer asks the holder for an ad-hoc report."""
    holder = request.holder
    return Mail(
        to=holder_address(session, holder),
        key=f"report-request:{request.id}",
        subject=f"Yêu cầu báo cáo theo Mẫu số {request.form} / Report requested (Form {request.form})",
        body=(
            f"{holder.name} được yêu cầu báo cáo theo Mẫu số {request.form}: {request.subject}\n"
            f"Kỳ báo cáo: {request.period_start:%d/%m/%Y} – {request.period_end:%d/%m/%Y}. "
            f"Hạn nộp: {request.due_date:%d/%m/%Y}. Nộp tại {public_url}/applicant/reports\n\n"
            f"{holder.name} is asked for a report on Form {request.form} covering "
            f"{request.period_start:%d/%m/%Y} – {request.period_end:%d/%m/%Y}, due by "
            f"{request.due_date:%d/%m/%Y}. File it at {public_url}/applicant/reports"
        ),
    )


def account_created(account, *, link, expires, event, public_url=""):
    """A new sign-up's own mail: the account exists; the link proves the email before filing."""
    login = f"{public_url}/applicant/login"
    until = _t(expires)
    return Mail(
        to=account.email,
        key=f"account-created:{account.id}",
        subject="Tài khoản đã được tạo: xác nhận thư điện tử / Your account was created: confirm your email",
        body=(
            "Tài khoản người đăng ký của bạn đã được tạo. Để nộp hồ sơ đăng ký tên định danh, hãy xác nhận "
            f"địa chỉ thư này bằng liên kết sau (dùng được một lần, đến {until}, giờ Hà Nội):\n{link}\n"
            f"Đăng nhập tại {login}.\nNếu bạn không đăng ký, hãy trả lời thư này để báo cho chúng tôi.\n\n"
            "Your applicant account was created. To apply for sender names, confirm this address with the "
            f"link below (it works once, until {until}, Hanoi time):\n{link}\n"
            f"Sign in at {login}.\nIf you did not sign up, reply to this mail to tell us."
        ),
    )


def email_verification(account, *, link, expires, event, public_url=""):
    """A new "confirm your email" link, asked for by the signed-in account."""
    until = _t(expires)
    return Mail(
        to=account.email,
        key=f"email-verification:{event.seq}",
        subject="Xác nhận thư điện tử / Confirm your email",
        body=(
            f"Mở liên kết sau để xác nhận địa chỉ thư của tài khoản {account.email} (dùng được một lần, đến "
            f"{until}, giờ Hà Nội):\n{link}\nCác liên kết gửi trước đó vẫn dùng được đến khi hết hạn.\n\n"
            f"Open this link to confirm the address of the account {account.email} (it works once, until "
            f"{until}, Hanoi time):\n{link}\nLinks sent before still work until they expire."
        ),
    )


def invitation(invitation, holder, inviter, *, link, public_url=""):
    """An organization administrator's invitation: who invites, for which business, until when."""
    until = _t(invitation.expires_at)
    role_vi = "quản trị" if invitation.org_role == "admin" else "người dùng"
    role_en = "an administrator" if invitation.org_role == "admin" else "a user"
    who = inviter.full_name or inviter.email
    return Mail(
        to=invitation.email,
        key=f"invitation:{invitation.id}",
        subject=f"Lời mời tham gia tài khoản {holder.name} / Invitation to join {holder.name}",
        body=(
            f"{who} ({inviter.email}) mời bạn làm {role_vi} tài khoản của {holder.name} trên cổng đăng ký "
            "tên định danh: nộp và theo dõi các hồ sơ của tổ chức. Mở liên kết sau để nhận lời mời (dùng "
            f"được một lần, đến {until}, giờ Hà Nội):\n{link}\nNếu bạn không biết người mời, hãy bỏ qua thư "
            "này.\n\n"
            f"{who} ({inviter.email}) invites you to be {role_en} of the account of {holder.name} on the "
            "sender-name portal: to file and follow the organization's applications. Open this link to "
            f"accept (it works once, until {until}, Hanoi time):\n{link}\nIf you do not know who invited "
            "you, ignore this mail."
        ),
    )


def signup_attempted(account, event, *, public_url=""):
    """To the owner of an email someone typed at sign-up: no new account was made. One a day."""
    login = (
        f"{public_url}/officer/login"
        if account.role in Account.STAFF_ROLES
        else f"{public_url}/applicant/login"
    )
    when = _t(event.at)
    return Mail(
        to=account.email,
        key=f"signup-attempt:{account.id}:{dates.local_date(event.at).isoformat()}",
        subject="Có người đăng ký bằng thư điện tử của bạn / Someone signed up with your email",
        body=(
            f"Lúc {when} (giờ Hà Nội) có người dùng địa chỉ thư này để đăng ký tài khoản mới. Địa chỉ đã "
            "có tài khoản nên không có tài khoản nào được tạo.\n"
            f"Nếu đó là bạn, hãy đăng nhập bằng tài khoản hiện có tại {login}. Nếu không, bạn không cần "
            "làm gì; mật khẩu của bạn không bị thay đổi.\n\n"
            f"At {when} (Hanoi time) someone used this address to sign up for a new account. The address "
            "already has an account, so none was created.\n"
            f"If it was you, sign in with your existing account at {login}. If not, you need do nothing; "
            "your password was not changed."
        ),
    )


def password_reset(account, link, expires, event):
    """The "forgot password" link; it says until when it works and that it works once."""
    until = _t(expires)
    return Mail(
        to=account.email,
        key=f"password-reset:{event.seq}",
        subject="Đặt lại mật khẩu / Reset your password",
        body=(
            f"Có yêu cầu đặt lại mật khẩu cho tài khoản {account.email}. Mở liên kết sau để đặt mật khẩu "
            f"mới (dùng được một lần, đến {until}, giờ Hà Nội):\n{link}\n"
            "Đặt lại mật khẩu sẽ đăng xuất tài khoản trên mọi thiết bị. Nếu bạn không yêu cầu, hãy bỏ qua "
            "thư này; mật khẩu hiện tại vẫn giữ nguyên.\n\n"
            f"Someone asked to reset the password of {account.email}. Open this link to choose a new one "
            f"(it works once, until {until}, Hanoi time):\n{link}\n"
            "A reset signs the account out on every device. If you did not ask, ignore this mail; your "
            "password stays as it is."
        ),
    )


def claim_code(holder, account, *, to, code, expires, event, public_url=""):
    """The one-time code of a claim, to the email on the holder's record: who asks, for what, and
    what to do when it was not asked for."""
    until = _t(expires)
    link = f"{public_url}/applicant/claim/{event.subject_id}"
    return Mail(
        to=to,
        key=f"claim-code:{event.seq}",
        subject=f"Mã xác nhận nhận quyền {holder.name} / Claim code for {holder.name}",
        body=(
            f"Tài khoản {account.email} đề nghị nhận quyền quản lý các tên định danh của {holder.name} "
            f"(mã số {holder.id_number}) trên cổng đăng ký tên định danh.\n"
            f"Mã xác nhận: {code}\n"
            f"Mã dùng được một lần, đến {until} (giờ Hà Nội). Nhập mã tại {link}\n"
            "Nếu tổ chức của bạn không đề nghị việc này, đừng đưa mã cho ai; hãy bỏ qua thư này và báo cho "
            "Cục.\n\n"
            f"The account {account.email} asks to take charge of the sender names of {holder.name} "
            f"(code {holder.id_number}) on the sender-name portal.\n"
            f"Claim code: {code}\n"
            f"It works once, until {until} (Hanoi time). Enter it at {link}\n"
            "If your organization did not ask for this, give the code to nobody; ignore this mail and "
            "tell the Authority."
        ),
    )


def claim_decided(session, claim, *, public_url=""):
    """To the claimant: the holder is now theirs, or an officer refused the authorization (why)."""
    holder, account = claim.holder, claim.account
    if claim.status == "granted":
        link = f"{public_url}/applicant/names"
        return Mail(
            to=account.email,
            key=f"claim-decided:{claim.id}",
            subject=f"Đã nhận quyền {holder.name} / Claim of {holder.name} granted",
            body=(
                f"Tài khoản {account.email} nay là quản trị tài khoản của {holder.name} (mã số "
                f"{holder.id_number}). Các tên định danh của tổ chức, cá nhân này hiện ở {link}: bạn gia "
                "hạn, cấp lại hoặc từ bỏ chúng như mọi chủ thể khác, và mời thêm người dùng.\n\n"
                f"The account {account.email} now administers {holder.name} (code {holder.id_number}). "
                f"Its sender names are at {link}: renew, reissue or give them up like any holder, and "
                "invite other users."
            ),
        )
    link = f"{public_url}/applicant/claim/{claim.id}"
    return Mail(
        to=account.email,
        key=f"claim-decided:{claim.id}",
        subject=f"Yêu cầu nhận quyền {holder.name} bị từ chối / Claim of {holder.name} refused",
        body=(
            f"Cán bộ của Cục không chấp nhận giấy ủy quyền bạn gửi để nhận quyền {holder.name}.\n"
            f"Lý do: {claim.reason}\n"
            f"Bạn có thể tạo yêu cầu mới tại {public_url}/applicant/claim\n\n"
            f"An officer of the Authority did not accept the authorization you sent to claim {holder.name}.\n"
            f"Reason (in Vietnamese): {claim.reason}\n"
            f"You may start a new claim at {public_url}/applicant/claim (this one: {link})"
        ),
    )
