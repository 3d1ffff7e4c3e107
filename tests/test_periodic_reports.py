"""Periodic reports (Art. 30–31; Forms 04, 05, 06): filing by holders and carriers, ad-hoc
requests, the overdue list, the reminders of the daily job, the export of a period, and the
portal and API routes that perform them."""

import csv
import io
from datetime import date, datetime

import jsonschema
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from brandname.lifecycle import periodic_reports as pr
from brandname.rules import reporting
from brandname.store.models import CarrierKey, Event, Holder, Outbox, PeriodicReport, ReportRequest

from .conftest import PDF_BYTES, org_applicant

# 10 January 2027 in Hanoi: the 2026 report is due on 15 January
FILING = datetime(2027, 1, 10, 3, 0)
LATE = datetime(2027, 1, 20, 3, 0)
FORM04 = {
    "names_used": "1",
    "sms_sent": "12000",
    "advertising_sms": "2000",
    "calls_made": "0",
    "opt_out_requests": "15",
    "opt_out_handled": "15",
    "complaints": "2",
}
FORM05 = {
    "names_carried": "120",
    "sms_carried": "5000000",
    "calls_carried": "10",
    "unregistered_blocked": "31",
}


@pytest.fixture
def holder(session, registry_helper):
    bn = registry_helper.issue("BAOCAO").brandnames[0]
    return bn.holder


@pytest.fixture
def holder_actor(holder):
    return lifecycle.Actor("applicant", "a@anhduong.vn", None, holder.id)


@pytest.fixture
def carrier(session, carrier_key):
    return session.scalars(select(CarrierKey)).one()


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_holder_files_form_04_online_once_and_it_is_an_event(session, holder, holder_actor):
    report = lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        period="2026",
        figures=FORM04,
        now=FILING,
    )
    assert (report.way, report.figures["sms_sent"], report.late, report.due_date) == (
        "online",
        12000,
        False,
        date(2027, 1, 15),
    )
    event = session.scalars(select(Event).where(Event.act == "file_report")).one()
    assert event.details["form"] == "04" and event.details["period"] == "2026"
    assert event.details["figures"]["advertising_sms"] == 2000
    with pytest.raises(Conflict):
        lifecycle.file_report(
            session,
            pr.Filer.holder(holder.id),
            actor=holder_actor,
            form="04",
            period="2026",
            figures=FORM04,
            now=FILING,
        )
    assert count(session, PeriodicReport) == 1


def test_a_filing_is_refused_before_its_period_ends_without_figures_or_for_someone_else(
    session, holder, holder_actor, carrier
):
    filer = pr.Filer.holder(holder.id)
    with pytest.raises(NotAllowed):
        lifecycle.file_report(
            session, filer, actor=holder_actor, form="04", period="2027", figures=FORM04, now=FILING
        )
    with pytest.raises(InvalidInput):
        lifecycle.file_report(session, filer, actor=holder_actor, form="04", period="2026", now=FILING)
    with pytest.raises(InvalidInput):
        lifecycle.file_report(
            session, filer, actor=holder_actor, form="05", period="2026", figures=FORM05, now=FILING
        )
    with pytest.raises(InvalidInput) as wrong:
        lifecycle.file_report(
            session,
            filer,
            actor=holder_actor,
            form="04",
            period="2026",
            figures=FORM04 | {"opt_out_handled": "16"},
            now=FILING,
        )
    assert "opt_out_handled" in wrong.value.details["fields"]
    stranger = lifecycle.Actor("applicant", "x@y.vn", None, holder.id + 99)
    with pytest.raises(Forbidden):
        lifecycle.file_report(
            session, filer, actor=stranger, form="04", period="2026", figures=FORM04, now=FILING
        )
    other_carrier = pr.carrier_actor("Another Carrier")
    with pytest.raises(Forbidden):
        lifecycle.file_report(
            session,
            pr.Filer.carrier(carrier.id),
            actor=other_carrier,
            form="05",
            period="2026",
            figures=FORM05,
            now=FILING,
        )
    assert count(session, PeriodicReport) == 0 and count(session, Event.__table__) >= 1
    assert session.scalar(select(func.count()).where(Event.act == "file_report")) == 0


def test_a_late_filing_is_accepted_and_marked_late(session, holder, holder_actor):
    report = lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        period="2026",
        figures=FORM04,
        now=LATE,
    )
    assert report.late is True


def test_a_signed_form_is_recorded_with_its_fingerprint(session, holder, holder_actor):
    document = {
        "original_filename": "bao-cao-2026.pdf",
        "stored_name": "abc.pdf",
        "content_type": "application/pdf",
        "size": 100,
        "sha256": "0" * 64,
    }
    report = lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        period="2026",
        document=document,
        now=FILING,
    )
    assert (report.way, report.figures, report.original_filename) == ("document", None, "bao-cao-2026.pdf")
    event = session.scalars(select(Event).where(Event.act == "file_report")).one()
    assert event.details["way"] == "document" and event.details["sha256"] == "0" * 64


def test_carriers_file_forms_05_and_06(app, session, carrier):
    actor = pr.carrier_actor(carrier.name)
    filer = pr.Filer.carrier(carrier.id)
    lifecycle.file_report(session, filer, actor=actor, form="05", period="2026", figures=FORM05, now=FILING)
    period = reporting.Calendar().parse("2026")
    owed = {(o.filer.key, o.form.number): o.filed for o in pr.owed(session, period)}
    assert owed == {(filer.key, "05"): True, (filer.key, "06"): False}
    event = session.scalars(select(Event).where(Event.act == "file_report")).one()
    assert event.actor_kind == "carrier" and event.actor_label == f"carrier:{carrier.name}"
    from brandname.web import trail

    with app.test_request_context("/"):
        (entry,) = trail.describe(session, [event])
    assert entry.sentence.startswith(f"Doanh nghiệp viễn thông {carrier.name} nộp báo cáo Mẫu số 05 của")


def _request_may_report(session, holder, actor, *, subject, due_date=date(2026, 6, 20)):
    """An ad-hoc Form 04 request for May 2026, made on 5 June."""
    return lifecycle.request_report(
        session,
        pr.Filer.holder(holder.id),
        actor=actor,
        form="04",
        subject=subject,
        period_start=date(2026, 5, 1),
        period_end=date(2026, 5, 31),
        due_date=due_date,
        now=datetime(2026, 6, 5, 3, 0),
    )


def test_an_officer_request_has_its_own_due_date_and_is_answered_once(session, holder, holder_actor, officer):
    request = _request_may_report(
        session, holder, officer, subject="Tình hình gửi tin nhắn quảng cáo tháng 5/2026"
    )
    event = session.scalars(select(Event).where(Event.act == "request_report")).one()
    assert event.details["due_date"] == "2026-06-20" and event.details["filer_name"] == holder.name
    mail = session.scalars(select(Outbox).where(Outbox.key == f"report-request:{request.id}")).one()
    assert "20/06/2026" in mail.body and mail.to == "lienhe@anhduong.vn"
    with pytest.raises(Forbidden):
        _request_may_report(session, holder, holder_actor, subject="x")
    with pytest.raises(InvalidInput):
        _request_may_report(
            session,
            holder,
            officer,
            subject="x",
            due_date=date(2026, 6, 5),  # today: no time to answer
        )
    report = lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        request_id=request.id,
        figures=FORM04,
        now=datetime(2026, 6, 25, 3, 0),
    )
    assert report.late is True and report.due_date == date(2026, 6, 20) and request.status == "filed"
    with pytest.raises(NotAllowed):
        lifecycle.file_report(
            session,
            pr.Filer.holder(holder.id),
            actor=holder_actor,
            form="04",
            request_id=request.id,
            figures=FORM04,
            now=datetime(2026, 6, 25, 3, 0),
        )


def test_the_overdue_list_names_who_has_not_filed_after_the_due_date(
    session, holder, holder_actor, carrier, registry_helper
):
    other = registry_helper.issue(
        "KHAC", applicant=org_applicant("0109999999", "Công ty TNHH Khác")
    ).brandnames[0]
    lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        period="2026",
        figures=FORM04,
        now=FILING,
    )
    period = reporting.Calendar().parse("2026")
    items = pr.owed(session, period)
    overdue = {(o.name, o.form.number) for o in items if o.overdue(date(2027, 1, 16))}
    assert overdue == {(other.holder.name, "04"), (carrier.name, "05"), (carrier.name, "06")}
    assert not [o for o in items if o.overdue(date(2027, 1, 15))]  # the due day itself is in time


def test_holders_with_no_name_in_force_in_the_period_owe_nothing(session, holder):
    assert pr.owed(session, reporting.Calendar().parse("2025")) == []


def test_the_daily_job_reminds_holders_before_the_due_date_once_per_window(
    session, holder, holder_actor, carrier
):
    def run(day):
        return lifecycle.daily(session, today=day, now=datetime.combine(day, datetime.min.time()))[
            "report_reminders"
        ]

    assert run(date(2026, 12, 15)) == 0  # 31 days before 15 January
    assert run(date(2026, 12, 16)) == 1
    assert run(date(2026, 12, 17)) == 0  # the same window again
    assert run(date(2027, 1, 9)) == 1  # 6 days before: the 7-day window
    mails = session.scalars(select(Outbox).where(Outbox.key.startswith("report-reminder:"))).all()
    assert {m.key.rsplit(":", 1)[1] for m in mails} == {"30", "7"}
    assert all(m.to == "lienhe@anhduong.vn" and "15/01/2027" in m.body for m in mails)
    lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        period="2026",
        figures=FORM04,
        now=datetime(2027, 1, 10, 3, 0),
    )
    assert run(date(2027, 1, 14)) == 0  # filed: no 1-day reminder


def test_the_export_of_a_period_lists_every_filing_and_what_is_missing(
    session, holder, holder_actor, carrier
):
    lifecycle.file_report(
        session,
        pr.Filer.holder(holder.id),
        actor=holder_actor,
        form="04",
        period="2026",
        figures=FORM04,
        now=FILING,
    )
    lifecycle.file_report(
        session,
        pr.Filer.carrier(carrier.id),
        actor=pr.carrier_actor(carrier.name),
        form="05",
        period="2026",
        figures=FORM05,
        now=LATE,
    )
    table = pr.period_table(session, reporting.Calendar().parse("2026"))
    sms_sent = table.headers.index("Số tin nhắn đã gửi bằng tên định danh (Mẫu 04)")
    carried = table.headers.index("Số tin nhắn sử dụng tên định danh đã truyền tải (Mẫu 05)")
    rows = {(r[0], r[2]): r for r in table.rows}
    assert rows[(holder.name, "04")][sms_sent] == 12000 and rows[(holder.name, "04")][carried] == ""
    assert rows[(carrier.name, "05")][carried] == 5000000 and rows[(carrier.name, "05")][7] == "Có"
    assert rows[(carrier.name, "06")][7] == "Chưa nộp"


# -- web routes ------------------------------------------------------------------------------


@pytest.fixture
def issued_for_a(portal, registry_helper):
    bn = registry_helper.issue("PORTALBC").brandnames[0]
    portal.account_a.holder_id = bn.holder_id
    portal.session.commit()
    return bn


def test_the_holder_files_the_online_form_from_the_portal(portal, issued_for_a, monkeypatch):
    monkeypatch.setattr("brandname.rules.dates.local_today", lambda: date(2027, 1, 10))
    monkeypatch.setattr("brandname.rules.dates.utcnow", lambda: FILING)
    page = portal.a.get("/applicant/reports").get_data(as_text=True)
    assert "Mẫu số 04" in page and "năm 2026" in page
    form = portal.a.get("/applicant/reports/file?form=04&period=2026").get_data(as_text=True)
    assert "Số tin nhắn đã gửi bằng tên định danh" in form
    bad = portal.a.post(
        "/applicant/reports/file",
        data={"form": "04", "period": "2026", "way": "online"} | {k: "x" for k in FORM04},
    )
    assert bad.status_code == 400 and "phải là số nguyên không âm" in bad.get_data(as_text=True)
    ok = portal.a.post(
        "/applicant/reports/file", data={"form": "04", "period": "2026", "way": "online"} | FORM04
    )
    assert ok.status_code == 302
    report = portal.session.scalars(select(PeriodicReport)).one()
    assert report.holder_id == issued_for_a.holder_id and report.filed_by_id == portal.account_a.id


def test_the_holder_uploads_the_signed_form(portal, issued_for_a, monkeypatch, app):
    monkeypatch.setattr("brandname.rules.dates.utcnow", lambda: FILING)
    refused = portal.a.post(
        "/applicant/reports/file",
        data={"form": "04", "period": "2026", "way": "document", "file": (io.BytesIO(b"not a pdf"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "không phải PDF" in refused.get_data(as_text=True)
    ok = portal.a.post(
        "/applicant/reports/file",
        data={
            "form": "04",
            "period": "2026",
            "way": "document",
            "file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    report = portal.session.scalars(select(PeriodicReport)).one()
    assert report.way == "document" and report.content_type == "application/pdf"
    holder_page = portal.officer.get(f"/officer/holders/{report.holder_id}").get_data(as_text=True)
    assert "bao-cao.pdf" in holder_page and f"/officer/reports/{report.id}/file" in holder_page
    officer_copy = portal.officer.get(f"/officer/reports/{report.id}/file")
    assert officer_copy.status_code == 200 and officer_copy.data == PDF_BYTES
    assert portal.b.get(f"/officer/reports/{report.id}/file").status_code in (302, 403)


def test_the_officer_sees_the_overdue_list_requests_a_report_and_exports(portal, issued_for_a, monkeypatch):
    monkeypatch.setattr("brandname.rules.dates.local_today", lambda: date(2027, 1, 20))
    monkeypatch.setattr("brandname.rules.dates.utcnow", lambda: LATE)
    page = portal.officer.get("/officer/reports?period=2026").get_data(as_text=True)
    holder = portal.session.get(Holder, issued_for_a.holder_id)
    assert "Quá hạn" in page and holder.name in page
    assert portal.a.get("/officer/reports").status_code in (302, 403)
    asked = portal.officer.post(
        "/officer/reports/requests",
        data={
            "filer": f"holder:{holder.id}",
            "form": "04",
            "subject": "Số liệu tin nhắn quảng cáo",
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
            "due_date": "2027-02-01",
        },
    )
    assert asked.status_code == 302
    request = portal.session.scalars(select(ReportRequest)).one()
    assert request.due_date == date(2027, 2, 1)
    trail = portal.officer.get("/officer/reports?period=2026").get_data(as_text=True)
    assert "yêu cầu báo cáo theo Mẫu số 04" in trail
    exported = portal.officer.get("/officer/export/reports-2026.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Bên báo cáo" and [holder.name, "04"] == [rows[1][0], rows[1][2]]
    xlsx = portal.officer.get("/officer/export/reports-2026.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A1"].value == "Bên báo cáo"


def test_a_carrier_files_through_the_api_with_its_key(client, carrier, carrier_headers, session, monkeypatch):
    monkeypatch.setattr("brandname.rules.dates.utcnow", lambda: FILING)
    owed = client.get("/api/v1/reports", headers=carrier_headers)
    assert owed.status_code == 200 and [f["form"] for f in owed.get_json()["owed"]] == ["05", "06"]
    assert (
        client.post("/api/v1/reports", json={"form": "05", "period": "2026", "figures": FORM05}).status_code
        == 401
    )
    bad = client.post(
        "/api/v1/reports",
        json={"form": "05", "period": "2026", "figures": FORM05 | {"sms_carried": -1}},
        headers=carrier_headers,
    )
    assert bad.status_code == 400 and "sms_carried" in bad.get_json()["details"]["fields"]
    ok = client.post(
        "/api/v1/reports", json={"form": "05", "period": "2026", "figures": FORM05}, headers=carrier_headers
    )
    assert ok.status_code == 201 and ok.get_json()["late"] is False
    again = client.post(
        "/api/v1/reports", json={"form": "05", "period": "2026", "figures": FORM05}, headers=carrier_headers
    )
    assert again.status_code == 409
    upload = client.post(
        "/api/v1/reports",
        data={"form": "06", "period": "2026", "file": (io.BytesIO(PDF_BYTES), "mau-06.pdf")},
        headers=carrier_headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201 and upload.get_json()["way"] == "document"
    listing = client.get("/api/v1/reports", headers=carrier_headers)
    assert listing.get_json()["owed"] == [] and len(listing.get_json()["filed"]) == 2
    # the answers fit the OpenAPI document's schemas
    spec = client.get("/api/v1/openapi.json").get_json()
    for response, method, status in ((listing, "get", 200), (ok, "post", 201), (bad, "post", 400)):
        schema = spec["paths"]["/api/v1/reports"][method]["responses"][str(status)]["content"][
            "application/json"
        ]
        jsonschema.Draft202012Validator({**schema["schema"], "components": spec["components"]}).validate(
            response.get_json()
        )


def test_an_open_request_is_reminded_before_its_own_due_date(session, holder, officer):
    request = _request_may_report(session, holder, officer, subject="Số liệu tháng 5")
    due = pr.reminders_due(session, today=date(2026, 6, 14))
    assert [(r.key, r.window, r.due_date) for r in due] == [
        (f"holder:{holder.id}:04:request:{request.id}", 7, date(2026, 6, 20))
    ]
    assert (
        lifecycle.daily(session, today=date(2026, 6, 14), now=datetime(2026, 6, 14))["report_reminders"] == 1
    )
    mail = session.scalars(select(Outbox).where(Outbox.key.startswith("report-reminder:"))).one()
    assert "theo yêu cầu số" in mail.body and "20/06/2026" in mail.body


def test_a_wrong_reporting_calendar_stops_the_start(tmp_path):
    from brandname import create_app

    with pytest.raises(RuntimeError, match="BRANDNAME_REPORT_PERIOD"):
        create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x", "REPORT_PERIOD": "monthly"})
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x", "REPORT_PERIOD": "quarterly"})
    with app.app_context():
        from brandname import registry

        assert registry.rules().report_calendar == reporting.Calendar("quarterly", 15)
