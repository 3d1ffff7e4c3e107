"""The officer console's tools and the fixes to its pages: confirmation of irreversible acts,
the audit trail in words, search, assignment, queue filters, exports and statistics."""

import re

from sqlalchemy import select

from brandname import lifecycle
from brandname.store.models import Payment


def text(response):
    return response.get_data(as_text=True)


def confirm_forms(html):
    """{form action: data-confirm text} for every form on the page that asks for confirmation."""
    out = {}
    for tag in re.findall(r"<form\b[^>]*>", html):
        action = re.search(r'action="([^"]+)"', tag)
        confirm = re.search(r'data-confirm="([^"]+)"', tag)
        if action:
            out[action.group(1)] = confirm.group(1) if confirm else None
    return out


# -- confirmation of irreversible acts ------------------------------------------------------


def test_every_irreversible_form_asks_for_confirmation_naming_the_name(
    portal, session, registry_helper, officer, supervisor
):
    app_id = portal.application_id(portal.apply(portal.a, "XACNHAN"))
    page = text(portal.officer.get(f"/officer/applications/{app_id}"))
    forms = confirm_forms(page)
    for act in ("approve", "reject"):
        message = forms[f"/officer/applications/{app_id}/{act}"]
        assert message and "XACNHAN" in message and str(app_id) in message, act
    assert 'src="/static/confirm.js"' in page and 'id="confirm-dialog"' in page
    # the applicant's withdrawal
    forms = confirm_forms(text(portal.a.get(f"/applicant/applications/{app_id}")))
    assert "XACNHAN" in forms[f"/applicant/applications/{app_id}/withdraw"]

    # payment confirmation, on the application page and on the payments list
    portal.officer.post(f"/officer/applications/{app_id}/approve")
    portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": "FT0001"})
    payment = session.scalars(select(Payment)).one()
    for url in (f"/officer/applications/{app_id}", "/officer/payments"):
        message = confirm_forms(text(portal.officer.get(url)))[f"/officer/payments/{payment.id}/confirm"]
        assert message and "XACNHAN" in message and "FT0001" in message, url

    # revocation: confirm and decline name the name; release too
    bn = registry_helper.issue("THUHOI").brandnames[0]
    lifecycle.propose_revocation(
        session,
        bn.id,
        actor=officer,
        ground="authority_request",
        evidence={"request_number": "1/CV", "request_date": "2026-03-01"},
    )
    forms = confirm_forms(text(portal.supervisor.get("/officer/revocations")))
    confirmations = [v for k, v in forms.items() if k.startswith("/officer/revocations/")]
    assert len(confirmations) == 2 and all(v and "THUHOI" in v for v in confirmations)
    gone = registry_helper.issue("BOCHOI").brandnames[0]
    lifecycle.give_up(session, gone.id, actor=officer)
    forms = confirm_forms(text(portal.officer.get(f"/officer/names/{gone.id}")))
    assert "BOCHOI" in forms[f"/officer/names/{gone.id}/release"]


def test_confirm_script_is_static_and_allowed_by_the_csp(portal):
    response = portal.anon.get("/static/confirm.js")
    assert response.status_code == 200 and "showModal" in text(response)
    page = portal.anon.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text(page))  # no inline script
