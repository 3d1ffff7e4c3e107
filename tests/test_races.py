"""Races between separate database connections (most on PostgreSQL only: SQLite serializes writers).

Each thread opens its own Session on its own pooled connection; a barrier releases them together.
"""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from brandname import lifecycle
from brandname.errors import Conflict, DomainError, NotAllowed
from brandname.extensions import db
from brandname.store.models import Account, Application, Brandname, Certificate, Event, Holder, Payment

from .conftest import NOW, TEST_DATABASE_URL, attach, name_entry, org_applicant

needs_server = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="races need a server database with real concurrent connections: set TEST_DATABASE_URL "
    "to a PostgreSQL server (SQLite serializes all writers, so there is no race to test)",
)

THREADS = 50
# 50 threads share 20 connections: other helpers use the same server (max_connections 100).
CONNECTIONS = 20


@pytest.fixture
def race_engine(app):
    engine = create_engine(db.engine.url, pool_size=CONNECTIONS, max_overflow=0, pool_timeout=120)
    yield engine
    engine.dispose()


def run_concurrently(engine, jobs):
    """Run each job(session) in its own thread and session; return outcomes in job order:
    ("ok", value) | ("domain", DomainError) | ("error", exception)."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def worker(i, job):
        session = Session(engine, expire_on_commit=False)
        try:
            barrier.wait(timeout=60)
            outcomes[i] = ("ok", job(session))
        except DomainError as exc:
            outcomes[i] = ("domain", exc)
        except Exception as exc:  # anything else would be a 500 in the app
            outcomes[i] = ("error", exc)
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a racing thread hung"
    return outcomes


def assert_event_sequence(session):
    seqs = session.scalars(select(Event.seq).order_by(Event.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1)), "event sequence has a gap or a duplicate"
    return seqs


def holder(i):
    return org_applicant(code=f"0109{i:06d}", name=f"Công ty TNHH Thử Nghiệm {i}")


@needs_server
def test_fifty_concurrent_approvals_for_one_name_one_winner(session, officer, race_engine):
    apps = [
        lifecycle.submit(
            session,
            applicant=holder(i),
            names=[name_entry("RACEBANK")],
            actor=officer,
            commitments_confirmed=True,
            now=NOW + timedelta(seconds=i),
        )
        for i in range(THREADS)
    ]
    for application in apps:  # each dossier complete (Art. 24)
        attach(session, application, "enterprise_registration", officer)
    ids = [a.id for a in apps]
    # shuffle the order the threads start in, so the earliest application is not always first
    ids = ids[1::2] + ids[0::2]
    outcomes = run_concurrently(
        race_engine,
        [
            (
                lambda s, app_id=app_id: (
                    lifecycle.approve(s, app_id, actor=officer, now=NOW + timedelta(hours=1)).application.id
                )
            )
            for app_id in ids
        ],
    )
    errors = [o for o in outcomes if o[0] == "error"]
    assert not errors, errors[:3]
    winners = [o[1] for o in outcomes if o[0] == "ok"]
    assert winners == [apps[0].id], "first come, first served: only the earliest application wins"
    losers = [o[1] for o in outcomes if o[0] == "domain"]
    assert len(losers) == THREADS - 1
    assert all(isinstance(e, Conflict) and e.status == 409 for e in losers), {type(e) for e in losers}
    session.expire_all()
    live = session.scalars(
        select(Brandname).where(Brandname.name_normal == "RACEBANK", Brandname.status != "released")
    ).all()
    assert len(live) == 1 and live[0].status == "reserved" and live[0].application_id == apps[0].id
    statuses = dict(
        session.execute(select(Application.status, func.count()).group_by(Application.status)).all()
    )
    assert statuses == {"approved": 1, "rejected": THREADS - 1}
    seqs = assert_event_sequence(session)
    # 50 submits and their documents, 1 approve, 49 automatic refusals: one event per act, none
    # lost or doubled (besides the officer's account creation, itself an audited act)
    assert len(seqs) - account_events(session) == 2 * THREADS + 1 + (THREADS - 1)


@needs_server
def test_fifty_concurrent_submissions(session, officer, race_engine):
    jobs = []
    for i in range(THREADS):
        # half file for one name from different holders; half are one new holder filing at once
        applicant = holder(i) if i % 2 else holder(999)
        jobs.append(
            lambda s, applicant=applicant, i=i: (
                lifecycle.submit(
                    s,
                    applicant=applicant,
                    names=[name_entry("SUBMITX" if i % 2 else f"SAME{i:03d}")],
                    actor=officer,
                    commitments_confirmed=True,
                    now=NOW,
                ).id
            )
        )
    outcomes = run_concurrently(race_engine, jobs)
    assert [o[0] for o in outcomes] == ["ok"] * THREADS, [o for o in outcomes if o[0] != "ok"][:3]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Application)) == THREADS
    # the holder filing 25 times at once exists once
    assert (
        session.scalar(
            select(func.count()).select_from(Holder).where(Holder.id_number == holder(999)["id_number"])
        )
        == 1
    )
    seqs = assert_event_sequence(session)
    assert len(seqs) - account_events(session) == THREADS
    submits = session.scalars(select(Event).where(Event.act == "submit")).all()
    assert sorted(e.application_id for e in submits) == sorted(o[1] for o in outcomes)


def _renewal_ready(session, registry_helper, name, code):
    applicant = org_applicant(code=code)
    registry_helper.issue(name, applicant=applicant)
    renew_day = datetime(2028, 12, 20, 3, 0)
    application = lifecycle.submit(
        session,
        kind="renewal",
        brandname=name,
        applicant=applicant,
        names=None,
        actor=registry_helper.officer,
        commitments_confirmed=True,
        now=renew_day,
    )
    lifecycle.approve(session, application.id, actor=registry_helper.officer, now=renew_day)
    payment = lifecycle.record_payment(
        session,
        application.id,
        actor=registry_helper.officer,
        reference=f"FT-R{application.id}",
        now=renew_day,
    )
    return lifecycle.find_brandname(session, name), application, payment, renew_day


@needs_server
def test_renewal_racing_revocation_ends_in_one_order(
    session, keys, officer, supervisor, registry_helper, race_engine
):
    orders = []
    for round_no in range(8):
        name = f"RACE{round_no}"
        bn, application, payment, day = _renewal_ready(
            session, registry_helper, name, f"02000000{round_no:02d}"
        )
        old_until, bn_id, app_id, pay_id = bn.valid_until, bn.id, application.id, payment.id
        if round_no % 2:
            proposal = lifecycle.propose_revocation(
                session,
                bn_id,
                actor=officer,
                ground="spam",
                now=day,
                evidence={
                    "agency": "Bộ Công an",
                    "conclusion_number": f"{round_no}/KL",
                    "conclusion_date": "2028-12-01",
                },
            )
            revoke = lambda s, pid=proposal.id: lifecycle.confirm_revocation(
                s, pid, actor=supervisor, now=day
            )
        else:
            revoke = lambda s: lifecycle.give_up(s, bn_id, actor=officer, request_note="thôi", now=day)
        renew = lambda s: lifecycle.confirm_payment(s, pay_id, actor=officer, keys=keys, now=day)
        jobs = [renew, revoke] if round_no % 4 < 2 else [revoke, renew]
        outcomes = run_concurrently(race_engine, jobs)
        by_job = dict(zip(("renew", "revoke") if jobs[0] is renew else ("revoke", "renew"), outcomes))
        assert by_job["revoke"][0] == "ok", by_job["revoke"]
        assert by_job["renew"][0] in ("ok", "domain"), by_job["renew"]
        session.expire_all()
        bn = session.get(Brandname, bn_id)
        application = session.get(Application, app_id)
        renewals = session.scalars(select(Certificate).where(Certificate.application_id == app_id)).all()
        events = {e.act: e.seq for e in session.scalars(select(Event).where(Event.name_normal == name))}
        assert bn.status == "revoked"
        if by_job["renew"][0] == "ok":
            orders.append("renew-then-revoke")
            assert application.status == "issued" and len(renewals) == 1
            assert bn.valid_until == renewals[0].valid_until > old_until
            assert renewals[0].status == "current"
            assert events["renewal"] < events["revoke"]
        else:
            orders.append("revoke-then-renew-refused")
            assert isinstance(by_job["renew"][1], NotAllowed)
            assert application.status == "approved" and renewals == []
            assert bn.valid_until == old_until
            assert session.get(Payment, pay_id).status == "recorded"
            assert "renewal" not in events
    assert_event_sequence(session)
    print("orders:", orders)
    assert orders  # every round ended in one of the two orders (asserted above)


@needs_server
def test_bulk_import_racing_issuance(session, keys, rules, officer, registry_helper, race_engine):
    """A legacy import batch and ordinary issuance take the counters in the same order."""
    from brandname.ops import bulk, demo

    payments = []
    for i in range(12):
        application = registry_helper.submit(f"ISSUE{i:02d}", applicant=holder(500 + i))
        registry_helper.decide_warnings(application)  # ISSUE01 is one edit from ISSUE00
        registry_helper.approve(application)
        payments.append(
            lifecycle.record_payment(session, application.id, actor=officer, reference=f"FT{i}", now=NOW).id
        )
    rows = list(demo.bulk_rows(600, seed_value=11))
    jobs = [lambda s: bulk.issue_many(s, rows, keys=keys, rules=rules, batch_size=50).imported]
    jobs += [
        (
            lambda s, pid=pid: len(
                lifecycle.confirm_payment(s, pid, actor=officer, keys=keys, now=NOW).certificates
            )
        )
        for pid in payments
    ]
    outcomes = run_concurrently(race_engine, jobs)
    assert [o[0] for o in outcomes] == ["ok"] * len(jobs), [o for o in outcomes if o[0] != "ok"][:3]
    assert outcomes[0][1] == 600 and all(o[1] == 1 for o in outcomes[1:])
    session.expire_all()
    assert_event_sequence(session)
    serials = sorted(int(s[-7:]) for s in session.scalars(select(Certificate.serial)))
    assert serials == list(range(1, 613))  # no serial lost or doubled


def account_events(session):
    """Events of account acts (the fixtures' officer accounts), apart from the race itself."""
    return session.scalar(select(func.count()).select_from(Event).where(Event.subject_type == "account"))


# -- sign-ups: the check before the insert is not the last word; the unique index is ---------

SIGNUP_THREADS = 10


def signup_form(i, *, code, email):
    return {
        "app_kind": "organization",
        "app_name": f"Công ty TNHH Đăng Ký Đồng Thời {i}",
        "app_id_number": code,
        "app_address": "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
        "app_email": f"lienhe{i}@dongthoi.vn",
        "app_phone": "024 3825 0000",
        "app_legal_representative": "Nguyễn Văn An",
        "app_contact_person": "Trần Thị Bình",
        "email": email,
        "password": "correct horse battery",
        "password2": "correct horse battery",
    }


def post_concurrently(app, forms):
    """POST each sign-up form from its own thread and client at once; the status codes in order."""
    barrier = threading.Barrier(len(forms))
    answers = [None] * len(forms)

    def worker(i, form):
        client = app.test_client()
        barrier.wait(timeout=60)
        try:
            response = client.post("/applicant/signup", data=form)
            answers[i] = (response.status_code, response.get_data(as_text=True))
        except Exception as exc:  # the test app propagates what a server would answer with a 500
            answers[i] = (500, repr(exc))

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a racing sign-up hung"
    return answers


def test_concurrent_sign_ups_for_one_enterprise_code_one_account_the_rest_409(app, session):
    forms = [signup_form(i, code="0107770001", email=f"nguoi{i}@dongthoi.vn") for i in range(SIGNUP_THREADS)]
    answers = post_concurrently(app, forms)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (SIGNUP_THREADS - 1), statuses
    for status, body in answers:
        if status == 409:
            # the ordinary duplicate's words, nothing more
            assert "Mã số / số giấy tờ này đã có trong sổ đăng ký." in body
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Account)) == 1
    holders = session.scalar(select(func.count()).select_from(Holder))
    # a losing sign-up leaves no holder behind
    assert holders == 1
    assert_event_sequence(session)


def test_concurrent_sign_ups_for_one_email_one_account_all_answered_alike(app, session):
    """The same email from ten sign-ups at once: one account is made, and every answer is the
    page any sign-up gets (the losers are told as a sign-up for an existing email is: by mail
    to the owner), so a race reveals no more than a single sign-up does."""
    forms = [signup_form(i, code=f"0107{i:06d}", email="cung.mot@dongthoi.vn") for i in range(SIGNUP_THREADS)]
    answers = post_concurrently(app, forms)
    assert [status for status, _ in answers] == [200] * SIGNUP_THREADS, answers
    assert len({body for _, body in answers}) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Account)) == 1
    assert session.scalar(select(func.count()).select_from(Holder)) == 1  # no holder left behind
    attempts = session.scalar(select(func.count()).select_from(Event).where(Event.act == "signup_attempt"))
    assert attempts == SIGNUP_THREADS - 1
    assert_event_sequence(session)


def test_sign_up_losing_between_check_and_insert_gets_the_ordinary_409(app, session):
    """Another sign-up for the same enterprise code commits after this one's check passed and
    before its insert: exactly the interleaving of two instances, made deterministic."""
    from sqlalchemy import event

    from brandname.lifecycle.accounts import register_applicant

    competitor_engine = create_engine(db.engine.url)
    raced = []

    def competitor_commits_first(sess, flush_context, instances):
        if raced or not any(isinstance(o, Holder) for o in sess.new):
            return
        raced.append(True)
        with Session(competitor_engine) as other:
            register_applicant(
                other,
                email="nhanh.hon@dongthoi.vn",
                password="correct horse battery",
                profile=org_applicant(code="0107770002"),
            )

    client = app.test_client()
    event.listen(db.session, "before_flush", competitor_commits_first)
    try:
        response = client.post(
            "/applicant/signup", data=signup_form(1, code="0107770002", email="cham.hon@dongthoi.vn")
        )
    finally:
        event.remove(db.session, "before_flush", competitor_commits_first)
        competitor_engine.dispose()
    assert raced
    assert response.status_code == 409, response.get_data(as_text=True)[:300]
    assert "Mã số / số giấy tờ này đã có trong sổ đăng ký." in response.get_data(as_text=True)
    session.expire_all()
    assert [a.email for a in session.scalars(select(Account))] == ["nhanh.hon@dongthoi.vn"]


# -- names from before the decree: one decision per row ---------------------------------------


@needs_server
def test_two_officers_recognize_one_legacy_row_one_wins(session, keys, rules, officer, officer2, race_engine):
    """Two officers press "recognize" on the same row at once: the row lock lets one through;
    the other finds the row decided and changes nothing."""
    from datetime import date

    from brandname.store.models import LegacyRow

    operator = lifecycle.Actor.operator("test")
    batch = lifecycle.open_legacy_batch(
        session, filename="l.csv", carrier="VNPT", file_date=date(2020, 1, 1), actor=operator, now=NOW
    )
    rows = [_legacy_input(f"CU{i}", i + 2, f"03010000{i:02d}") for i in range(5)]
    lifecycle.queue_legacy_rows(session, batch.id, rows, actor=operator, now=NOW)
    ids = session.scalars(select(LegacyRow.id).order_by(LegacyRow.id)).all()
    for row_id in ids:
        jobs = [
            (
                lambda s, who=who: (
                    lifecycle.recognize_legacy(s, [row_id], actor=who, keys=keys, now=NOW).brandnames
                )
            )
            for who in (officer, officer2)
        ]
        jobs.append(lambda s: lifecycle.refuse_legacy(s, [row_id], actor=officer, reason="trùng", now=NOW))
        outcomes = run_concurrently(race_engine, jobs)
        kinds = sorted(o[0] for o in outcomes)
        assert kinds == ["domain", "domain", "ok"], outcomes
        assert all(isinstance(o[1], NotAllowed) for o in outcomes if o[0] == "domain"), outcomes
    session.expire_all()
    decided = session.scalars(select(LegacyRow).order_by(LegacyRow.id)).all()
    assert all(r.status in ("recognized", "refused") for r in decided)
    recognized = [r for r in decided if r.status == "recognized"]
    assert session.scalar(select(func.count()).select_from(Brandname)) == len(recognized)
    decisions = session.scalar(
        select(func.count()).select_from(Event).where(Event.act.in_(("legacy_recognize", "legacy_refuse")))
    )
    assert decisions == len(ids)  # one decision event per row, never two
    assert_event_sequence(session)


def _legacy_input(name, line, code):
    """One parsed carrier-list row (what ops.bulk.read_legacy_csv yields)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        line=line,
        name=name,
        holder=dict(org_applicant(code=code, name=f"Công ty TNHH Chuyển Đổi {line}")),
        purpose="",
        use_sms=True,
        use_voice=False,
        valid_from=None,
        valid_until=None,
        source="VNPT (2020-01-01)",
        extra={},
    )


@needs_server
def test_recognition_racing_an_approval_of_the_same_name(session, keys, officer, officer2, race_engine):
    """An officer recognizes a carrier's rows while another approves an application for one of
    the names: the unique index lets one through, the other is refused cleanly (no deadlock)."""
    from datetime import date

    from brandname.store.models import LegacyRow

    operator = lifecycle.Actor.operator("test")
    for round_no in range(5):
        names = [f"RC{round_no}A", f"RC{round_no}B"]
        batch = lifecycle.open_legacy_batch(
            session, filename="l.csv", carrier="VNPT", file_date=date(2020, 1, 1), actor=operator, now=NOW
        )
        rows = [_legacy_input(n, i + 2, f"0302{round_no:02d}00{i:02d}") for i, n in enumerate(names)]
        lifecycle.queue_legacy_rows(session, batch.id, rows, actor=operator, now=NOW)
        ids = session.scalars(select(LegacyRow.id).where(LegacyRow.batch_id == batch.id)).all()
        application = lifecycle.submit(
            session,
            applicant=holder(700 + round_no),
            names=[name_entry(names[1])],
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
        attach(session, application, "enterprise_registration", officer)
        jobs = [
            lambda s: len(lifecycle.recognize_legacy(s, ids, actor=officer, keys=keys, now=NOW).brandnames),
            lambda s, app_id=application.id: (
                lifecycle.approve(s, app_id, actor=officer2, now=NOW).application.id
            ),
        ]
        outcomes = run_concurrently(race_engine, jobs)
        assert sorted(o[0] for o in outcomes) == ["domain", "ok"], outcomes
        session.expire_all()
        live = session.scalars(select(Brandname.name).where(Brandname.name.in_(names))).all()
        if outcomes[0][0] == "ok":  # both names recognized, the approval refused
            assert sorted(live) == names
        else:  # the approval reserved the name first: nothing of the recognition stayed
            assert live == [names[1]]
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(LegacyRow)
                    .where(LegacyRow.id.in_(ids), LegacyRow.status == "pending")
                )
                == 2
            )
    assert_event_sequence(session)


@needs_server
def test_claims_racing_for_one_holder_one_wins(session, registry_helper, race_engine):
    """Ten accounts hold a right code for the same paper holder and confirm at once: one account
    administers the holder, the others hear that it is taken."""
    from brandname.store.models import Claim

    from .conftest import _account

    registry_helper.issue("SAOMAI", applicant=org_applicant(code="0107770001", name="Công ty Sao Mai"))
    attempts = []
    for i in range(10):
        actor = lifecycle.Actor.for_account(_account(session, f"nguoi{i}@saomai.vn", "applicant"))
        claim = lifecycle.start_claim(session, "0107770001", actor=actor, now=NOW)
        attempts.append(
            (claim.id, lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW).code, actor)
        )

    def confirm(claim_id, code, actor):
        return lambda s: lifecycle.confirm_claim_code(s, claim_id, code, actor=actor, now=NOW).id

    outcomes = run_concurrently(race_engine, [confirm(*a) for a in attempts])
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    winners = [o for o in outcomes if o[0] == "ok"]
    assert len(winners) == 1
    assert all(isinstance(o[1], Conflict) for o in outcomes if o[0] == "domain")
    session.expire_all()
    holder_id = session.scalars(select(Holder.id).where(Holder.id_number == "0107770001")).one()
    members = session.scalars(select(Account).where(Account.holder_id == holder_id)).all()
    assert len(members) == 1
    assert session.scalar(select(func.count()).select_from(Claim).where(Claim.status == "granted")) == 1
    assert_event_sequence(session)
