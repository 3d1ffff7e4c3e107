"""Applicant portal: sign up, apply, follow applications, pay, manage held names.

Views are thin: they read the form, call one lifecycle act with Actor.for_account(current_user),
queue the notification, and redirect; a DomainError re-renders the form with what was typed.
"""

from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from brandname import lifecycle, registry
from brandname.certificates import verification
from brandname.certificates.documents import certificate_pdf_path
from brandname.errors import DomainError, Forbidden, TooManyAttempts
from brandname.extensions import db, limiter
from brandname.lifecycle import accounts, organizations
from brandname.rules import charges as charge_rules
from brandname.rules import dates, form01, vietqr
from brandname.store.models import (
    Application,
    Authorization,
    Brandname,
    Certificate,
    ChargeInvoice,
    Document,
    Draft,
    Notification,
    RequestedName,
)
from brandname.web import forms, site, trail, uploads
from brandname.web.site import (
    LoginUser,
    actor,
    console_home,
    error_message,
    login_rate_limit,
    paginate,
    safe_next,
)

bp = Blueprint("applicant", __name__, url_prefix="/applicant")


def applicant_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.role != "applicant":
            abort(403)
        if current_user.holder_id is None:
            raise Forbidden(
                "Tài khoản này chưa thuộc hoặc không còn thuộc tổ chức nào. Nếu quản trị tài khoản của tổ "
                "chức đã bỏ bạn khỏi danh sách thành viên, hãy đề nghị quản trị mời lại. Nếu tên định danh "
                "của tổ chức đến từ hồ sơ giấy hoặc danh sách của doanh nghiệp viễn thông, hãy nhận quyền "
                "tại trang “Nhận quyền với tên đã đăng ký” (/applicant/claim).",
                "This account does not (or no longer) belong to an organization. If its administrator "
                "removed you from the members, ask to be invited again. If the organization's names came "
                "from a paper filing or a carrier's list, claim them on the page “Claim names already in "
                "the registry” (/applicant/claim).",
            )
        return view(*args, **kwargs)

    return wrapper


def own_application(application_id):
    """One of the holder's applications, whichever member filed it; any other holder's answers
    404, as if it did not exist."""
    application = db.session.get(Application, application_id)
    if application is None or application.holder_id != current_user.holder_id:
        abort(404)
    return application


def own_brandname(brandname_id):
    bn = db.session.get(Brandname, brandname_id)
    if bn is None or bn.holder_id != current_user.holder_id or bn.status == "released":
        abort(404)
    return bn


# -- sign up, sign in, sign out -------------------------------------------------------------


def do_login(template, *, staff):
    """Shared by the applicant and officer sign-in pages."""
    if request.method == "POST":
        email = request.form.get("email", "")
        client_key, known = site.sign_in_client(email)
        try:
            account = accounts.authenticate(
                db.session,
                email,
                request.form.get("password", ""),
                client_key=client_key,
                known_device=known,
                throttle=site.login_throttle(),
            )
        except TooManyAttempts as exc:
            response = render_template(template, form=request.form, message=error_message(exc))
            return response, exc.status
        if account is not None and account.is_staff == staff:
            if staff and account.totp_secret:
                return site.ask_second_factor(account, request.args.get("next"))
            login_user(LoginUser(account))
            if staff:
                default = console_home(account)
            elif account.holder_id is None:  # a claimant's account, or a member removed
                default = url_for("applicant.claim")
            else:
                default = url_for("applicant.home")
            return site.remember_device(redirect(safe_next(request.args.get("next"), default)), account.email)
        if account is not None:  # right password, wrong door
            message = (
                _("Tài khoản người đăng ký đăng nhập tại Cổng người đăng ký.")
                if staff
                else _("Tài khoản cán bộ đăng nhập tại Cổng cán bộ.")
            )
        else:
            message = _("Thư điện tử hoặc mật khẩu không đúng.")
        return render_template(template, form=request.form, message=message), 401
    return render_template(template, form={})


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and current_user.role == "applicant":
        return redirect(url_for("applicant.home"))
    return do_login("applicant/login.html", staff=False)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(db.session, current_user.account)
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("public.home"))


def do_change_password(layout):
    """Shared by both portals: the signed-in user changes their own password."""
    if request.method == "POST":
        try:
            accounts.change_password(
                db.session,
                current_user.account,
                current=request.form.get("current"),
                new=request.form.get("new"),
                repeat=request.form.get("repeat"),
                min_score=current_app.config["PASSWORD_MIN_SCORE"],
            )
        except DomainError as exc:
            return render_template(
                "password.html", layout=layout, error=exc, message=error_message(exc)
            ), exc.status
        login_user(LoginUser(current_user.account))  # this session goes on in the new generation
        flash(_("Đã đổi mật khẩu."), "success")
        return redirect(console_home(current_user) if current_user.is_staff else url_for("applicant.home"))
    return render_template("password.html", layout=layout)


@bp.route("/password", methods=["GET", "POST"])
@applicant_required
def password():
    return do_change_password("base.html")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def forgot():
    """ "Quên mật khẩu": the same answer whether or not the email has an account."""
    if request.method == "POST":
        accounts.request_password_reset(
            db.session,
            request.form.get("email", ""),
            minutes=current_app.config["PASSWORD_RESET_MINUTES"],
            public_url=current_app.config["PUBLIC_URL"],
            authority=(registry.rules().authority, registry.rules().authority_en),
        )
        return render_template("applicant/forgot.html", sent=True)
    return render_template("applicant/forgot.html", sent=False)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def reset(token):
    try:
        _reset, account = accounts.reset_for_token(db.session, token)
    except DomainError as exc:
        return render_template("applicant/reset.html", invalid=True, message=error_message(exc)), exc.status
    if request.method == "POST":
        try:
            accounts.reset_password(
                db.session,
                token,
                new=request.form.get("new"),
                repeat=request.form.get("repeat"),
                min_score=current_app.config["PASSWORD_MIN_SCORE"],
            )
        except DomainError as exc:
            return render_template(
                "applicant/reset.html", invalid=False, message=error_message(exc)
            ), exc.status
        logout_user()
        flash(_("Đã đặt mật khẩu mới; mọi phiên đăng nhập cũ đã kết thúc. Vui lòng đăng nhập."), "success")
        return redirect(url_for("officer.login" if account.is_staff else "applicant.login"))
    return render_template("applicant/reset.html", invalid=False)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if request.method == "POST":
        form = request.form
        if form.get("password") != form.get("password2"):
            return render_template(
                "applicant/signup.html", form=form, message=_("Hai lần nhập mật khẩu không khớp.")
            ), 400
        try:
            accounts.register_applicant(
                db.session,
                email=form.get("email"),
                password=form.get("password"),
                profile=forms.applicant_from_form(form),
                public_url=current_app.config["PUBLIC_URL"],
                authority=(registry.rules().authority, registry.rules().authority_en),
                min_score=current_app.config["PASSWORD_MIN_SCORE"],
                verification_hours=current_app.config["EMAIL_VERIFICATION_HOURS"],
                claim=form.get("claim") == "1",
            )
        except DomainError as exc:
            return render_template(
                "applicant/signup.html", form=form, error=exc, message=error_message(exc)
            ), exc.status
        # the same page whether the email was new (an account was made) or not (its owner was
        # told): nothing here says which
        return render_template("applicant/signup_sent.html")
    return render_template("applicant/signup.html", form={"app_kind": "organization"})


# -- the email's proof, before filing --------------------------------------------------------


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def verify(token):
    """The link of the sign-up mail. Opening it shows a button: mail scanners that fetch links
    spend nothing; pressing it proves the email."""
    if request.method == "POST":
        try:
            accounts.verify_email(db.session, token)
        except DomainError as exc:
            return render_template(
                "applicant/verify.html", invalid=True, message=error_message(exc)
            ), exc.status
        flash(_("Đã xác nhận thư điện tử. Tài khoản đã nộp được hồ sơ."), "success")
        if current_user.is_authenticated and current_user.role == "applicant":
            return redirect(url_for("applicant.home"))
        return redirect(url_for("applicant.login"))
    return render_template("applicant/verify.html", invalid=False)


@bp.post("/verify/resend")
@applicant_required
def resend_verification():
    token = accounts.request_email_verification(
        db.session,
        current_user.account,
        hours=current_app.config["EMAIL_VERIFICATION_HOURS"],
        public_url=current_app.config["PUBLIC_URL"],
        authority=(registry.rules().authority, registry.rules().authority_en),
    )
    if token is None and current_user.email_verified_at is None:
        flash(_("Liên kết vừa được gửi; chờ vài phút rồi xem hộp thư (cả thư mục thư rác)."), "info")
    elif token is not None:
        flash(_("Đã gửi lại liên kết xác nhận đến %(email)s.", email=current_user.email), "success")
    return redirect(safe_next(request.form.get("next"), url_for("applicant.home")))


# -- the organization's members ------------------------------------------------------------


def _render_members(*, status=200, error=None, form=None):
    from brandname.store.models import Event

    holder = current_user.holder
    history = db.session.scalars(
        select(Event)
        .where(Event.subject_type == "holder", Event.subject_id == holder.id)
        .where(
            Event.act.in_(
                (
                    "invite_member",
                    "withdraw_invitation",
                    "join_organization",
                    "remove_member",
                    "set_member_role",
                )
            )
        )
        .order_by(Event.seq.desc())
        .limit(50)
    ).all()
    members = organizations.members(db.session, holder.id)
    return render_template(
        "applicant/members.html",
        holder=holder,
        members=members,
        # the last administrator is offered neither "make a user" nor "remove": both are refused
        last_admin=sum(1 for m in members if m.org_role == "admin") <= 1,
        invitations=organizations.open_invitations(db.session, holder.id)
        if current_user.org_role == "admin"
        else [],
        history=trail.describe(db.session, history),
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.get("/members")
@applicant_required
def members():
    return _render_members()[0]


@bp.post("/members/invite")
@applicant_required
def invite():
    try:
        invitation, _token = organizations.invite(
            db.session,
            current_user.account,
            email=request.form.get("email"),
            role=request.form.get("org_role") or "user",
            days=current_app.config["INVITATION_DAYS"],
            public_url=current_app.config["PUBLIC_URL"],
            authority=(registry.rules().authority, registry.rules().authority_en),
        )
    except DomainError as exc:
        return _render_members(status=exc.status, error=exc, form=request.form)
    flash(_("Đã gửi lời mời đến %(email)s.", email=invitation.email), "success")
    return redirect(url_for("applicant.members"))


@bp.post("/invitations/<int:invitation_id>/withdraw")
@applicant_required
def withdraw_invitation_view(invitation_id):
    try:
        organizations.withdraw_invitation(db.session, current_user.account, invitation_id)
    except DomainError as exc:
        return _render_members(status=exc.status, error=exc)
    flash(_("Đã thu hồi lời mời."), "success")
    return redirect(url_for("applicant.members"))


@bp.post("/members/<int:member_id>/remove")
@applicant_required
def remove_member(member_id):
    leaving = member_id == current_user.id
    try:
        member = organizations.remove_member(db.session, current_user.account, member_id)
    except DomainError as exc:
        return _render_members(status=exc.status, error=exc)
    if leaving:
        logout_user()
        flash(_("Bạn đã rời tài khoản của tổ chức."), "info")
        return redirect(url_for("public.home"))
    flash(
        _("Đã bỏ %(email)s khỏi tổ chức; mọi phiên đăng nhập của người này đã kết thúc.", email=member.email),
        "success",
    )
    return redirect(url_for("applicant.members"))


@bp.post("/members/<int:member_id>/role")
@applicant_required
def member_role(member_id):
    try:
        member = organizations.set_role(
            db.session, current_user.account, member_id, request.form.get("org_role") or ""
        )
    except DomainError as exc:
        return _render_members(status=exc.status, error=exc)
    flash(_("Đã đổi vai trò của %(email)s.", email=member.email), "success")
    return redirect(url_for("applicant.members"))


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def join(token):
    """The invitation's link: a new member sets a name and password; an address that already has
    an account (of no holder) joins with its password."""
    try:
        invitation, holder, existing = organizations.invitation_for_token(db.session, token)
    except DomainError as exc:
        return render_template("applicant/join.html", invalid=True, message=error_message(exc)), exc.status
    page = {"invitation": invitation, "holder": holder, "existing": existing is not None, "invalid": False}
    if request.method == "POST":
        try:
            account = organizations.accept(
                db.session,
                token,
                password=request.form.get("password"),
                repeat=request.form.get("password2"),
                full_name=request.form.get("full_name"),
                current_password=request.form.get("current_password"),
                min_score=current_app.config["PASSWORD_MIN_SCORE"],
            )
        except DomainError as exc:
            return render_template(
                "applicant/join.html", **page, form=request.form, message=error_message(exc)
            ), exc.status
        login_user(LoginUser(account))
        flash(_("Bạn đã tham gia tài khoản của %(name)s.", name=holder.name), "success")
        return redirect(url_for("applicant.home"))
    return render_template("applicant/join.html", **page, form={})


# -- overview -------------------------------------------------------------------------------


@bp.get("/")
@applicant_required
def home():
    applications, page, pages, _total = paginate(
        db.session,
        select(Application)
        .where(Application.holder_id == current_user.holder_id)
        .order_by(Application.received_at.desc(), Application.id.desc()),
        size=20,
    )
    names = db.session.scalars(
        select(Brandname)
        .where(Brandname.holder_id == current_user.holder_id, Brandname.status != "released")
        .order_by(Brandname.name_normal)
    ).all()
    drafts = db.session.scalars(
        select(Draft).where(Draft.holder_id == current_user.holder_id).order_by(Draft.updated_at.desc())
    ).all()
    return render_template(
        "applicant/home.html",
        drafts=drafts,
        applications=applications,
        names=names,
        holder=current_user.holder,
        page=page,
        pages=pages,
    )


# -- applying -------------------------------------------------------------------------------


def _apply_form(
    mode, *, form, application=None, brandname=None, status=200, error=None, lost_files=(), draft=None
):
    return render_template(
        "applicant/apply.html",
        mode=mode,
        draft=draft,
        form=form,
        error=error,
        message=error_message(error) if error else None,
        rows=forms.row_count(form, 1),
        previous=application,
        brandname=brandname,
        holder=current_user.holder,
        lost_files=list(lost_files),
    ), status


def _file_problems(files):
    """Every uploaded file's problem, as one error about the documents (or None)."""
    problems = []
    for _kind, filename, data in files:
        try:
            uploads.check(data, filename)
        except DomainError as exc:
            problems.append((f"{filename}: {exc.message_vi}", f"{filename}: {exc.message_en}"))
    if not problems:
        return None
    return form01.field_error(
        "documents",
        "Tài liệu: " + " ".join(p[0] for p in problems),
        "Documents: " + " ".join(p[1] for p in problems),
    )


def _save_draft(form, rows, applicant, lost, draft):
    """ "Lưu nháp": keep what was typed, checked for length only; chosen files are not kept."""
    try:
        saved = lifecycle.save_draft(
            db.session,
            actor=actor(),
            applicant=applicant,
            names=rows,
            commitments=form.get("commitments") == "on",
            draft_id=draft.id if draft else None,
            rules=registry.rules(),
        )
    except DomainError as exc:
        return _apply_form("issue", form=form, status=exc.status, error=exc, lost_files=lost, draft=draft)
    flash(_("Đã lưu bản nháp. Mở lại từ trang Hồ sơ của tôi để nộp tiếp."), "success")
    if lost:
        flash(
            _(
                "Bản nháp không lưu tệp đính kèm; hãy chọn lại khi nộp: %(files)s",
                files=", ".join(lost),
            ),
            "warning",
        )
    return redirect(url_for("applicant.draft", draft_id=saved.id))


def _submit_from_form(mode, *, previous=None, brandname=None, draft=None):
    form = request.form
    lost = [storage.filename for storage in request.files.values() if storage and storage.filename]
    if form.get("add_row"):  # without JavaScript, "add a name" re-renders the form one row longer
        more = forms.plain(form)
        more[f"n-{forms.row_count(form, 1)}-use_sms"] = "on"
        return _apply_form(
            mode, form=more, application=previous, brandname=brandname, lost_files=lost, draft=draft
        )
    if (form.get("remove_row") or "").isdigit():  # without JavaScript, "remove this name"
        fewer = forms.without_row(forms.plain(form), int(form["remove_row"]))
        fewer.pop("remove_row", None)
        return _apply_form(
            mode, form=fewer, application=previous, brandname=brandname, lost_files=lost, draft=draft
        )
    if current_user.email_verified_at is None:
        # said before anything else: no other correction makes the filing possible
        return _apply_form(
            mode,
            form=form,
            application=previous,
            brandname=brandname,
            status=403,
            error=accounts.unverified_email(),
            lost_files=lost,
        )
    applicant = forms.applicant_from_form(form)
    holder = current_user.holder
    applicant["kind"], applicant["id_number"] = holder.kind, holder.id_number  # fixed by the account
    rows = forms.name_rows_from_form(form)
    if mode == "issue" and form.get("save_draft"):
        return _save_draft(form, rows, applicant, lost, draft)
    files = forms.uploads_from_request(request.files, form)
    try:
        file_problem = _file_problems(files)
        if file_problem is not None:
            # the rest of the form is checked too, so that every error shows at once
            problems = [file_problem]
            for check in (
                lambda: form01.validate_applicant(applicant),
                lambda: form01.validate_name_entries(rows) if mode in ("issue", "resubmit") else None,
            ):
                try:
                    check()
                except DomainError as exc:
                    problems.append(exc)
            raise form01.combine(problems)
        application = lifecycle.submit(
            db.session,
            applicant=applicant,
            actor=actor(),
            account_id=current_user.id,
            kind="issue" if mode in ("issue", "resubmit") else mode,
            names=rows if mode in ("issue", "resubmit") else (rows[:1] or None),
            brandname=brandname.name if brandname else None,
            reissue_reason=form.get("reissue_reason") if mode == "reissue" else None,
            commitments_confirmed=form.get("commitments") == "on",
            resubmission_of_id=previous.id if previous else None,
            draft_id=draft.id if draft else None,
            rules=registry.rules(),
        )
    except DomainError as exc:
        # a browser cannot be handed back the files it sent: say so, naming them
        return _apply_form(
            mode,
            form=form,
            application=previous,
            brandname=brandname,
            status=exc.status,
            error=exc,
            lost_files=lost,
            draft=draft,
        )
    failed = []
    for kind, filename, data in files:
        try:
            uploads.store(
                db.session,
                application.id,
                data=data,
                filename=filename,
                kind=kind,
                actor=actor(),
                data_dir=current_app.config["DATA_DIR"],
            )
        except DomainError as exc:
            failed.append(error_message(exc))
    flash(
        _(
            "Đã tiếp nhận hồ sơ số %(id)s lúc %(time)s. Hạn trả lời: %(due)s.",
            id=application.id,
            time=_vn(application.received_at),
            due=_vn(application.decision_due_at),
        ),
        "success",
    )
    for message in failed:
        flash(message, "error")
    return redirect(url_for("applicant.application", application_id=application.id))


def _vn(moment):
    from brandname.web.site import vntime

    return vntime(moment)


@bp.route("/apply", methods=["GET", "POST"])
@applicant_required
def apply():
    if request.method == "POST":
        return _submit_from_form("issue")
    form = forms.applicant_to_form(forms.holder_as_applicant(current_user.holder))
    form["n-0-use_sms"] = "on"
    return _apply_form("issue", form=form)[0]


# -- drafts: a Form 01 kept to finish later ------------------------------------------------


def own_draft(draft_id):
    """The holder's own draft; anyone else's answers 404, as if it did not exist."""
    from brandname.lifecycle.drafts import own_draft as find

    try:
        return find(db.session, draft_id, actor())
    except DomainError:
        abort(404)


def draft_as_form(draft):
    form = forms.applicant_to_form(draft.form.get("applicant") or {})
    holder = current_user.holder
    form["app_kind"], form["app_id_number"] = holder.kind, holder.id_number
    rows = draft.form.get("names") or []
    form.update(forms.name_rows_to_form(rows))
    if not rows:
        form["n-0-use_sms"] = "on"
    if draft.form.get("commitments"):
        form["commitments"] = "on"
    return form


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
@applicant_required
def draft(draft_id):
    found = own_draft(draft_id)
    if request.method == "POST":
        return _submit_from_form("issue", draft=found)
    return _apply_form("issue", form=draft_as_form(found), draft=found)[0]


@bp.post("/drafts/<int:draft_id>/delete")
@applicant_required
def delete_draft(draft_id):
    found = own_draft(draft_id)
    lifecycle.delete_draft(db.session, found.id, actor=actor())
    flash(_("Đã xóa bản nháp."), "success")
    return redirect(url_for("applicant.home"))


@bp.route("/applications/<int:application_id>/resubmit", methods=["GET", "POST"])
@applicant_required
def resubmit(application_id):
    previous = own_application(application_id)
    if previous.status != "rejected" or previous.kind != "issue":
        abort(404)
    if request.method == "POST":
        return _submit_from_form("resubmit", previous=previous)
    form = forms.applicant_to_form(previous.applicant)
    form.update(
        forms.name_rows_to_form(
            [
                {
                    "name": rn.name,
                    "purpose": rn.purpose,
                    "products": rn.products,
                    "sectors": rn.sectors,
                    "carriers": rn.carriers,
                    "use_sms": rn.use_sms,
                    "use_voice": rn.use_voice,
                }
                for rn in previous.names
            ]
        )
    )
    return _apply_form("resubmit", form=form, application=previous)[0]


def _followup(brandname_id, mode):
    bn = own_brandname(brandname_id)
    if request.method == "POST":
        return _submit_from_form(mode, brandname=bn)
    form = forms.applicant_to_form(forms.holder_as_applicant(current_user.holder))
    form.update(
        forms.name_rows_to_form(
            [{"name": bn.name, "purpose": bn.purpose, "use_sms": bn.use_sms, "use_voice": bn.use_voice}]
        )
    )
    return _apply_form(mode, form=form, brandname=bn)[0]


@bp.route("/names/<int:brandname_id>/reissue", methods=["GET", "POST"])
@applicant_required
def reissue(brandname_id):
    return _followup(brandname_id, "reissue")


@bp.route("/names/<int:brandname_id>/renew", methods=["GET", "POST"])
@applicant_required
def renew(brandname_id):
    return _followup(brandname_id, "renewal")


# -- one application ------------------------------------------------------------------------


def _documents(application):
    return db.session.scalars(
        select(Document).where(Document.application_id == application.id).order_by(Document.id)
    ).all()


def _render_application(application, *, status=200, error=None, form=None):
    return render_template(
        "applicant/application.html",
        application=application,
        documents=_documents(application),
        missing_documents=lifecycle.queries.missing_documents(db.session, application),
        request_limit=lifecycle.applications.DOCUMENTS_REQUEST_LIMIT,
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
        payee=registry.payee(),
        transfer_content=registry.transfer_content(application),
        history=_history(application),
    ), status


def _history(application):
    """The dossier's events in words, each saying who did it: the member of the organization by
    name and email, the Authority as such (its officers' names stay inside)."""
    from brandname.store.models import Event

    events = db.session.scalars(
        select(Event).where(Event.application_id == application.id).order_by(Event.seq)
    ).all()
    return trail.describe(db.session, events, for_applicant=True)


@bp.get("/applications/<int:application_id>/receipt.pdf")
@login_required
def receipt(application_id):
    """The dossier's receipt, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả": its owner's, or any
    staff member's; anyone else's answers 404, as if it did not exist."""
    from brandname.certificates import receipt as receipt_pdf

    if current_user.is_staff:
        application = db.session.get(Application, application_id) or abort(404)
    elif current_user.role == "applicant" and current_user.holder_id is not None:
        application = own_application(application_id)
    else:
        abort(403)
    data = receipt_pdf.render(
        application,
        _documents(application),
        authority=registry.rules().authority,
        public_url=current_app.config["PUBLIC_URL"],
    )
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{application.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/applications/<int:application_id>/vietqr.png")
@applicant_required
def vietqr_code(application_id):
    """The VietQR code of the fee: a banking app reads the account, the amount and the content."""
    import io

    import segno

    application = own_application(application_id)
    payee = registry.payee()
    if payee is None or application.status != "approved" or not application.fee_vnd:
        abort(404)
    text = vietqr.payload(payee, application.fee_vnd, registry.transfer_content(application))
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=6, border=4)
    response = current_app.response_class(out.getvalue(), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/applications/<int:application_id>")
@applicant_required
def application(application_id):
    return _render_application(own_application(application_id))[0]


@bp.post("/applications/<int:application_id>/documents")
@applicant_required
def upload(application_id):
    application = own_application(application_id)
    files = forms.uploads_from_request(request.files, request.form)
    if not files:
        return _render_application(
            application, status=400, error=DomainError("Chọn một tệp để tải lên.", "Choose a file to upload.")
        )
    try:
        for kind, filename, data in files:
            uploads.store(
                db.session,
                application.id,
                data=data,
                filename=filename,
                kind=kind,
                actor=actor(),
                data_dir=current_app.config["DATA_DIR"],
            )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc)
    flash(_("Đã tải lên tài liệu."), "success")
    return redirect(url_for("applicant.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/supplement")
@applicant_required
def supplement(application_id):
    """The answer to a request for more documents: the files attached, then the answer itself
    (lifecycle.supplement_documents), which ends the request and restarts the clock."""
    application = own_application(application_id)
    files = forms.uploads_from_request(request.files, request.form)
    reply = request.form.get("reply")
    try:
        if not files and not (reply or "").strip():
            raise DomainError(
                "Hãy đính kèm tài liệu được yêu cầu hoặc ghi nội dung trả lời.",
                "Attach the documents asked for or write a reply.",
            )
        if application.documents_requested_at is None:
            raise DomainError(
                "Hồ sơ không có yêu cầu bổ sung nào đang chờ.",
                "The application has no open request for more documents.",
            )
        for _kind, filename, data in files:
            uploads.check(data, filename)
        for kind, filename, data in files:
            uploads.store(
                db.session,
                application.id,
                data=data,
                filename=filename,
                kind=kind,
                actor=actor(),
                data_dir=current_app.config["DATA_DIR"],
            )
        lifecycle.supplement_documents(
            db.session, application.id, actor=actor(), reply=reply, rules=registry.rules()
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc, form=request.form)
    flash(_("Đã gửi bổ sung hồ sơ số %(id)s.", id=application.id), "success")
    return redirect(url_for("applicant.application", application_id=application.id))


@bp.get("/documents/<int:document_id>")
@applicant_required
def document(document_id):
    doc = db.session.get(Document, document_id)
    if doc is None or doc.application.holder_id != current_user.holder_id:
        abort(404)
    return send_document(doc)


def send_document(doc):
    """Serve an upload with its detected type; attachment unless it is an image or a PDF."""
    path = uploads.path_of(doc, current_app.config["DATA_DIR"])
    if not path.is_file():
        abort(404)
    inline = uploads.disposition(doc) == "inline"
    response = send_file(
        path,
        mimetype=doc.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=doc.original_filename,
        max_age=0,
        etag=False,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'none'"
    )
    return response


@bp.post("/applications/<int:application_id>/withdraw")
@applicant_required
def withdraw(application_id):
    application = own_application(application_id)
    try:
        lifecycle.withdraw(db.session, application.id, actor=actor(), rules=registry.rules())
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc)
    flash(_("Đã rút hồ sơ số %(id)s.", id=application.id), "success")
    return redirect(url_for("applicant.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/names/<int:requested_name_id>/withdraw")
@applicant_required
def withdraw_name(application_id, requested_name_id):
    application = own_application(application_id)
    requested = db.session.get(RequestedName, requested_name_id)
    if requested is None or requested.application_id != application.id:
        abort(404)
    name = requested.name
    try:
        lifecycle.withdraw_name(
            db.session, application.id, requested.id, actor=actor(), rules=registry.rules()
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc)
    if application.status == "withdrawn":
        flash(
            _("Đã rút tên cuối cùng %(name)s: hồ sơ số %(id)s đã được rút.", name=name, id=application.id),
            "success",
        )
    else:
        flash(
            _(
                "Đã rút tên %(name)s khỏi hồ sơ số %(id)s; các tên còn lại vẫn được xét.",
                name=name,
                id=application.id,
            ),
            "success",
        )
    return redirect(url_for("applicant.application", application_id=application.id))


# -- notifications in the portal: the mails the account received ---------------------------


def _notification_link(n):
    if n.application_id is not None:
        application = db.session.get(Application, n.application_id)
        if application is not None and application.holder_id == current_user.holder_id:
            return url_for("applicant.application", application_id=n.application_id)
    if n.brandname_id is not None:
        bn = db.session.get(Brandname, n.brandname_id)
        if bn is not None and bn.holder_id == current_user.holder_id and bn.status != "released":
            return url_for("applicant.name", brandname_id=n.brandname_id)
    return None


@bp.get("/notifications")
@applicant_required
def notifications():
    show = request.args.get("show")
    stmt = select(Notification).where(Notification.account_id == current_user.id)
    if show == "unread":
        stmt = stmt.where(Notification.read_at.is_(None))
    rows, page, pages, total = paginate(
        db.session, stmt.order_by(Notification.created_at.desc(), Notification.id.desc()), size=20
    )
    return render_template(
        "applicant/notifications.html",
        notifications=rows,
        link_of=_notification_link,
        show=show,
        page=page,
        pages=pages,
        total=total,
    )


@bp.post("/notifications/read")
@applicant_required
def read_notifications():
    """Mark read: the ticked ones (`id`, repeated), or all of them (`all`)."""
    ids = None if request.form.get("all") else [i for i in request.form.getlist("id") if i.isdigit()]
    lifecycle.mark_notifications_read(db.session, current_user.id, ids)
    return redirect(url_for("applicant.notifications", show=request.form.get("show") or None))


@bp.get("/notifications/<int:notification_id>")
@applicant_required
def open_notification(notification_id):
    """Open one: it is marked read, and the page of its application or name opens."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.account_id != current_user.id:
        abort(404)
    lifecycle.mark_notifications_read(db.session, current_user.id, [n.id])
    return redirect(_notification_link(n) or url_for("applicant.notifications") + f"#n-{n.id}")


@bp.app_context_processor
def unread_notifications():
    def count():
        if not (current_user.is_authenticated and current_user.role == "applicant"):
            return 0
        from sqlalchemy import func

        return db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.account_id == current_user.id, Notification.read_at.is_(None)
            )
        )

    return {"unread_notifications": count}


@bp.post("/applications/<int:application_id>/payment")
@applicant_required
def payment(application_id):
    application = own_application(application_id)
    try:
        lifecycle.record_payment(
            db.session, application.id, actor=actor(), reference=request.form.get("reference")
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc, form=request.form)
    flash(_("Đã ghi nhận mã giao dịch; cán bộ sẽ xác nhận lệ phí."), "success")
    return redirect(url_for("applicant.application", application_id=application.id))


# -- maintenance charges -------------------------------------------------------------------


def _render_charges(*, status=200, error=None, form=None, invoice_id=None):
    invoices = db.session.scalars(
        select(ChargeInvoice)
        .where(ChargeInvoice.holder_id == current_user.holder_id)
        .order_by((ChargeInvoice.status != "open"), ChargeInvoice.due_date.desc(), ChargeInvoice.id.desc())
    ).all()
    today = dates.local_today()
    return render_template(
        "applicant/charges.html",
        invoices=invoices,
        today=today,
        awaiting={i.id: next((p for p in i.payments if p.status == "recorded"), None) for i in invoices},
        arrears_from=charge_rules.arrears_from,
        form=form or {},
        failed_invoice=invoice_id,
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.get("/charges")
@applicant_required
def charges():
    return _render_charges()[0]


@bp.post("/charges/<int:invoice_id>/payment")
@applicant_required
def charge_payment(invoice_id):
    invoice = db.session.get(ChargeInvoice, invoice_id)
    if invoice is None or invoice.holder_id != current_user.holder_id:
        abort(404)
    try:
        lifecycle.record_charge_payment(
            db.session, invoice.id, actor=actor(), reference=request.form.get("reference")
        )
    except DomainError as exc:
        return _render_charges(status=exc.status, error=exc, form=request.form, invoice_id=invoice.id)
    flash(_("Đã ghi nhận mã giao dịch; cán bộ sẽ xác nhận khoản chi phí duy trì."), "success")
    return redirect(url_for("applicant.charges"))


# -- my names -------------------------------------------------------------------------------


@bp.get("/names")
@applicant_required
def names():
    rows = db.session.scalars(
        select(Brandname)
        .where(Brandname.holder_id == current_user.holder_id, Brandname.status != "released")
        .order_by(Brandname.name_normal)
    ).all()
    return render_template("applicant/names.html", names=rows, renewal=_renewal_state)


def _renewal_state(bn):
    if bn.status != "active" or bn.valid_until is None:
        return None
    rules = registry.rules()
    return dates.renewal_status(
        dates.local_today(), bn.valid_until, rules.renewal_window_days, rules.renewal_on_time_days
    )


def _render_name(bn, *, status=200, error=None, form=None):
    return render_template(
        "applicant/name.html",
        bn=bn,
        renewal_state=_renewal_state(bn),
        renewal_opens=(
            dates.renewal_opens(bn.valid_until, registry.rules().renewal_window_days)
            if bn.valid_until
            else None
        ),
        authorizations=lifecycle.active_authorizations(db.session, bn.id),
        variants=lifecycle.queries.variants_of(db.session, bn.id),
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.get("/names/<int:brandname_id>")
@applicant_required
def name(brandname_id):
    return _render_name(own_brandname(brandname_id))[0]


@bp.get("/names/<int:brandname_id>/certificate.pdf")
@applicant_required
def certificate(brandname_id):
    bn = own_brandname(brandname_id)
    serial = request.args.get("serial")
    cert = bn.current_certificate
    if not serial and (cert is None or verification.certificate_status(cert) != "active"):
        # a revoked, given-up or expired name has no certificate in force to hand out
        abort(404)
    if serial:
        cert = db.session.scalars(
            select(Certificate).where(Certificate.serial == serial, Certificate.brandname_id == bn.id)
        ).first()
    if cert is None:
        abort(404)
    path = certificate_pdf_path(cert)
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=f"{cert.serial}.pdf", max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/names/<int:brandname_id>/give-up")
@applicant_required
def give_up(brandname_id):
    bn = own_brandname(brandname_id)
    if request.form.get("confirm") != "on":
        return _render_name(
            bn,
            status=400,
            form=request.form,
            error=DomainError(
                "Hãy đánh dấu xác nhận trước khi đề nghị thu hồi.",
                "Tick the confirmation before giving the name up.",
            ),
        )
    try:
        lifecycle.give_up(
            db.session,
            bn.id,
            actor=actor(),
            request_note=request.form.get("note", ""),
            rules=registry.rules(),
        )
    except DomainError as exc:
        return _render_name(bn, status=exc.status, error=exc, form=request.form)
    flash(_("Tên định danh %(name)s đã được thu hồi theo đề nghị của bạn.", name=bn.name), "success")
    return redirect(url_for("applicant.name", brandname_id=bn.id))


@bp.post("/names/<int:brandname_id>/authorizations")
@applicant_required
def authorize(brandname_id):
    bn = own_brandname(brandname_id)
    try:
        lifecycle.authorize(
            db.session,
            bn.id,
            actor=actor(),
            party_id_number=request.form.get("party_id_number"),
            party_name=request.form.get("party_name"),
        )
    except DomainError as exc:
        return _render_name(bn, status=exc.status, error=exc, form=request.form)
    flash(_("Đã thêm bên được ủy quyền."), "success")
    return redirect(url_for("applicant.name", brandname_id=bn.id))


@bp.post("/names/<int:brandname_id>/variants")
@applicant_required
def request_variant(brandname_id):
    bn = own_brandname(brandname_id)
    try:
        variant = lifecycle.request_variant(
            db.session, bn.id, actor=actor(), name=request.form.get("variant", "")
        )
    except DomainError as exc:
        return _render_name(bn, status=exc.status, error=exc, form=request.form)
    flash(_("Đã gửi đề nghị bảo vệ biến thể %(name)s; cán bộ sẽ xét duyệt.", name=variant.name), "success")
    return redirect(url_for("applicant.name", brandname_id=bn.id) + "#variants")


@bp.post("/authorizations/<int:authorization_id>/withdraw")
@applicant_required
def withdraw_authorization(authorization_id):
    auth = db.session.get(Authorization, authorization_id)
    if auth is None:
        abort(404)
    bn = own_brandname(auth.brandname_id)
    try:
        lifecycle.withdraw_authorization(db.session, auth.id, actor=actor())
    except DomainError as exc:
        return _render_name(bn, status=exc.status, error=exc)
    flash(_("Đã thu hồi ủy quyền."), "success")
    return redirect(url_for("applicant.name", brandname_id=bn.id))


from brandname.web.applicant import claims, periodic  # noqa: E402,F401  (the claims' and periodic reports' routes)
