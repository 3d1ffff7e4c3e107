"""Tracking a dossier without signing in: its code and a proof that the reader filed it.

The proof is the applicant's email (the one on Form 01, the filing account's or the holder's)
or its tax code / ID number. A wrong code and a wrong proof give the same answer, None, so the
page cannot tell a stranger which codes exist. The timeline is read from the application's
events; nothing here changes the registry.
"""

import hmac
import re
from typing import NamedTuple

from sqlalchemy import select

from brandname.rules import dates, dossier_code
from brandname.store.models import Account, Application, Event

DECIDED = {"approve": "approved", "reject": "rejected", "auto_reject": "rejected", "withdraw": "withdrawn"}
ISSUE_ACTS = ("issue", "reissue", "renewal")
REVIEW_ACTS = ("take", "assign", "decide_warning")
# the timeline's steps, in order; a request for more documents and its answer come between the
# review and the decision, once per request ("documents_requested", "documents_supplied")
STEPS = ("received", "under_review", "decided", "paid", "issued")
DOCUMENT_STEPS = {"request_documents": "documents_requested", "supplement_documents": "documents_supplied"}


class Step(NamedTuple):
    key: str
    at: object  # naive UTC, or None while the step has not happened
    outcome: str | None = None  # decided: approved | rejected | withdrawn | lapsed
    late: bool = False  # taken after its deadline


class Tracking(NamedTuple):
    application: Application
    steps: list
    # undecided after the decision deadline: the Authority is late
    overdue: bool


def _proofs(session, application):
    applicant = application.applicant or {}
    emails = {applicant.get("email"), application.holder.email}
    if application.account_id:
        account = session.get(Account, application.account_id)
        # a member removed from the holder since filing no longer follows its dossiers
        emails.add(account.email if account and account.holder_id == application.holder_id else None)
    numbers = {applicant.get("tax_code"), applicant.get("id_number"), application.holder.id_number}
    return (
        {e.strip().casefold() for e in emails if e and e.strip()},
        {_digits(n) for n in numbers if n and _digits(n)},
    )


def _digits(text):
    return re.sub(r"[\s.\-]+", "", text or "").upper()


def _matches(given, known):
    # every candidate is compared, so the time taken says nothing about which one matched
    found = False
    for value in known:
        found |= hmac.compare_digest(given.encode(), value.encode())
    return found


def find(session, code, proof):
    """The application with dossier code `code` whose applicant `proof` identifies, else None."""
    code = dossier_code.normalize(code)
    proof = (proof or "").strip()
    if not code or not proof or len(proof) > 254:
        return None
    application = session.scalars(select(Application).where(Application.code == code)).first()
    if application is None:
        return None
    emails, numbers = _proofs(session, application)
    if "@" in proof:
        return application if _matches(proof.casefold(), emails) else None
    return application if _matches(_digits(proof), numbers) else None


def track(session, application, now=None):
    """The dossier's status and timeline, from its events."""
    now = now or dates.utcnow()
    events = session.scalars(
        select(Event).where(Event.application_id == application.id).order_by(Event.seq)
    ).all()
    first = {}
    decided = None
    for event in events:
        first.setdefault(event.act, event)
        if decided is None and event.act in DECIDED:
            decided = (event, DECIDED[event.act])
        if decided is None and event.act == "lapse" and event.subject_type == "application":
            decided = (event, "lapsed")
    received = Step("received", application.received_at)
    review = next((first[a].at for a in REVIEW_ACTS if a in first), None)
    if decided:
        at, outcome = decided[0].at, decided[1]
        decided_step = Step("decided", at, outcome, late=at > application.decision_due_at)
        review = review or at
    else:
        decided_step = Step("decided", None)
    paid = first.get("confirm_payment")
    issued = next(
        (e for e in events if e.act in ISSUE_ACTS and e.subject_type == "certificate"),
        None,
    )
    requests = [Step(DOCUMENT_STEPS[e.act], e.at) for e in events if e.act in DOCUMENT_STEPS]
    if application.documents_requested_at is not None and application.status == "submitted":
        requests.append(Step("documents_supplied", None))  # still awaited
    review = review or (requests[0].at if requests else None)
    steps = [
        received,
        Step("under_review", review),
        *requests,
        decided_step,
        Step("paid", paid.at if paid else None),
        Step("issued", issued.at if issued else None),
    ]
    overdue = (
        application.status == "submitted"
        and application.documents_requested_at is None  # the clock stops while documents are awaited
        and now > application.decision_due_at
    )
    return Tracking(application, steps, overdue)
