"""Public search (brandname/store/search.py): prefix and substring on the normal form, paginated."""

from brandname import lifecycle
from brandname.ops import bulk
from brandname.store import search

from .conftest import person_applicant


def seed(session, keys, rules, names, **kw):
    rows = [
        bulk.NameRow(
            line=i + 2,
            name=n,
            holder={
                "kind": "organization",
                "name": f"Công ty {n}",
                "id_number": f"0312{i:06d}",
                "tax_code": None,
                "address": "1 Lê Lợi",
                "email": "a@b.vn",
                "phone": "0281234567",
                "legal_representative": "A",
                "contact_person": "B",
            },
            purpose="CSKH",
            source="test",
        )
        for i, n in enumerate(names)
    ]
    report = bulk.issue_many(session, rows, keys=keys, rules=rules)
    assert report.imported == len(names), report.rejected


def names_of(page):
    return [r["name"] for r in page.results]


def test_prefix_and_substring(session, keys, rules):
    seed(
        session,
        keys,
        rules,
        ["VIETBANK", "VietMart", "VIET-AIR", "SAIGONBANK", "HABANK", "VI", "XVIETX", "V_1"],
    )
    assert names_of(search.search_names(session, "viet", mode="prefix")) == [
        "VIET-AIR",
        "VIETBANK",
        "VietMart",
    ]
    assert names_of(search.search_names(session, "BANK")) == ["HABANK", "SAIGONBANK", "VIETBANK"]
    assert search.search_names(session, "BANK").mode == "substring"
    # short text: prefix only (a 1–2 character substring would match half the registry)
    page = search.search_names(session, "vi")
    assert page.mode == "prefix" and names_of(page) == ["VI", "VIET-AIR", "VIETBANK", "VietMart"]
    assert names_of(search.search_names(session, "iet", mode="substring")) == [
        "VIET-AIR",
        "VIETBANK",
        "VietMart",
        "XVIETX",
    ]
    # LIKE wildcards in the query are literal characters, not patterns
    assert names_of(search.search_names(session, "V_", mode="prefix")) == ["V_1"]
    assert search.search_names(session, "V%*?").query == "V"  # characters no name holds are dropped
    assert search.search_names(session, "   ").results == []
    assert search.search_names(session, "Việt", mode="prefix").query == "VIET"


def test_pagination_and_public_fields(session, keys, rules, registry_helper):
    seed(session, keys, rules, [f"PAGE{i:03d}" for i in range(45)])
    registry_helper.issue("PAGEX", applicant=person_applicant())
    first = search.search_names(session, "PAGE", page=1, per_page=20)
    third = search.search_names(session, "PAGE", page=3, per_page=20)
    assert len(first.results) == 20 and first.has_next
    assert names_of(third) == ["PAGE040", "PAGE041", "PAGE042", "PAGE043", "PAGE044", "PAGEX"]
    assert not third.has_next
    person = third.results[-1]
    assert person["holder_kind"] == "individual" and person["holder_name"] == "Lê H. C."  # masked
    assert person["holder_id_number"] is None  # an individual's ID number is never published
    assert first.results[0]["holder_id_number"]
    assert first.results[0]["holder_name"] == "Công ty PAGE000"
    assert first.results[0]["status"] == "active" and first.results[0]["valid_until"]
    assert search.search_names(session, "PAGE", page=10_000).page == search.MAX_PAGE
    assert search.search_names(session, "PAGE", per_page=10_000).per_page == search.MAX_PER_PAGE


def test_released_names_are_not_found_and_lookup(session, keys, rules, officer, registry_helper):
    registry_helper.issue("GONEAWAY")
    bn = lifecycle.find_brandname(session, "GONEAWAY")
    lifecycle.give_up(session, bn.id, actor=officer)
    assert search.search_names(session, "GONE", mode="prefix").results[0]["status"] == "revoked"
    lifecycle.release(session, bn.id, actor=officer, reason="test")
    assert search.search_names(session, "GONE", mode="prefix").results == []
    assert search.lookup_name(session, "goneaway") is None
    registry_helper.issue("LOOKME")
    assert search.lookup_name(session, "lookme")["status"] == "active"


def test_substring_lists_prefix_matches_first_then_the_others(session, keys, rules, monkeypatch):
    seed(session, keys, rules, ["ABANK", "BANKVN", "BANKA", "ZBANK", "MBANKX", "BANJO"])
    page = search.search_names(session, "BANK")
    assert names_of(page) == ["BANKA", "BANKVN", "ABANK", "MBANKX", "ZBANK"]
    # page 2 of 2 crosses from the prefix tier into the contains tier
    assert names_of(search.search_names(session, "BANK", page=2, per_page=3)) == ["MBANKX", "ZBANK"]
    assert search.search_names(session, "BANK", page=1, per_page=3).has_next
    # many matches: the probe gives up and the ordered scan answers, with the same result
    monkeypatch.setattr(search, "PROBE", 1)
    monkeypatch.setattr(search, "PG_CAP", 1)
    assert names_of(search.search_names(session, "BANK")) == ["BANKA", "BANKVN", "ABANK", "MBANKX", "ZBANK"]


def test_sqlite_trigram_index_follows_the_table(session, keys, rules, officer, registry_helper):
    if session.get_bind().dialect.name != "sqlite":
        import pytest

        pytest.skip("the FTS5 trigram table exists on SQLite only (PostgreSQL uses pg_trgm)")
    from sqlalchemy import text

    seed(session, keys, rules, ["FTSONE", "FTSTWO"])
    count = lambda: session.execute(
        text("SELECT count(*) FROM brandnames_fts WHERE name_normal GLOB '*TSO*'")
    ).scalar()
    assert count() == 1
    session.execute(text("DELETE FROM events"))
    session.execute(text("DELETE FROM certificates"))
    session.execute(text("DELETE FROM brandnames WHERE name_normal = 'FTSONE'"))
    session.commit()
    assert count() == 0
    assert names_of(search.search_names(session, "TSO")) == []
    assert names_of(search.search_names(session, "TST")) == ["FTSTWO"]


def test_search_api(client, session, keys, rules):
    seed(session, keys, rules, ["APIBANK", "APIMART", "XAPIX"])
    body = client.get("/api/v1/search?q=api").get_json()
    assert body["mode"] == "substring" and [r["name"] for r in body["results"]] == [
        "APIBANK",
        "APIMART",
        "XAPIX",
    ]
    body = client.get("/api/v1/search?q=api&mode=prefix&per_page=1").get_json()
    assert [r["name"] for r in body["results"]] == ["APIBANK"] and body["has_next"]
    assert client.get("/api/v1/search?q=a&mode=fuzzy").status_code == 400
    assert client.get("/api/v1/search?q=a&page=x").status_code == 400


def _read_only_url(url):
    """The same database, opened read-only: stands in for a streaming replica."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url[len('sqlite:///') :]}?mode=ro&uri=true"
    return url + "?options=-c%20default_transaction_read_only%3Don"


def test_read_replica_serves_public_search(app, session, keys, rules, certs_dir, tmp_path):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from brandname import create_app, registry
    from brandname.extensions import db

    seed(session, keys, rules, ["REPLICA1", "REPLICA2"])
    primary = app.config["SQLALCHEMY_DATABASE_URI"]
    replica_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATA_DIR": str(tmp_path / "r"),
            "CERTS_DIR": str(certs_dir),
            "SQLALCHEMY_DATABASE_URI": primary,
            "DATABASE_READ_URL": _read_only_url(primary),
        }
    )
    with replica_app.app_context():
        reader = registry.read_session()
        assert reader is not db.session and reader.get_bind() is db.engines["read"]
        with pytest.raises(DBAPIError):  # it is really the read-only connection
            reader.execute(text("UPDATE counters SET value = value"))
        reader.rollback()
        body = replica_app.test_client().get("/api/v1/search?q=REPLICA").get_json()
        assert [r["name"] for r in body["results"]] == ["REPLICA1", "REPLICA2"]
        db.engines["read"].dispose()
        db.engine.dispose()
    with replica_app.app_context():  # without the setting, lookups use the primary
        replica_app.config["DATABASE_READ_URL"] = None
        assert registry.read_session() is db.session
