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

from sqlalchemy import func, select, text

from brandname.rules import names as name_rules
from brandname.rules import privacy
from brandname.store.models import Brandname, Holder

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
        return {
            "query": self.query,
            "mode": self.mode,
            "page": self.page,
            "per_page": self.per_page,
            "has_next": self.has_next,
            "results": self.results,
        }


def normalize_query(q):
    """The search text in the names' normal form; characters a name cannot hold are dropped."""
    q = name_rules.normal_form(" ".join((q or "").split()))
    return _ALLOWED.sub("", name_rules.strip_diacritics(q).upper())[:11]


def search_names(session, q, page=1, per_page=20, *, mode="auto", statuses=PUBLIC_STATUSES):
    """Names whose normal form starts with (mode 'prefix') or contains (mode 'substring') `q`.

    mode 'auto': substring for 3+ characters, prefix for shorter text. Results are ordered by
    the normal form; each is {name, status, valid_from, valid_until, holder_kind, holder_name}
    (an individual's ID number is never published, their name is masked)."""
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
    live = (
        Brandname.status != "released"
        if set(statuses) == set(PUBLIC_STATUSES)
        else Brandname.status.in_(statuses)
    )
    offset, want = (page - 1) * per_page, per_page + 1
    prefix = _prefix_condition(session, query)
    if mode == "prefix":
        rows = _fetch(session, [prefix, live], offset, want)
    else:
        # substring: names that START with the text come first (ordered), then the others
        # that contain it (ordered) — both tiers can be served from an index
        first = _count(session, [prefix, live], offset + want)
        rows = _fetch(session, [prefix, live], offset, want) if first > offset else []
        if len(rows) < want:
            rest_offset = max(0, offset - first)
            rows += _fetch_contains(session, query, live, rest_offset, want - len(rows))
    results = [
        {
            "name": name,
            "status": status,
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "holder_kind": kind,
            "holder_name": privacy.public_holder_name(kind, holder_name),
            "holder_id_number": id_number if kind == "organization" else None,
            # a renewal filed in time is pending: in force past valid_until until it is decided
            "renewal_pending": bool(pending),
        }
        for name, status, valid_from, valid_until, kind, holder_name, id_number, pending in rows[:per_page]
    ]
    return SearchPage(query, mode, page, per_page, results, len(rows) > per_page)


PROBE = 2000
_COLUMNS = (
    Brandname.name,
    Brandname.status,
    Brandname.valid_from,
    Brandname.valid_until,
    Holder.kind,
    Holder.name,
    Holder.id_number,
    Brandname.renewal_pending,
)


def _escape(query):
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_condition(session, query):
    if session.get_bind().dialect.name == "sqlite":
        # GLOB is case-sensitive, so SQLite can turn it into an index range (no escaping
        # needed: a normal form never holds * ? [ ])
        return Brandname.name_normal.op("GLOB", is_comparison=True)(query + "*")
    return Brandname.name_normal.like(_escape(query) + "%", escape="\\")


def _fetch(session, conditions, offset, limit):
    stmt = (
        select(*_COLUMNS)
        .join(Holder, Holder.id == Brandname.holder_id)
        .where(*conditions)
        .order_by(Brandname.name_normal)
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def _count(session, conditions, cap):
    inner = select(Brandname.id).where(*conditions).limit(cap).subquery()
    return session.scalar(select(func.count()).select_from(inner))


def _fetch_contains(session, query, live, offset, limit):
    """Names containing `query` but not starting with it, in name order."""
    column = Brandname.name_normal
    dialect = session.get_bind().dialect.name
    not_prefix = ~_prefix_condition(session, query)
    # probe the trigram index for the matching ids (few for most texts); when there are many,
    # matches are spread over the alphabet and the ordered scan finds a page quickly instead
    if dialect == "sqlite":
        if not _has_fts(session):
            return _fetch(
                session,
                [column.like("%" + _escape(query) + "%", escape="\\"), not_prefix, live],
                offset,
                limit,
            )
        ids = session.scalars(
            text("SELECT rowid FROM brandnames_fts WHERE name_normal GLOB :p LIMIT :n"),
            {"p": f"*{query}*", "n": PROBE + 1},
        ).all()
        contains = column.op("GLOB", is_comparison=True)(f"*{query}*")
    else:
        contains = column.like("%" + _escape(query) + "%", escape="\\")
        if live.compare(Brandname.status != "released"):
            rows = _pg_contains(session, query, offset, limit)
            if rows is not None:
                return rows
        ids = session.scalars(select(Brandname.id).where(contains, live).limit(PROBE + 1)).all()
    if len(ids) <= PROBE:
        if not ids:
            return []
        return _fetch(session, [Brandname.id.in_(ids), contains, not_prefix, live], offset, limit)
    return _fetch(session, [contains, not_prefix, live], offset, limit)


PG_CAP = 20_000
_PG_CONTAINS = text("""
WITH m AS MATERIALIZED (
    SELECT id, name_normal FROM brandnames
    WHERE name_normal LIKE :contains ESCAPE '\\' AND name_normal NOT LIKE :prefix ESCAPE '\\'
      AND status != 'released'
    LIMIT :cap),
top AS (SELECT id, name_normal FROM m ORDER BY name_normal OFFSET :offset LIMIT :limit)
SELECT b.name, b.status, b.valid_from, b.valid_until, h.kind, h.name, h.id_number, b.renewal_pending,
       (SELECT count(*) FROM m) AS n
FROM top JOIN brandnames b ON b.id = top.id JOIN holders h ON h.id = b.holder_id
ORDER BY top.name_normal""")


def _pg_contains(session, query, offset, limit):
    """PostgreSQL: collect the matches through the trigram index (a bitmap scan, fast while they
    are few thousand), sort them, join the page. None when there are more than PG_CAP matches:
    the ordered index scan then finds a page sooner."""
    escaped = _escape(query)
    rows = session.execute(
        _PG_CONTAINS,
        {
            "contains": f"%{escaped}%",
            "prefix": f"{escaped}%",
            "cap": PG_CAP + 1,
            "offset": offset,
            "limit": limit,
        },
    ).all()
    if rows and rows[0][8] > PG_CAP:
        return None
    return [tuple(r[:8]) for r in rows]


def _has_fts(session):
    bind = session.get_bind()
    cached = _FTS_PRESENT.get(bind.url)
    if cached is None:
        cached = bool(
            session.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'brandnames_fts'")
            ).first()
        )
        _FTS_PRESENT[bind.url] = cached
    return cached


_FTS_PRESENT = {}


def lookup_name(session, name):
    """Carrier-style exact lookup of one name: the live row's facts, or None."""
    stmt = select(Brandname.name, Brandname.status, Brandname.valid_until, Brandname.holder_id).where(
        Brandname.name_normal == name_rules.normal_form(name), Brandname.status != "released"
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    return {
        "name": row[0],
        "status": row[1],
        "valid_until": row[2].isoformat() if row[2] else None,
        "holder_id": row[3],
    }
