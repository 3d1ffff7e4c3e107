"""Public name search: prefix and substring on the normal form, paginated. No Flask here.

`search_names(session, q, page, per_page)` is what the public lookup page calls. Queries are
shaped for the indexes of migration 0004:
- prefix: PostgreSQL `name_normal LIKE 'Q%'` on the btree of the column (collation "C", so LIKE
  can use it and the order is byte order); SQLite `name_normal GLOB 'Q*'` on the same btree
  (GLOB is case-sensitive, which is what lets SQLite use the index; the normal form is upper case).
- substring (3 characters or more): PostgreSQL `LIKE '%Q%'` through the pg_trgm GIN index;
  SQLite has no trigram index, so it scans the name index in order and stops at the page's end.
Pages are fetched with one extra row to tell whether a next page exists (no COUNT over a
million rows); pages stop at MAX_PAGE.
"""
import re
from dataclasses import dataclass

from sqlalchemy import select

from . import names as name_rules
from .models import Brandname, Holder

MAX_PER_PAGE = 100
MAX_PAGE = 50
MIN_SUBSTRING = 3
PUBLIC_STATUSES = ("reserved", "active", "expired", "revoked")
_ALLOWED = re.compile(r"[^A-Z0-9 ._-]")


@dataclass
class SearchPage:
    query: str
    mode: str  # prefix | substring | none
    page: int
    per_page: int
    results: list
    has_next: bool

    def as_dict(self):
        return {"query": self.query, "mode": self.mode, "page": self.page, "per_page": self.per_page,
                "has_next": self.has_next, "results": self.results}


def normalize_query(q):
    """The search text in the names' normal form; characters a name cannot hold are dropped."""
    q = name_rules.normal_form(" ".join((q or "").split()))
    return _ALLOWED.sub("", name_rules.strip_diacritics(q).upper())[:11]


def search_names(session, q, page=1, per_page=20, *, mode="auto", statuses=PUBLIC_STATUSES):
    """Names whose normal form starts with (mode 'prefix') or contains (mode 'substring') `q`.

    mode 'auto': substring for 3+ characters, prefix for shorter text. Results are ordered by
    the normal form; each is {name, status, valid_from, valid_until, holder_kind, holder_name}
    (an individual's name is not published)."""
    query = normalize_query(q)
    page = min(max(int(page or 1), 1), MAX_PAGE)
    per_page = min(max(int(per_page or 20), 1), MAX_PER_PAGE)
    if not query:
        return SearchPage(query, "none", page, per_page, [], False)
    if mode == "auto":
        mode = "substring" if len(query) >= MIN_SUBSTRING else "prefix"
    if mode == "substring" and len(query) < MIN_SUBSTRING:
        mode = "prefix"
    if mode not in ("prefix", "substring"):
        raise ValueError(f"unknown search mode {mode!r}")
    dialect = session.get_bind().dialect.name
    column = Brandname.name_normal
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if mode == "prefix":
        if dialect == "sqlite":
            # GLOB: no escaping needed, a normal form never holds * ? [ ]
            condition = column.op("GLOB")(query + "*")
        else:
            condition = column.like(escaped + "%", escape="\\")
    else:
        condition = column.like("%" + escaped + "%", escape="\\")
    stmt = (select(Brandname.name, Brandname.status, Brandname.valid_from, Brandname.valid_until,
                   Holder.kind, Holder.name)
            .join(Holder, Holder.id == Brandname.holder_id)
            .where(condition, Brandname.status.in_(statuses))
            .order_by(column)
            .offset((page - 1) * per_page).limit(per_page + 1))
    rows = session.execute(stmt).all()
    results = [{"name": name, "status": status,
                "valid_from": valid_from.isoformat() if valid_from else None,
                "valid_until": valid_until.isoformat() if valid_until else None,
                "holder_kind": kind, "holder_name": holder_name if kind == "organization" else None}
               for name, status, valid_from, valid_until, kind, holder_name in rows[:per_page]]
    return SearchPage(query, mode, page, per_page, results, len(rows) > per_page)


def lookup_name(session, name):
    """Carrier-style exact lookup of one name: the live row's facts, or None."""
    stmt = (select(Brandname.name, Brandname.status, Brandname.valid_until, Brandname.holder_id)
            .where(Brandname.name_normal == name_rules.normal_form(name), Brandname.status != "released"))
    row = session.execute(stmt).first()
    if row is None:
        return None
    return {"name": row[0], "status": row[1],
            "valid_until": row[2].isoformat() if row[2] else None, "holder_id": row[3]}
