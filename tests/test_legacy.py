"""Names from before the decree (Art. 36): the review queue, the officer's decisions and the
published list of recognized names."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import InvalidInput, NotAllowed
from brandname.ops import doctor
from brandname.rules import dates
from brandname.rules import legacy as legacy_rules
from brandname.store.models import Brandname, Certificate, Event, Holder, LegacyBatch, LegacyRow

from .conftest import NOW, org_applicant
from .test_bulk import legacy_row, person_row, write_csv

TODAY = dates.local_date(NOW)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def import_csv(app, path, *extra):
    return app.test_cli_runner().invoke(
        args=[
            "brandname",
            "import-legacy",
            str(path),
            "--carrier",
            "Viettel",
            "--file-date",
            "2020-10-01",
            *extra,
        ]
    )


def out_line(output, line):
    found = [x for x in output.splitlines() if x.startswith(f"dòng/line {line}:")]
    assert len(found) == 1, (line, output)
    return found[0]


def queue(session, tmp_path, rows, actor=None, now=NOW):
    """Load rows through the acts the CLI uses, with a fixed clock; the batch and the outcomes."""
    from brandname.ops import bulk

    path = write_csv(tmp_path / "list.csv", rows)
    actor = actor or lifecycle.Actor.operator("test")
    bad = []
    with open(path, newline="", encoding="utf-8") as fh:
        parsed = list(bulk.read_legacy_csv(fh, carrier="Viettel", file_date=date(2020, 10, 1), bad_rows=bad))
    batch = lifecycle.open_legacy_batch(
        session, filename="list.csv", carrier="Viettel", file_date=date(2020, 10, 1), actor=actor, now=now
    )
    outcomes = lifecycle.queue_legacy_rows(session, batch.id, parsed, actor=actor, unreadable=bad, now=now)
    return batch, outcomes


def row_at(session, batch, line):
    return session.scalars(
        select(LegacyRow).where(LegacyRow.batch_id == batch.id, LegacyRow.line == line)
    ).one()


# -- the import: a queue, nothing issued ------------------------------------------------------


def test_import_legacy_queues_checks_each_row_and_issues_nothing(app, session, registry_helper, tmp_path):
    registry_helper.issue("TAKEN", applicant=org_applicant(code="0109999999"))
    names_before = count(session, Brandname)
    long_until = (dates.local_today() + timedelta(days=17 * 365)).isoformat()
    rows = [
        legacy_row("SAOMAI"),  # 2 queued
        legacy_row("LONGTERM", valid_from="2015-01-01", valid_until=long_until),  # 3 queued, term cut
        legacy_row("OLDNAME", valid_from="2012-05-01", valid_until="2018-04-30"),  # 4 expired
        legacy_row("MEKONGGO", code="0301111111"),  # 5 queued
        legacy_row("MEK0NGG0", code="0302222222"),  # 6 queued, reads like line 5
        legacy_row("ViệtNam"),  # 7 Art. 23 format
        legacy_row("saomai", code="0308888888"),  # 8 repeats line 2
        legacy_row("TAKEN"),  # 9 already in the registry
        legacy_row("BADFLAG", use_sms="maybe"),  # 10 unreadable
        person_row("LAN SHOP"),  # 11 queued (individual)
        legacy_row("TAKEN.", code="0303333333"),  # 12 queued, reads like TAKEN in the registry
    ]
    path = write_csv(tmp_path / "viettel.csv", rows)
    result = import_csv(app, path, "--batch", "4")
    assert result.exit_code == 1, result.output
    out = result.output
    assert count(session, Brandname) == names_before  # nothing issued, nothing active
    for line in (2, 3, 5, 6, 11, 12):
        assert "chờ duyệt / queued" in out_line(out, line)
    assert "sẽ rút về 3 năm" in out_line(out, 3) and "cut to 3 years" in out_line(out, 3)
    assert "cut to 3 years" not in out_line(out, 2)
    expired = out_line(out, 4)
    assert "từ chối / refused" in expired and "30/04/2018" in expired and "expired on 2018-04-30" in expired
    warned = out_line(out, 6)
    assert "MEKONGGO" in warned and "line 5" in warned and "warning" in warned
    assert "warning" not in out_line(out, 5)
    assert "TAKEN" in out_line(out, 12) and "in the registry" in out_line(out, 12)
    assert "Art. 23" in out_line(out, 7)
    assert "line 2" in out_line(out, 8)
    assert "already in the registry" in out_line(out, 9)
    assert "Invalid value" in out_line(out, 10)
    assert "queued 6 (cảnh báo/with warnings 2, thời hạn rút về 3 năm/term cut 1), từ chối/refused 5" in out

    batch = session.scalars(select(LegacyBatch)).one()
    assert (batch.rows_total, batch.rows_refused, batch.rows_warned) == (11, 5, 2)
    statuses = dict(session.execute(select(LegacyRow.line, LegacyRow.status)).all())
    assert [line for line, s in sorted(statuses.items()) if s == "pending"] == [2, 3, 5, 6, 11, 12]
    old = row_at(session, batch, 4)
    assert old.refusal_code == "expired" and old.decided_by_label == "operator:import-legacy"
    look_alike = row_at(session, batch, 6)
    assert look_alike.warnings == [{"code": "confusable", "with": "MEKONGGO", "where": "file", "line": 5}]
    events = session.scalars(
        select(Event).where(Event.subject_type == "legacy_batch").order_by(Event.seq)
    ).all()
    assert [e.act for e in events] == ["legacy_batch", "legacy_queue", "legacy_queue", "legacy_queue"]
    assert [4, "expired"] in events[1].details["refused"]

    # a second run of the same file queues nothing twice
    again = import_csv(app, path)
    assert "queued 0" in again.output and "waiting for review in list 1, line 2" in again.output
    assert count(session, LegacyRow, LegacyRow.status == "pending") == 6


def test_the_row_checks_are_plain_rules():
    ok = legacy_rules.check_row(
        "MEKONGGO",
        org_applicant(),
        use_sms=True,
        use_voice=False,
        valid_from=None,
        valid_until=TODAY,
        today=TODAY,
    )
    assert ok.ok and ok.holder["id_number"] == "0101234567"
    expired = legacy_rules.check_row(
        "MEKONGGO",
        org_applicant(),
        use_sms=True,
        use_voice=False,
        valid_from=None,
        valid_until=TODAY - timedelta(days=1),
        today=TODAY,
    )
    assert [p.code for p in expired.problems] == ["expired"]
    assert legacy_rules.recognized_term(date(2040, 1, 1), TODAY) == (TODAY, dates.validity_end(TODAY), True)
    assert legacy_rules.recognized_term(TODAY + timedelta(days=30), TODAY) == (
        TODAY,
        TODAY + timedelta(days=30),
        False,
    )
    assert legacy_rules.recognized_term(None, TODAY) == (TODAY, dates.validity_end(TODAY), False)
    assert name_key("MEK0NGG0") == name_key("MEKONGGO")


def name_key(name):
    from brandname.rules.names import confusable_key

    return confusable_key(name)


# -- the officer's decisions ------------------------------------------------------------------


def test_recognition_issues_the_name_with_a_term_cut_to_three_years(app, session, keys, officer, tmp_path):
    batch, _ = queue(
        session,
        tmp_path,
        [legacy_row("LONGTERM", valid_from="2015-01-01", valid_until="2043-01-01"), person_row("LAN SHOP")],
    )
    row = row_at(session, batch, 2)
    later = NOW + timedelta(days=10)
    result = lifecycle.recognize_legacy(session, [row.id], actor=officer, keys=keys, now=later)
    (bn,) = result.brandnames
    day = dates.local_date(later)
    assert bn.status == "active" and bn.valid_from == day and bn.valid_until == dates.validity_end(day)
    assert bn.legacy_source == "Viettel (2020-10-01)"
    session.refresh(row)
    assert row.status == "recognized" and row.term_cut and row.valid_until == bn.valid_until
    assert row.brandname_id == bn.id and row.decided_by_id == officer.id
    cert = bn.current_certificate
    assert cert.kind == "legacy" and cert.valid_until == dates.validity_end(day)
    _header, payload = keys.verify(cert.signature, cert.record.encode())
    assert json.loads(payload)["valid_until"] == bn.valid_until.isoformat()
    holder = session.get(Holder, bn.holder_id)
    assert holder.id_number == "0301234567"
    decision, issue = session.scalars(
        select(Event).where(Event.act.in_(("legacy_recognize", "legacy"))).order_by(Event.seq)
    ).all()
    assert decision.act == "legacy_recognize" and decision.subject_id == row.id
    for event in (decision, issue):
        assert event.details["term_cut"] is True and event.details["valid_until_filed"] == "2043-01-01"
        assert event.details["valid_until"] == bn.valid_until.isoformat()
    assert issue.details["serial"] == cert.serial and issue.name_normal == "LONGTERM"
    assert lifecycle.find_brandname(session, "longterm").id == bn.id
    assert doctor.check(session, keys, app.config["DATA_DIR"]).ok
    with pytest.raises(NotAllowed):  # decided once only
        lifecycle.recognize_legacy(session, [row.id], actor=officer, keys=keys, now=later)


def test_several_at_once_only_for_rows_without_a_warning(session, keys, officer, tmp_path):
    batch, _ = queue(
        session,
        tmp_path,
        [
            legacy_row("ALPHA", code="0301000001"),
            legacy_row("BRAVO", code="0301000002"),
            legacy_row("MEKONGGO", code="0301000003"),
            legacy_row("MEK0NGG0", code="0301000004"),
        ],
    )
    alpha, bravo, first, look_alike = (row_at(session, batch, line) for line in (2, 3, 4, 5))
    events = count(session, Event)
    with pytest.raises(NotAllowed) as refused:
        lifecycle.recognize_legacy(session, [alpha.id, look_alike.id], actor=officer, keys=keys, now=NOW)
    assert "MEK0NGG0" in refused.value.message_vi
    assert count(session, Event) == events and count(session, Brandname) == 0
    with pytest.raises(NotAllowed):
        lifecycle.refuse_legacy(session, [alpha.id, look_alike.id], actor=officer, reason="x", now=NOW)
    result = lifecycle.recognize_legacy(
        session, [alpha.id, bravo.id, first.id], actor=officer, keys=keys, now=NOW
    )
    assert sorted(bn.name for bn in result.brandnames) == ["ALPHA", "BRAVO", "MEKONGGO"]
    assert count(session, Event, Event.act == "legacy_recognize") == 3
    # the look-alike alone: decided by itself, with the reason
    with pytest.raises(InvalidInput):
        lifecycle.refuse_legacy(session, [look_alike.id], actor=officer, reason="  ", now=NOW)
    lifecycle.refuse_legacy(session, [look_alike.id], actor=officer, reason="Dễ nhầm với MEKONGGO", now=NOW)
    session.refresh(look_alike)
    assert look_alike.status == "refused" and look_alike.refusal_reason == "Dễ nhầm với MEKONGGO"
    event = session.scalars(select(Event).where(Event.act == "legacy_refuse")).one()
    assert event.subject_id == look_alike.id and event.details["reason"] == "Dễ nhầm với MEKONGGO"


def test_a_row_that_expires_while_waiting_cannot_be_recognized(session, keys, officer, tmp_path):
    batch, _ = queue(session, tmp_path, [legacy_row("SOONGONE", valid_until=TODAY.isoformat())])
    row = row_at(session, batch, 2)
    assert row.status == "pending"
    with pytest.raises(NotAllowed) as refused:
        lifecycle.recognize_legacy(session, [row.id], actor=officer, keys=keys, now=NOW + timedelta(days=1))
    assert "hết hạn" in refused.value.message_vi
    assert count(session, Brandname) == 0


def test_a_name_issued_meanwhile_blocks_recognition(session, keys, officer, registry_helper, tmp_path):
    batch, _ = queue(session, tmp_path, [legacy_row("RACER", code="0301000009")])
    registry_helper.issue("RACER")
    with pytest.raises(NotAllowed):
        lifecycle.recognize_legacy(session, [row_at(session, batch, 2).id], actor=officer, keys=keys, now=NOW)


def test_only_staff_decide(session, keys, tmp_path):
    from brandname.errors import Forbidden

    batch, _ = queue(session, tmp_path, [legacy_row("ALPHA")])
    applicant = lifecycle.Actor("applicant", "a@example.vn", 99, 1)
    with pytest.raises(Forbidden):
        lifecycle.recognize_legacy(
            session, [row_at(session, batch, 2).id], actor=applicant, keys=keys, now=NOW
        )


# -- the officer's page -----------------------------------------------------------------------


def test_officer_page_lists_decides_and_refuses(portal, session, tmp_path):
    batch, _ = queue(
        session,
        tmp_path,
        [
            legacy_row("ALPHA", code="0301000001", valid_until="2099-12-31"),
            legacy_row("BRAVO", code="0301000002"),
            legacy_row("MEKONGGO", code="0301000003"),
            legacy_row("MEK0NGG0", code="0301000004"),
        ],
    )
    alpha, bravo, first, look_alike = (row_at(session, batch, line) for line in (2, 3, 4, 5))
    assert portal.anon.get("/officer/legacy").status_code in (302, 401)
    assert portal.a.get("/officer/legacy").status_code in (302, 403)
    page = portal.officer.get("/officer/legacy").get_data(as_text=True)
    for name in ("ALPHA", "BRAVO", "MEKONGGO", "MEK0NGG0"):
        assert name in page
    assert f'name="row" value="{alpha.id}" form="legacy-bulk"' in page
    assert f'name="row" value="{look_alike.id}" form="legacy-bulk"' not in page  # no box for a warned row
    assert "Dễ nhầm với MEKONGGO" in page
    assert page.count("sẽ rút về 3 năm kể từ ngày công nhận") == 1  # ALPHA's term runs to 2099

    response = portal.officer.post("/officer/legacy/recognize", data={"row": [alpha.id, bravo.id]})
    assert response.status_code == 302
    assert {bn.name for bn in session.scalars(select(Brandname))} == {"ALPHA", "BRAVO"}
    alpha_bn = session.scalars(select(Brandname).where(Brandname.name == "ALPHA")).one()
    trail = portal.officer.get(f"/officer/names/{alpha_bn.id}").get_data(as_text=True)
    assert f"công nhận tên ALPHA (dòng 2 của danh sách số {batch.id})" in trail
    portal.officer.post("/officer/legacy/recognize", data={"row": [first.id, look_alike.id]})
    assert count(session, Brandname) == 2  # refused: a warned row in a group
    page = portal.officer.get("/officer/legacy").get_data(as_text=True)
    assert "xét riêng từng tên" in page
    portal.officer.post("/officer/legacy/refuse", data={"row": look_alike.id, "reason": "Dễ nhầm"})
    session.expire_all()
    assert session.get(LegacyRow, look_alike.id).status == "refused"
    page = portal.officer.get("/officer/legacy").get_data(as_text=True)
    assert f'id="legacy-row-{look_alike.id}"' not in page and "Dễ nhầm</td>" not in page
    refused = portal.officer.get(f"/officer/legacy?batch={batch.id}&status=refused").get_data(as_text=True)
    assert f'id="legacy-row-{look_alike.id}"' in refused and "Dễ nhầm</td>" in refused
    recognized = portal.officer.get("/officer/legacy?status=recognized").get_data(as_text=True)
    assert (
        f'id="legacy-row-{alpha.id}"' in recognized
        and "rút về 3 năm" in recognized
        and f'id="legacy-row-{first.id}"' in page
    )


# -- the published list -----------------------------------------------------------------------


def test_the_list_of_recognized_names_is_published_with_its_date_and_as_csv(
    client, session, keys, officer, tmp_path
):
    batch, _ = queue(
        session,
        tmp_path,
        [legacy_row("SAOMAI"), person_row("LAN SHOP"), legacy_row("NOTYET", code="0301000007")],
    )
    empty = client.get("/legacy-names").get_data(as_text=True)
    assert "Chưa có tên định danh nào được công nhận" in empty
    ids = [row_at(session, batch, line).id for line in (2, 3)]
    lifecycle.recognize_legacy(session, ids, actor=officer, keys=keys, now=NOW)
    page = client.get("/legacy-names").get_data(as_text=True)
    assert "Danh sách tên định danh hợp pháp" in page
    assert f"Danh sách cập nhật ngày {TODAY.strftime('%d/%m/%Y')}" in page
    assert "SAOMAI" in page and "LAN SHOP" in page and "NOTYET" not in page
    assert "0301234567" in page and "Nguyễn T. L." in page and "079203001234" not in page

    response = client.get("/legacy-names.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        f"danh-sach-ten-dinh-danh-hop-phap-{TODAY.isoformat()}.csv" in response.headers["Content-Disposition"]
    )
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet programs look for
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0][:3] == ["STT", "Tên định danh", "Tổ chức/cá nhân sử dụng"]
    assert "Ngày công nhận" in table[0] and "Hiệu lực đến ngày" in table[0]
    assert [r[1] for r in table[1:]] == ["SAOMAI", "LAN SHOP"]
    assert table[2][2] == "Nguyễn T. L." and table[2][3] == ""
    assert table[1][5] == TODAY.strftime("%d/%m/%Y") and table[1][-1] == "Đang hoạt động"


def test_certificates_of_recognized_names_are_counted_once(session, keys, officer, tmp_path):
    batch, _ = queue(session, tmp_path, [legacy_row("ONE", code="0301000011")])
    lifecycle.recognize_legacy(session, [row_at(session, batch, 2).id], actor=officer, keys=keys, now=NOW)
    assert count(session, Certificate, Certificate.kind == "legacy") == 1
