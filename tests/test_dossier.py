"""The mandatory legal document of a dossier depends on the applicant (Art. 24)."""

from datetime import datetime

import pytest
from sqlalchemy import select

from brandname.rules import dossier

from .conftest import PDF_BYTES, attach, org_applicant, person_applicant


def test_each_applicant_type_needs_its_own_document():
    household = dict(person_applicant(), business_registration="01A8001234")
    assert dossier.applicant_type(org_applicant()) == "organization"
    assert dossier.applicant_type(person_applicant()) == "individual"
    assert dossier.applicant_type(household) == "household_business"
    assert dossier.missing_documents(org_applicant(), []) == ["enterprise_registration"]
    assert dossier.missing_documents(org_applicant(), ["trademark", "id_document"]) == [
        "enterprise_registration"
    ]
    assert dossier.missing_documents(org_applicant(), ["enterprise_registration"]) == []
    assert dossier.missing_documents(person_applicant(), ["enterprise_registration"]) == ["id_document"]
    assert dossier.missing_documents(person_applicant(), ["id_document", "id_document"]) == []
    assert dossier.missing_documents(household, ["id_document"]) == ["business_registration"]
    assert dossier.missing_documents(household, ["business_registration"]) == []


def test_filing_on_behalf_also_needs_the_authorization():
    agent = dict(org_applicant(), on_behalf=True)
    assert dossier.required_documents(agent) == ["enterprise_registration", "authorization_letter"]
    assert dossier.missing_documents(agent, []) == ["enterprise_registration", "authorization_letter"]
    assert dossier.missing_documents(agent, ["enterprise_registration"]) == ["authorization_letter"]
    assert dossier.missing_documents(agent, ["enterprise_registration", "authorization_letter"]) == []
    assert dossier.missing_documents(dict(person_applicant(), on_behalf=True), ["id_document"]) == [
        "authorization_letter"
    ]
    assert (
        dossier.missing_documents(dict(org_applicant(), on_behalf=False), ["enterprise_registration"]) == []
    )


def test_the_on_behalf_choice_is_kept_with_the_applicant_section():
    from brandname.rules import form01

    assert form01.validate_applicant(dict(org_applicant(), on_behalf="on"))["on_behalf"] is True
    assert form01.validate_applicant(org_applicant())["on_behalf"] is False


def test_form01_offers_filing_on_behalf_and_the_officer_sees_the_authorization_missing(portal, session):
    from brandname.store.models import Application

    page = portal.a.get("/applicant/apply").data.decode()
    assert 'name="app_on_behalf"' in page and "Nộp thay người đăng ký" in page
    app_id = portal.application_id(
        portal.apply(
            portal.a,
            "THAYMAT",
            files=[("enterprise_registration", "dkdn.pdf", PDF_BYTES)],
            app_on_behalf="on",
        )
    )
    assert session.get(Application, app_id).applicant["on_behalf"] is True
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="on-behalf"' in page
    missing = page.split('id="dossier-missing"', 1)[1].split("</p>", 1)[0]
    assert "Giấy ủy quyền nộp hồ sơ" in missing and "đăng ký doanh nghiệp" not in missing


# -- approval is blocked until the mandatory documents are attached (Art. 26(2)(b)) ------------


def test_approval_is_refused_while_a_mandatory_document_is_missing(registry_helper, session):
    from brandname import lifecycle
    from brandname.errors import NotAllowed
    from brandname.store.models import Event

    application = registry_helper.submit("THIEUGIAY", documents=())
    with pytest.raises(NotAllowed) as refused:
        registry_helper.approve(application)
    assert refused.value.code == "documents_missing"
    assert "Giấy chứng nhận đăng ký doanh nghiệp" in refused.value.message_vi
    assert "enterprise registration" in refused.value.message_en
    assert refused.value.details == {"missing": ["enterprise_registration"]}
    session.rollback()
    assert application.status == "submitted" and application.names[0].status == "pending"
    with pytest.raises(NotAllowed):
        registry_helper.approve(application, documents_override="   ")
    # once the document is attached, the approval goes through with no override on record
    attach(session, application, "enterprise_registration", registry_helper.officer)
    registry_helper.approve(application)
    assert application.status == "approved"
    acts = session.scalars(select(Event.act).where(Event.application_id == application.id)).all()
    assert "approve_without_documents" not in acts
    assert lifecycle.queries.missing_documents(session, application) == []


def test_an_individual_filing_on_behalf_needs_its_id_and_the_authorization(registry_helper):
    from brandname.errors import NotAllowed

    agent = dict(person_applicant(), on_behalf=True)
    application = registry_helper.submit("UYQUYEN", applicant=agent, documents=["id_document"])
    with pytest.raises(NotAllowed) as refused:
        registry_helper.approve(application)
    assert refused.value.details == {"missing": ["authorization_letter"]}
    assert "giấy ủy quyền" in refused.value.message_vi


def test_an_officer_may_approve_without_them_with_a_written_reason_on_record(registry_helper, session):
    from brandname.errors import InvalidInput
    from brandname.store.models import Event

    application = registry_helper.submit("GHILYDO", documents=())
    with pytest.raises(InvalidInput):
        registry_helper.approve(application, documents_override="x" * 1001)
    session.rollback()
    registry_helper.approve(application, documents_override="  Bản giấy đã đối chiếu tại bộ phận một cửa. ")
    assert application.status == "approved"
    override = session.scalars(
        select(Event).where(Event.application_id == application.id, Event.act == "approve_without_documents")
    ).one()
    assert override.details == {
        "missing": ["enterprise_registration"],
        "reason": "Bản giấy đã đối chiếu tại bộ phận một cửa.",
    }
    assert override.actor_id == registry_helper.officer.id


def test_a_renewal_counts_the_documents_of_the_filing_its_name_was_issued_from(registry_helper, session):
    from brandname.errors import NotAllowed

    registry_helper.issue("COGIAY")
    registry_helper.followup("renewal", "COGIAY", now=datetime(2028, 12, 1, 3))
    # a name issued from a dossier that had no legal document: its renewal needs one
    bare = registry_helper.submit("KHONGGIAY", documents=())
    registry_helper.approve(bare, documents_override="Đã đối chiếu bản giấy.")
    registry_helper.pay_and_issue(bare)
    with pytest.raises(NotAllowed) as refused:
        registry_helper.followup("renewal", "KHONGGIAY", now=datetime(2028, 12, 1, 3))
    assert refused.value.code == "documents_missing"


def test_the_officer_page_asks_for_a_reason_and_the_trail_shows_the_override(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "TRANGCB", files=[]))
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="documents-override"' in page and 'name="documents_override"' in page
    refused = portal.officer.post(f"/officer/applications/{app_id}/approve", data={})
    assert refused.status_code == 409
    body = refused.data.decode()
    assert "chưa đủ giấy tờ bắt buộc" in body and "Yêu cầu bổ sung hồ sơ" in body
    done = portal.officer.post(
        f"/officer/applications/{app_id}/approve",
        data={"documents_override": "Bản chính xuất trình tại quầy."},
    )
    assert done.status_code == 302
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert "khi chưa có giấy tờ bắt buộc" in page and "Bản chính xuất trình tại quầy." in page
    assert 'id="documents-override"' not in page


def test_a_complete_dossier_shows_no_override_field(portal):
    app_id = portal.application_id(portal.apply(portal.a, "DUGIAY"))
    page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="dossier-complete"' in page and 'id="documents-override"' not in page
    assert portal.officer.post(f"/officer/applications/{app_id}/approve", data={}).status_code == 302


# -- a request for more documents stops the clock (yêu cầu bổ sung hồ sơ) ----------------------


def test_the_clock_stops_for_the_working_days_a_request_stays_open():
    from brandname.rules import dates

    def hanoi(day, hour):  # naive UTC of a Hanoi hour
        return datetime(2026, 3, day, hour) - dates.timedelta(hours=7)

    # asked Monday 2 March, answered the same day: nothing stopped
    assert dates.stopped_working_days(hanoi(2, 10), hanoi(2, 16)) == 0
    # asked Monday, answered Wednesday: Tuesday and Wednesday
    assert dates.stopped_working_days(hanoi(2, 10), hanoi(4, 9)) == 2
    # asked Friday 6 March, answered Monday 9: the weekend does not count
    assert dates.stopped_working_days(hanoi(6, 15), hanoi(9, 8)) == 1
    due = dates.decision_deadline(hanoi(2, 10))  # the end of Tuesday 3 March
    assert dates.extend_deadline(due, 0) == due
    assert dates.local_date(dates.extend_deadline(due, 2)) == datetime(2026, 3, 5).date()
    assert dates.local_date(dates.extend_deadline(dates.decision_deadline(hanoi(5, 10)), 1)) == (
        datetime(2026, 3, 9).date()
    )


def _mails_to(session, address):
    from brandname.store.models import Outbox

    return session.scalars(select(Outbox).where(Outbox.to == address).order_by(Outbox.id)).all()


def test_asking_for_documents_tells_the_applicant_and_stops_the_clock(registry_helper, session, officer):
    from brandname import lifecycle
    from brandname.errors import Forbidden, InvalidInput, NotAllowed
    from brandname.lifecycle._kernel import Actor
    from brandname.store.models import Event

    application = registry_helper.submit("BOSUNG", documents=())
    due = application.decision_due_at
    with pytest.raises(InvalidInput):
        lifecycle.request_documents(session, application.id, actor=officer, message="  ")
    with pytest.raises(Forbidden):
        lifecycle.request_documents(
            session,
            application.id,
            actor=Actor("applicant", "x@y.vn", None, application.holder_id),
            message="?",
        )
    asked_at = datetime(2026, 3, 2, 8)  # Monday 15:00 in Hanoi
    lifecycle.request_documents(
        session, application.id, actor=officer, message="Bổ sung bản sao chứng thực GCN ĐKDN.", now=asked_at
    )
    assert application.documents_requested_at == asked_at
    with pytest.raises(NotAllowed):  # one request open at a time
        lifecycle.request_documents(session, application.id, actor=officer, message="Lần hai")
    mail = _mails_to(session, "lienhe@anhduong.vn")[-1]
    assert "yêu cầu bổ sung hồ sơ" in mail.subject and "Bổ sung bản sao chứng thực GCN ĐKDN." in mail.body
    asked = session.scalars(select(Event).where(Event.act == "request_documents")).one()
    assert asked.details["missing"] == ["enterprise_registration"]
    # the applicant answers on Wednesday: two working days stopped, the deadline moves by two
    with pytest.raises(InvalidInput):
        lifecycle.supplement_documents(session, application.id, actor=officer, reply="", now=asked_at)
    answered_at = datetime(2026, 3, 4, 2)
    attach(session, application, "enterprise_registration", officer, now=answered_at)
    lifecycle.supplement_documents(session, application.id, actor=officer, reply="Đã gửi.", now=answered_at)
    assert application.documents_requested_at is None and application.documents_request is None
    assert application.decision_due_at == due + dates_timedelta(days=2)
    answer = session.scalars(select(Event).where(Event.act == "supplement_documents")).one()
    assert answer.details["stopped_working_days"] == 2 and len(answer.details["documents"]) == 1
    with pytest.raises(NotAllowed):  # no request open any more
        lifecycle.supplement_documents(session, application.id, actor=officer, reply="Thêm")
    registry_helper.approve(application, now=answered_at)
    assert application.status == "approved"


def dates_timedelta(**kw):
    from datetime import timedelta

    return timedelta(**kw)


def test_an_awaited_dossier_is_not_overdue_in_the_queue_or_the_tracking(registry_helper, session, officer):
    from brandname import lifecycle
    from brandname.lifecycle import queries, tracking

    waiting = registry_helper.submit("CHOBOSUNG", documents=())
    late = registry_helper.submit("QUAHAN", documents=())
    lifecycle.request_documents(
        session, waiting.id, actor=officer, message="Thiếu GCN ĐKDN.", now=datetime(2026, 3, 2, 4)
    )
    later = datetime(2026, 3, 20, 3)
    overdue = session.scalars(queries.queue(queries.QueueFilter(overdue=True), later)).all()
    assert overdue == [late]
    assert queries.dashboard(session, later)["overdue"] == [late]
    follow = tracking.track(session, waiting, now=later)
    assert not follow.overdue and tracking.track(session, late, now=later).overdue
    keys = [(s.key, s.at is not None) for s in follow.steps]
    assert keys[:4] == [
        ("received", True),
        ("under_review", True),
        ("documents_requested", True),
        ("documents_supplied", False),
    ]
    attach(session, waiting, "enterprise_registration", officer, now=later)
    lifecycle.supplement_documents(session, waiting.id, actor=officer, now=later)
    keys = [(s.key, s.at is not None) for s in tracking.track(session, waiting, now=later).steps]
    assert ("documents_supplied", True) in keys


def test_officer_asks_applicant_supplies_through_the_portals(portal, session):
    from brandname.store.models import Application, Notification

    app_id = portal.application_id(portal.apply(portal.a, "CONGBS", files=[]))
    asked = portal.officer.post(
        f"/officer/applications/{app_id}/request-documents",
        data={"documents_request": "Đề nghị bổ sung Giấy chứng nhận đăng ký doanh nghiệp."},
    )
    assert asked.status_code == 302
    queue = portal.officer.get("/officer/queue").data.decode()
    assert "Chờ bổ sung hồ sơ" in queue
    officer_page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="documents-awaited"' in officer_page and "yêu cầu bổ sung hồ sơ số" in officer_page
    inbox = session.scalars(
        select(Notification).where(
            Notification.account_id == portal.account_a.id, Notification.application_id == app_id
        )
    ).all()
    assert any("yêu cầu bổ sung hồ sơ" in n.subject for n in inbox)
    page = portal.a.get(f"/applicant/applications/{app_id}").data.decode()
    assert 'id="supplement-form"' in page and "Đề nghị bổ sung Giấy chứng nhận đăng ký doanh nghiệp." in page
    assert portal.a.post(f"/applicant/applications/{app_id}/supplement", data={}).status_code == 422
    import io

    supplied = portal.a.post(
        f"/applicant/applications/{app_id}/supplement",
        data={
            "doc-0-kind": "enterprise_registration",
            "doc-0-file": (io.BytesIO(PDF_BYTES), "gcn-dkdn.pdf"),
            "reply": "Xin gửi bản sao chứng thực.",
        },
        content_type="multipart/form-data",
    )
    assert supplied.status_code == 302, supplied.data.decode()[:500]
    session.expire_all()
    assert session.get(Application, app_id).documents_requested_at is None
    page = portal.a.get(f"/applicant/applications/{app_id}").data.decode()
    assert 'id="supplement-form"' not in page and "gcn-dkdn.pdf" in page
    officer_page = portal.officer.get(f"/officer/applications/{app_id}").data.decode()
    assert 'id="dossier-complete"' in officer_page and "Xin gửi bản sao chứng thực." in officer_page
    assert portal.officer.post(f"/officer/applications/{app_id}/approve", data={}).status_code == 302
