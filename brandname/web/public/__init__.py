"""Public pages: no login. Home, lookup of registered names, revocation notices."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from sqlalchemy import func, or_, select

from brandname import lifecycle, registry
from brandname.extensions import db, public_lookup_limit
from brandname.lifecycle import tracking as dossier_tracking
from brandname.rules import dates, grounds, privacy
from brandname.store import search
from brandname.store.models import Brandname, Holder, LegacyRow

bp = Blueprint("public", __name__)
PAGE_SIZE = 20


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/.well-known/security.txt")
def security_txt():
    """RFC 9116: where to report a vulnerability. Expires is kept half a year ahead, as the RFC
    asks for less than a year, so the file never goes stale while the registry runs."""
    public_url = current_app.config["PUBLIC_URL"]
    contacts = [c.strip() for c in current_app.config.get("SECURITY_CONTACT", "").split(",") if c.strip()]
    if not contacts:
        contacts = [f"mailto:security@{urlsplit(public_url).hostname or 'localhost'}"]
    expires = (dates.utcnow() + timedelta(days=180)).replace(microsecond=0)
    lines = [f"Contact: {c}" for c in contacts] + [
        f"Expires: {expires.isoformat()}Z",
        "Preferred-Languages: vi, en",
        f"Canonical: {public_url}/.well-known/security.txt",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


from brandname.web.public import verify  # noqa: E402,F401  (registers routes on bp)


def _page():
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


@bp.get("/lookup")
@public_lookup_limit
def lookup():
    """Registered names, case-insensitive, prefix matches first, then substring matches."""
    q = request.args.get("q") or ""
    read = registry.read_session()
    result = search.search_names(read, q, page=_page(), per_page=PAGE_SIZE)
    exact = any(h["name"].upper() == q.strip().upper() for h in result.results)
    # a name typed in full that no row holds: say why it cannot be registered; that it can, only
    # when nothing else matched (beside partial matches, "it can be registered" is noise)
    verdict = lifecycle.availability(read, q.strip()) if q.strip() and not exact else None
    if verdict is not None and verdict["registrable"] and result.results:
        verdict = None
    return render_template(
        "public/lookup.html", q=q, result=result, ended=_ended(read, result.results), verdict=verdict
    )


def _ended(session, hits):
    """{name: (date, ground)} for the revoked and expired names among the hits: the lookup says
    when and on which ground each one ended, as the public notices do."""
    names = [h["name"] for h in hits if h["status"] in ("revoked", "expired")]
    if not names:
        return {}
    rows = session.execute(
        select(
            Brandname.name, Brandname.revoked_at, Brandname.valid_until, Brandname.revocation_ground
        ).where(Brandname.name.in_(names), Brandname.status.in_(("revoked", "expired")))
    ).all()
    # the day each one took effect, as its notice states it
    return {
        name: (dates.local_date(revoked), ground)
        if revoked
        else (grounds.expiry_effective_date(until), "expired")
        for name, revoked, until, ground in rows
    }


@bp.get("/revocations")
def revocations():
    """Art. 29 notices: every revoked or expired-unrenewed name, newest first."""
    when = func.coalesce(Brandname.revoked_at, Brandname.expired_at)
    where = or_(Brandname.revoked_at.is_not(None), Brandname.expired_at.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(Brandname).where(where))
    page = _page()
    rows = db.session.scalars(
        select(Brandname)
        .where(where)
        .order_by(when.desc(), Brandname.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "public/revocations.html",
        notices=[_notice(bn) for bn in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


# -- the list of names recognized from before the decree (Art. 36) ---------------------------


def _recognized():
    """Recognized rows with their names and holders, oldest recognition first."""
    return (
        select(LegacyRow, Brandname, Holder)
        .join(Brandname, Brandname.id == LegacyRow.brandname_id)
        .join(Holder, Holder.id == Brandname.holder_id)
        .where(LegacyRow.status == "recognized")
        .order_by(LegacyRow.decided_at, LegacyRow.id)
    )


def _list_date():
    """The list's date: the day of its latest recognition (Hanoi), None while it is empty."""
    last = db.session.scalar(select(func.max(LegacyRow.decided_at)).where(LegacyRow.status == "recognized"))
    return dates.local_date(last) if last else None


def _public_holder(holder):
    return privacy.public_holder_name(holder.kind, holder.name), holder.public_id_number()


@bp.get("/legacy-names")
def legacy_names():
    """Danh sách tên định danh hợp pháp: the names from before the decree an officer recognized."""
    total = db.session.scalar(
        select(func.count()).select_from(LegacyRow).where(LegacyRow.status == "recognized")
    )
    page = _page()
    rows = db.session.execute(_recognized().offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template(
        "public/legacy_names.html",
        rows=[(r, bn, *_public_holder(h)) for r, bn, h in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        list_date=_list_date(),
        first=(page - 1) * PAGE_SIZE,
    )


CSV_HEADERS = (
    "STT",
    "Tên định danh",
    "Tổ chức/cá nhân sử dụng",
    "Mã số doanh nghiệp",
    "Doanh nghiệp viễn thông chuyển sang",
    "Ngày công nhận",
    "Hiệu lực từ ngày",
    "Hiệu lực đến ngày",
    "Trạng thái",
)
STATUS_WORDS = {
    "active": "Đang hoạt động",
    "expired": "Hết hạn",
    "revoked": "Đã thu hồi",
    "released": "Đã thu hồi",
}


@bp.get("/legacy-names.csv")
def legacy_names_csv():
    """The same list as a CSV file: UTF-8 with a byte-order mark, so spreadsheet programs read
    the Vietnamese letters right; streamed row by row."""
    import csv
    import io

    list_date = _list_date() or dates.local_today()

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def take():
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
            return text

        writer.writerow(CSV_HEADERS)
        yield "\ufeff" + take()
        stmt = _recognized().execution_options(yield_per=1000)
        for i, (row, bn, holder) in enumerate(db.session.execute(stmt), start=1):
            name, id_number = _public_holder(holder)
            writer.writerow(
                (
                    i,
                    bn.name,
                    name,
                    id_number or "",
                    (row.extra or {}).get("carrier") or row.source,
                    dates.local_date(row.decided_at).strftime("%d/%m/%Y"),
                    row.valid_from.strftime("%d/%m/%Y"),
                    row.valid_until.strftime("%d/%m/%Y"),
                    STATUS_WORDS.get(bn.status, bn.status),
                )
            )
            yield take()

    filename = f"danh-sach-ten-dinh-danh-hop-phap-{list_date.isoformat()}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _notice(bn):
    """What a public notice states: the name, the ground (its words come from the catalogue), the
    day it took effect and, for grounds a and đ, the competent agency's document."""
    if bn.revoked_at is not None:
        ground, effective = bn.revocation_ground, dates.local_date(bn.revoked_at)
    else:
        ground, effective = "expired", grounds.expiry_effective_date(bn.valid_until)
    document = None
    if ground in grounds.AGENCY_DOCUMENT:
        document = (bn.revocation_agency, bn.revocation_document, bn.revocation_document_date)
    return {"name": bn.name, "ground": ground, "effective": effective, "document": document}


@bp.route("/track", methods=["GET", "POST"])
@public_lookup_limit
def track():
    """A dossier's status and timeline by its code and the applicant's email or tax code / ID
    number, without signing in. A wrong code and a wrong proof get the same answer."""
    code = proof = ""
    tracking = None
    not_found = False
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()[:40]
        proof = (request.form.get("proof") or "").strip()[:254]
        application = dossier_tracking.find(db.session, code, proof)
        if application is None:
            not_found = True
        else:
            tracking = dossier_tracking.track(db.session, application)
    response = current_app.make_response(
        (
            render_template(
                "public/track.html", code=code, tracking=tracking, not_found=not_found, now=dates.utcnow()
            ),
            404 if not_found else 200,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
