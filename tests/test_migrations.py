"""The migrations, not create_all, build the production schema: check they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select

from brandname import create_app
from brandname.store.models import Base, Counter, alembic_include_name


def insert_organization(conn):
    """Holder 1, an organization, as an older schema stores it (the columns every version has)."""
    from sqlalchemy import text

    conn.execute(
        text(
            "INSERT INTO holders (id, kind, name, id_number, address, email, phone, created_at, "
            "updated_at) VALUES (1, 'organization', 'H', '0101234567', '', '', '', '2026-01-01', '2026-01-01')"
        )
    )


def test_migrations_build_the_models_schema_and_downgrade(tmp_path, empty_db_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        engine = create_engine(empty_db_url)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_name": alembic_include_name}), Base.metadata
            )
            assert diff == [], diff
            assert {r.name for r in conn.execute(select(Counter.name))} == {"event", "serial"}
        downgrade(revision="base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        engine.dispose()


def test_individual_holders_names_get_their_keyed_id_hash_on_upgrade(tmp_path, empty_db_url):
    """Names issued before carriers could check individuals get a salted hash when migrated."""
    from sqlalchemy import text

    from brandname_carrier.rules import matches_holder_check

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0005")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            for hid, kind, number in ((1, "individual", "001203004567"), (2, "organization", "0101234567")):
                conn.execute(
                    text(
                        "INSERT INTO holders (id, kind, name, id_number, address, email, phone, created_at, "
                        "updated_at) VALUES (:id, :kind, 'H', :number, '', '', '', '2026-01-01', '2026-01-01')"
                    ),
                    {"id": hid, "kind": kind, "number": number},
                )
                conn.execute(
                    text(
                        "INSERT INTO brandnames (id, name, name_normal, confusable_key, holder_id, status, "
                        "use_sms, use_voice, purpose, reserved_at) VALUES (:id, :name, :name, :name, :id, "
                        "'active', true, false, '', '2026-01-01')"
                    ),
                    {"id": hid, "name": f"NAME{hid}"},
                )
        upgrade()
        with engine.connect() as conn:
            checks = dict(conn.execute(text("SELECT name, holder_check FROM brandnames")).all())
        engine.dispose()
    assert checks["NAME2"] is None
    salt, _, mac = checks["NAME1"].partition(":")
    assert matches_holder_check({"salt": salt, "hmac": mac}, "001203004567")
    assert not matches_holder_check({"salt": salt, "hmac": mac}, "001203004568")


def test_accounts_made_before_administrators_keep_their_maker_on_upgrade(tmp_path, empty_db_url):
    """A supervisor made officers before the administrator role existed: the upgrade takes each
    account's maker and enabler from the event log, so dual control holds for old accounts too."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0006_officer")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            for ident, role in ((1, "supervisor"), (2, "officer"), (3, "officer"), (4, "applicant")):
                conn.execute(
                    text(
                        "INSERT INTO accounts (id, email, password_hash, role, full_name, is_active_account, "
                        "failed_logins, created_at) VALUES (:id, :email, 'x', :role, 'N', true, 0, '2026-01-01')"
                    ),
                    {"id": ident, "email": f"a{ident}@cuc.gov.vn", "role": role},
                )
            events = (
                (1, None, "operator", 1, "create_account"),
                (2, 1, "supervisor", 2, "create_account"),
                (3, None, "operator", 3, "create_account"),
                (4, 1, "supervisor", 3, "disable_account"),
                (5, 1, "supervisor", 3, "enable_account"),
                (6, 4, "applicant", 4, "create_account"),  # a sign-up makes itself
            )
            for seq, actor_id, kind, subject, act in events:
                conn.execute(
                    text(
                        "INSERT INTO events (seq, at, actor_kind, actor_id, actor_label, act, subject_type, "
                        "subject_id, details) VALUES (:seq, '2026-01-01', :kind, :actor, 'x', :act, 'account', "
                        ":subject, '{}')"
                    ),
                    {"seq": seq, "kind": kind, "actor": actor_id, "act": act, "subject": subject},
                )
        upgrade()
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, created_by_id, enabled_by_id FROM accounts ORDER BY id")
            ).all()
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, None, None), (2, 1, None), (3, None, 1), (4, None, None)]


def test_payments_recorded_twice_before_the_unique_reference_still_upgrade(tmp_path, empty_db_url):
    """A reference recorded twice before one transfer paid one fee: the earliest keeps the key."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0008_privacy")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            insert_organization(conn)
            conn.execute(
                text(
                    "INSERT INTO applications (id, kind, status, holder_id, applicant, commitments_confirmed, "
                    "received_at, decision_due_at, late, on_paper) VALUES (1, 'issue', 'approved', 1, '{}', "
                    "true, '2026-01-01', '2026-01-02', false, false)"
                )
            )
            for pid, reference in ((1, "FT 123"), (2, "ft123"), (3, "FT9")):
                conn.execute(
                    text(
                        "INSERT INTO payments (id, application_id, amount_vnd, reference, status, recorded_at) "
                        "VALUES (:id, 1, 200000, :ref, 'recorded', '2026-01-03')"
                    ),
                    {"id": pid, "ref": reference},
                )
        upgrade()
        with engine.connect() as conn:
            keys = dict(conn.execute(text("SELECT id, reference_key FROM payments")).all())
        engine.dispose()
    assert keys == {1: "FT123", 2: None, 3: "FT9"}


def test_names_revoked_on_an_agency_ground_keep_their_document_on_upgrade(tmp_path, empty_db_url):
    """Names revoked before notices printed the agency's document get the number and date their
    confirmed proposal recorded; other names get nothing."""
    from datetime import date

    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0008_privacy")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO accounts (id, email, password_hash, role, full_name, is_active_account, "
                    "failed_logins, created_at) VALUES (1, 'o@cuc.gov.vn', 'x', 'officer', 'N', true, 0, '2026-01-01')"
                )
            )
            insert_organization(conn)
            for ident, ground, evidence in (
                (1, "authority_request", '{"request_number": "7/CV-A05", "request_date": "2026-03-01"}'),
                (2, "holder_request", '{"request": "stop"}'),
            ):
                conn.execute(
                    text(
                        "INSERT INTO brandnames (id, name, name_normal, confusable_key, holder_id, status, use_sms, "
                        "use_voice, purpose, reserved_at, revoked_at, revocation_ground) VALUES (:id, :name, :name, "
                        ":name, 1, 'revoked', true, false, '', '2026-01-01', '2026-03-05', :ground)"
                    ),
                    {"id": ident, "name": f"NAME{ident}", "ground": ground},
                )
                conn.execute(
                    text(
                        "INSERT INTO revocation_proposals (id, brandname_id, ground, evidence, note, status, "
                        "proposed_by_id, proposed_at) VALUES (:id, :id, :ground, :evidence, '', 'confirmed', 1, "
                        "'2026-03-04')"
                    ),
                    {"id": ident, "ground": ground, "evidence": evidence},
                )
        upgrade()
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, revocation_agency, revocation_document, revocation_document_date FROM brandnames "
                    "ORDER BY id"
                )
            ).all()
        engine.dispose()
    when = rows[0][3]
    assert (rows[0][:3], str(when)[:10]) == ((1, None, "7/CV-A05"), "2026-03-01")
    assert date.fromisoformat(str(when)[:10]) == date(2026, 3, 1)
    assert tuple(rows[1]) == (2, None, None, None)


def test_stored_keys_are_computed_again_on_upgrade(tmp_path, empty_db_url):
    """Names stored with the look-alike-only key get the sound-alike key and keep the former
    key as their look-alike key; a downgrade puts the former key back."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0008_privacy")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            insert_organization(conn)
            conn.execute(
                text(
                    "INSERT INTO brandnames (id, name, name_normal, confusable_key, holder_id, status, "
                    "use_sms, use_voice, purpose, reserved_at) VALUES (1, 'VinaPhone', 'VINAPHONE', "
                    "'VINAPHONE', 1, 'active', true, false, '', '2026-01-01')"
                )
            )
        upgrade()
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT confusable_key, lookalike_key FROM brandnames")).one()
        assert tuple(keys) == ("VINAFONE", "VINAPHONE")
        downgrade(revision="0008_privacy")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT confusable_key FROM brandnames")).scalar() == "VINAPHONE"
        engine.dispose()


def test_applications_filed_before_dossier_codes_get_distinct_codes_on_upgrade(tmp_path, empty_db_url):
    """Every application already filed gets a dossier code of its month of receipt."""
    from sqlalchemy import text

    from brandname.rules import dossier_code

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0017_watch")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            insert_organization(conn)
            for ident, received in ((1, "2026-05-31 18:00:00"), (2, "2026-11-02 03:00:00")):
                conn.execute(
                    text(
                        "INSERT INTO applications (id, kind, status, holder_id, applicant, "
                        "commitments_confirmed, received_at, decision_due_at, late, on_paper) VALUES "
                        "(:id, 'issue', 'submitted', 1, '{}', true, :received, :received, false, false)"
                    ),
                    {"id": ident, "received": received},
                )
        upgrade()
        with engine.connect() as conn:
            codes = conn.execute(text("SELECT code FROM applications ORDER BY id")).scalars().all()
        # 18:00 UTC on 31 May is 1 June in Hanoi
        assert [c[:8] for c in codes] == ["BN-2606-", "BN-2611-"]
        assert all(dossier_code.PATTERN.match(c) for c in codes) and len(set(codes)) == 2
        downgrade(revision="0017_watch")
        engine.dispose()


def test_drafts_and_notifications_tables_come_and_go_with_their_revision(tmp_path, empty_db_url):
    """0023 adds two tables and changes no existing row; its downgrade takes them away again."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0018_dossier")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            insert_organization(conn)
            conn.execute(
                text(
                    "INSERT INTO accounts (id, email, password_hash, role, full_name, holder_id, "
                    "is_active_account, created_at, session_generation) VALUES "
                    "(1, 'a@example.vn', 'x', 'applicant', '', 1, true, '2026-01-01', 0)"
                )
            )
        upgrade(revision="0023_drafts_inbox")
        with engine.begin() as conn:
            assert {"drafts", "notifications"} <= set(inspect(conn).get_table_names())
            conn.execute(
                text(
                    "INSERT INTO drafts (holder_id, account_id, form, created_at, updated_at) "
                    "VALUES (1, 1, '{}', '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO notifications (account_id, kind, subject, body, created_at) "
                    "VALUES (1, 'received', 'S', '', '2026-01-01')"
                )
            )
            assert conn.execute(text("SELECT count(*) FROM accounts")).scalar() == 1
        downgrade(revision="0018_dossier")
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert "drafts" not in names and "notifications" not in names
            assert conn.execute(text("SELECT email FROM accounts")).scalar() == "a@example.vn"
        engine.dispose()


def test_periodic_reports_tables_come_and_go_with_their_migration(tmp_path, empty_db_url):
    """The report tables exist after the upgrade, hold one filing per filer, form and obligation,
    and leave with the downgrade, taking nothing else with them."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0023_drafts_inbox")
        engine = create_engine(empty_db_url)
        with engine.connect() as conn:
            assert "periodic_reports" not in inspect(conn).get_table_names()
        upgrade(revision="0020_periodic_reports")
        insert = text(
            "INSERT INTO periodic_reports (filer, filer_key, holder_id, form, obligation, period_label, "
            "period_start, period_end, due_date, way, notes, filed_at, filed_by_label, late) VALUES "
            "('holder', 'holder:1', 1, '04', 'period:2026', '2026', '2026-01-01', '2026-12-31', "
            "'2027-01-15', 'online', '', '2027-01-10', 'a@b.vn', false)"
        )
        with engine.begin() as conn:
            insert_organization(conn)
            conn.execute(insert)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert)
        downgrade(revision="0023_drafts_inbox")
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert "periodic_reports" not in names and "report_requests" not in names and "holders" in names
        engine.dispose()


def test_accounts_made_before_email_verification_count_as_verified_and_administer_on_upgrade(
    tmp_path, empty_db_url
):
    """Accounts from before the sign-up's email link keep filing: the upgrade counts their email
    as proved (since they were made), and each applicant account of a holder administers it."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0020_periodic_reports")
        engine = create_engine(empty_db_url)
        with engine.begin() as conn:
            insert_organization(conn)
            for ident, role, holder in ((1, "officer", None), (2, "applicant", 1), (3, "applicant", None)):
                conn.execute(
                    text(
                        "INSERT INTO accounts (id, email, password_hash, role, full_name, holder_id, "
                        "is_active_account, created_at) VALUES (:id, :email, 'x', :role, 'N', :holder, true, "
                        "'2026-01-01')"
                    ),
                    {"id": ident, "email": f"a{ident}@x.vn", "role": role, "holder": holder},
                )
        upgrade(revision="0021_org_users")
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, email_verified_at IS NOT NULL, org_role FROM accounts ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [(1, True, None), (2, True, "admin"), (3, True, None)]
        downgrade(revision="0020_periodic_reports")
        with engine.connect() as conn:
            assert "org_role" not in {c["name"] for c in inspect(conn).get_columns("accounts")}
            assert "invitations" not in inspect(conn).get_table_names()
        engine.dispose()


def test_protected_variants_table_comes_and_goes_with_its_migration(tmp_path, empty_db_url):
    """0024 adds the variants a holder asked to protect; downgrading drops them, nothing else."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0021_org_users")
        engine = create_engine(empty_db_url)
        with engine.connect() as conn:
            assert "protected_variants" not in inspect(conn).get_table_names()
        upgrade(revision="0024_variants")
        with engine.begin() as conn:
            insert_organization(conn)
            conn.execute(
                text(
                    "INSERT INTO brandnames (id, name, name_normal, confusable_key, lookalike_key, holder_id, "
                    "status, use_sms, use_voice, purpose, reserved_at, renewal_pending) VALUES (1, 'VIETSUN', "
                    "'VIETSUN', 'VIETSUN', 'VIETSUN', 1, 'active', true, false, '', '2026-01-01', false)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO protected_variants (brandname_id, name, name_normal, status, requested_at, note) "
                    "VALUES (1, 'VSPay', 'VSPAY', 'requested', '2026-01-02', '')"
                )
            )
            assert conn.execute(text("SELECT count(*) FROM protected_variants")).scalar() == 1
        downgrade(revision="0021_org_users")
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            assert "protected_variants" not in tables and "brandnames" in tables
        engine.dispose()


def test_claims_table_comes_and_goes_with_its_migration_and_grants_a_holder_once(tmp_path, empty_db_url):
    """0025 adds the claims of names already in the registry; a holder has one granted claim at
    most; downgrading drops the table and nothing else."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0024_variants")
        engine = create_engine(empty_db_url)
        with engine.connect() as conn:
            assert "claims" not in inspect(conn).get_table_names()
        upgrade(revision="0025_claims")
        insert = text(
            "INSERT INTO claims (holder_id, account_id, status, created_at, code_sends) "
            "VALUES (1, 1, :status, '2026-01-01', '[]')"
        )
        with engine.begin() as conn:
            insert_organization(conn)
            conn.execute(
                text(
                    "INSERT INTO accounts (id, email, password_hash, role, full_name, is_active_account, "
                    "created_at, session_generation) VALUES (1, 'a@example.vn', 'x', 'applicant', '', true, "
                    "'2026-01-01', 0)"
                )
            )
            for status in ("open", "rejected", "granted"):
                conn.execute(insert, {"status": status})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"status": "granted"})
        downgrade(revision="0024_variants")
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            assert "claims" not in tables and "holders" in tables
        engine.dispose()


def test_requests_for_more_documents_come_and_go_with_their_migration(tmp_path, empty_db_url):
    """0026 adds the open request for more documents to each application; downgrading drops it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0025_claims")
        engine = create_engine(empty_db_url)

        def columns():
            with engine.connect() as conn:
                return {c["name"] for c in inspect(conn).get_columns("applications")}

        assert "documents_requested_at" not in columns()
        upgrade(revision="0026_dossier_requests")
        assert {"documents_requested_at", "documents_request"} <= columns()
        downgrade(revision="0025_claims")
        assert "documents_requested_at" not in columns() and "on_paper" in columns()
        engine.dispose()
