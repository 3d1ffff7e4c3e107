"""Public pages: no login. Home, lookup of registered names, revocation notices."""
from flask import Blueprint, render_template, request
from sqlalchemy import case, func, or_, select

from ..extensions import db
from ..names import normal_form
from ..models import Brandname

bp = Blueprint("public", __name__)
PAGE_SIZE = 20


@bp.get("/")
def home():
    return render_template("public/home.html")


def _page():
    try:
        return max(1, min(int(request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


@bp.get("/lookup")
def lookup():
    """Registered names, case-insensitive, prefix matches first, then substring matches."""
    q = normal_form(" ".join((request.args.get("q") or "").split())[:20])  # names are kept upper-cased
    page, rows, total = _page(), [], 0
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = (Brandname.status != "released",
                 Brandname.name_normal.like(f"%{escaped}%", escape="\\"))
        total = db.session.scalar(select(func.count()).select_from(Brandname).where(*where))
        prefix_first = case((Brandname.name_normal.like(f"{escaped}%", escape="\\"), 0), else_=1)
        rows = db.session.scalars(select(Brandname).where(*where)
                                  .order_by(prefix_first, Brandname.name_normal)
                                  .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("public/lookup.html", q=request.args.get("q", ""), rows=rows, total=total,
                           page=page, pages=max(1, -(-total // PAGE_SIZE)))


@bp.get("/revocations")
def revocations():
    """Art. 29 notices: every revoked or expired-unrenewed name, newest first."""
    when = func.coalesce(Brandname.revoked_at, Brandname.expired_at)
    where = or_(Brandname.revoked_at.is_not(None), Brandname.expired_at.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(Brandname).where(where))
    page = _page()
    rows = db.session.scalars(select(Brandname).where(where).order_by(when.desc(), Brandname.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("public/revocations.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))
