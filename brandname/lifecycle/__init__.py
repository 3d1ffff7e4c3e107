"""The legal acts of Decree 91 as transactional services, grouped by family.

Each act runs in one database transaction: it checks the state machine, writes the new state and
its events, derives the notifications of those events into the outbox, commits and returns what it
changed. A refused act raises a DomainError and changes nothing. No Flask here: callers pass the
session, the actor, the time and the rules.

| module | acts |
| --- | --- |
| `applications` | submit, approve, reject, withdraw, withdraw_name, attach_document, request_documents, supplement_documents |
| `drafts` | save_draft, delete_draft; mark_notifications_read (the applicant's own working state) |
| `certificates` | record_payment, refuse_payment, confirm_payment (issue, reissue, renew) |
| `revocation` | give_up, propose/confirm/decline_revocation, release, expire, lapse_unpaid, daily |
| `charges` | raise_invoices (the daily duty), record/confirm/refuse_charge_payment |
| `authorizations` | authorize, withdraw_authorization |
| `casework` | take, assign (who holds an undecided dossier) |
| `periodic_reports` | file_report, request_report (the reports of Art. 30–31) |
| `keys` | revoke_issuing_key (an issuing key compromised: rotation, CRL, event) |
| `accounts` | staff and applicant accounts, email verification |
| `organizations` | an organization's members: invitations, roles, removal |
| `claims` | start_claim, send_claim_code, confirm_claim_code, submit_claim_authorization, approve_claim, reject_claim (names from paper or a legacy import taken in charge) |

`_kernel` holds what they share; `queries` the read-only questions they ask.
"""

from brandname.lifecycle._kernel import (
    COUNTERS,
    CRASH_ENV,
    DEFAULT_RULES,
    STAFF,
    SUPERVISORS,
    Actor,
    Result,
    Rules,
    act,
    crash_point,
    ensure_counters,
    next_value,
    record_event,
)
from brandname.lifecycle.applications import (
    approve,
    attach_document,
    reject,
    request_documents,
    submit,
    supplement_documents,
    withdraw,
    withdraw_name,
)
from brandname.lifecycle.authorizations import authorize, withdraw_authorization
from brandname.lifecycle.casework import assign, take
from brandname.lifecycle.certificates import (
    certificate_record,
    confirm_payment,
    make_certificate,
    record_payment,
    refuse_payment,
)
from brandname.lifecycle.charges import (
    confirm_charge_payment,
    raise_invoices,
    record_charge_payment,
    refuse_charge_payment,
)
from brandname.lifecycle.claims import (
    approve_claim,
    confirm_claim_code,
    reject_claim,
    send_claim_code,
    start_claim,
    submit_claim_authorization,
)
from brandname.lifecycle.drafts import delete_draft, mark_notifications_read, save_draft
from brandname.lifecycle.keys import revoke_issuing_key
from brandname.lifecycle.legacy import (
    open_legacy_batch,
    queue_legacy_rows,
    recognize_legacy,
    refuse_legacy,
)
from brandname.lifecycle.periodic_reports import file_report, request_report
from brandname.lifecycle.queries import (
    active_authorizations,
    availability,
    confusable_matches,
    event_count,
    find_brandname,
)
from brandname.lifecycle.revocation import (
    REVOCATION_GROUNDS,
    TWO_PERSON_GROUNDS,
    confirm_revocation,
    daily,
    decline_revocation,
    expire,
    give_up,
    ground_b_available,
    lapse_unpaid,
    propose_revocation,
    release,
    release_quarantined,
)
from brandname.lifecycle.watch import (
    add_watch_entry,
    approve_variant,
    decide_warning,
    reject_variant,
    remove_watch_entry,
    request_variant,
    update_watch_entry,
)

__all__ = [
    "approve_claim",
    "confirm_claim_code",
    "reject_claim",
    "send_claim_code",
    "start_claim",
    "submit_claim_authorization",
    "delete_draft",
    "mark_notifications_read",
    "save_draft",
    "withdraw_name",
    "COUNTERS",
    "CRASH_ENV",
    "DEFAULT_RULES",
    "REVOCATION_GROUNDS",
    "STAFF",
    "SUPERVISORS",
    "TWO_PERSON_GROUNDS",
    "Actor",
    "Result",
    "Rules",
    "act",
    "active_authorizations",
    "add_watch_entry",
    "approve_variant",
    "reject_variant",
    "request_variant",
    "approve",
    "assign",
    "attach_document",
    "request_documents",
    "supplement_documents",
    "authorize",
    "availability",
    "certificate_record",
    "confirm_charge_payment",
    "confirm_payment",
    "confirm_revocation",
    "confusable_matches",
    "crash_point",
    "daily",
    "decide_warning",
    "decline_revocation",
    "ensure_counters",
    "event_count",
    "expire",
    "file_report",
    "find_brandname",
    "give_up",
    "ground_b_available",
    "lapse_unpaid",
    "make_certificate",
    "next_value",
    "open_legacy_batch",
    "propose_revocation",
    "queue_legacy_rows",
    "raise_invoices",
    "recognize_legacy",
    "record_charge_payment",
    "record_event",
    "record_payment",
    "refuse_charge_payment",
    "refuse_legacy",
    "refuse_payment",
    "reject",
    "request_report",
    "release",
    "release_quarantined",
    "remove_watch_entry",
    "revoke_issuing_key",
    "submit",
    "take",
    "withdraw",
    "update_watch_entry",
    "withdraw_authorization",
]
