"""The watch-list (Art. 23(4)): officers manage it by recorded acts; names resembling an entry,
or containing a sensitive word, are warned about; officers record a decision on each warning."""

import json

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from brandname.rules import confusion
from brandname.store.models import Event, WatchEntry
from tests.conftest import NOW


def _add(session, officer, name, category, note=""):
    return lifecycle.add_watch_entry(session, actor=officer, name=name, category=category, note=note, now=NOW)


def _events(session, act):
    return session.scalars(select(Event).where(Event.act == act).order_by(Event.seq)).all()


def test_every_change_to_the_list_is_an_event(session, officer):
    entry = _add(session, officer, "Bộ Công an", "state", "Bộ Công an")
    assert (entry.name_normal, entry.category) == ("BOCONGAN", "state")
    lifecycle.update_watch_entry(session, entry.id, actor=officer, category="protected", note="đổi", now=NOW)
    lifecycle.remove_watch_entry(session, entry.id, actor=officer, now=NOW)
    assert session.scalar(select(func.count()).select_from(WatchEntry)) == 0
    acts = [e.act for e in session.scalars(select(Event).where(Event.subject_type == "watch_entry"))]
    assert acts == ["watch_add", "watch_update", "watch_remove"]
    update = _events(session, "watch_update")[0]
    assert update.details["before"]["category"] == "state" and update.details["category"] == "protected"
    assert _events(session, "watch_remove")[0].details["name"] == "Bộ Công an"


@pytest.mark.parametrize(
    "name, category, error",
    [
        ("", "bank", InvalidInput),
        ("...", "bank", InvalidInput),
        ("X" * 41, "bank", InvalidInput),
        ("VIETCOMBANK", "shop", InvalidInput),
    ],
)
def test_bad_entries_change_nothing(session, officer, name, category, error):
    with pytest.raises(error):
        _add(session, officer, name, category)
    assert (
        session.scalar(select(func.count()).select_from(Event).where(Event.subject_type == "watch_entry"))
        == 0
    )


def test_an_entry_is_on_the_list_once_and_only_staff_change_it(session, officer):
    _add(session, officer, "VIETCOMBANK", "bank")
    with pytest.raises(Conflict):
        _add(session, officer, "Vietcom-bank", "bank")
    with pytest.raises(Forbidden):
        _add(session, lifecycle.Actor("applicant", "a@x.vn", 9, 1), "MBBANK", "bank")
    assert len(_events(session, "watch_add")) == 1


@pytest.mark.parametrize(
    "entry, category, name, match",
    [
        ("BOCONGAN", "state", "BOCONGAN", "exact"),
        ("BOCONGAN", "state", "B0 CONG AN", "lookalike"),
        ("CHINHPHU", "state", "CHINHFU", "soundalike"),
        ("CHINHPHU", "state", "CKINHPHU", "soundalike"),
        ("VIETCOMBANK", "bank", "VIETCOMBAN", "near_miss"),
        ("VIETTEL", "carrier", "VIETEL", "soundalike"),
        ("Lừa đảo", "sensitive", "LUADAO", "contains"),
        ("Lừa đảo", "sensitive", "XLUA-DAO1", "contains"),
        ("LUADAO", "sensitive", "LUADA0", "contains"),  # a fold of the word
    ],
)
def test_a_name_matching_an_entry_or_a_fold_of_it(session, officer, client, entry, category, name, match):
    _add(session, officer, entry, category)
    assert confusion.watch_match(name, entry, category) == match
    answer = client.get("/api/v1/availability", query_string={"name": name}).get_json()
    assert answer["warnings"] == [{"kind": "watchlist", "name": entry, "category": category, "match": match}]


@pytest.mark.parametrize(
    "entry, category, name",
    [
        ("BOCONGAN", "state", "BOCONG"),  # two edits away
        ("VIETCOMBANK", "bank", "VIETCOMBAXY"),  # two edits away
        ("LUADAO", "sensitive", "LUA"),  # a part of the word is not the word
        ("MOMO", "protected", "MOMI"),  # shorter than 5 characters: no near miss
    ],
)
def test_names_that_do_not_match(session, officer, client, entry, category, name):
    _add(session, officer, entry, category)
    answer = client.get("/api/v1/availability", query_string={"name": name}).get_json()
    assert answer["warnings"] == []


def test_the_officer_decides_each_warning_and_the_decision_is_in_the_trail(session, officer, registry_helper):
    registry_helper.issue("VINAPHONE")
    _add(session, officer, "VINAPHONE", "carrier")
    application = registry_helper.submit("VINAFONE")
    warnings = lifecycle.queries.decision_warnings(session, application)["VINAFONE"]
    assert [(w["kind"], w["name"], w.get("category")) for w in warnings] == [
        ("soundalike", "VINAPHONE", None),
        ("watchlist", "VINAPHONE", "carrier"),
    ]
    rn = application.names[0]
    with pytest.raises(InvalidInput):  # a warning the name does not raise
        lifecycle.decide_warning(
            session, rn.id, actor=officer, kind="near_miss", name="VINAPHONE", decision="confusable", note="x"
        )
    with pytest.raises(InvalidInput):  # "confusable" needs its reason
        lifecycle.decide_warning(
            session, rn.id, actor=officer, kind="soundalike", name="VINAPHONE", decision="confusable"
        )
    for w in warnings:
        lifecycle.decide_warning(
            session,
            rn.id,
            actor=officer,
            kind=w["kind"],
            name=w["name"],
            decision="confusable",
            note="đọc giống VINAPHONE",
            now=NOW,
        )
    decisions = lifecycle.queries.warning_decisions(session, application.id)
    assert set(decisions) == {("VINAFONE", "soundalike", "VINAPHONE"), ("VINAFONE", "watchlist", "VINAPHONE")}
    assert decisions[("VINAFONE", "watchlist", "VINAPHONE")].details["category"] == "carrier"
    events = _events(session, "decide_warning")
    assert len(events) == 2 and all(e.application_id == application.id for e in events)


def test_approval_records_every_warning(session, officer, registry_helper):
    _add(session, officer, "CHINHPHU", "state")
    application = registry_helper.submit("CHINHFU")
    with pytest.raises(NotAllowed, match="CHINHFU"):  # the officer has not decided yet
        registry_helper.approve(application)
    registry_helper.decide_warnings(application)
    registry_helper.approve(application)
    approve = _events(session, "approve")[-1]
    assert approve.details["confusable_warnings"]["CHINHFU"][0]["category"] == "state"


def test_cli_adds_lists_and_removes(app, session):
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=["brandname", "watch", "add", "VIETCOMBANK", "--category", "bank", "--note", "NHTM"]
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(args=["brandname", "watch", "add", "vietcombank", "--category", "bank"])
    assert again.exit_code == 1 and "đã có" in again.output
    bad = runner.invoke(args=["brandname", "watch", "add", "X", "--category", "shop"])
    assert bad.exit_code == 2
    listed = runner.invoke(args=["brandname", "watch", "list", "--json"])
    assert json.loads(listed.output) == [{"id": 1, "name": "VIETCOMBANK", "category": "bank", "note": "NHTM"}]
    removed = runner.invoke(args=["brandname", "watch", "remove", "VietcomBank"])
    assert removed.exit_code == 0, removed.output
    assert runner.invoke(args=["brandname", "watch", "remove", "VIETCOMBANK"]).exit_code == 1
    events = session.scalars(select(Event).where(Event.subject_type == "watch_entry")).all()
    assert [(e.act, e.actor_kind) for e in events] == [
        ("watch_add", "operator"),
        ("watch_remove", "operator"),
    ]


def test_officer_pages(portal):
    officer = portal.officer
    page = officer.get("/officer/watch")
    assert page.status_code == 200
    response = officer.post("/officer/watch", data={"name": "BOCONGAN", "category": "state", "note": "A05"})
    assert response.status_code == 302
    assert "BOCONGAN" in officer.get("/officer/watch").get_data(as_text=True)
    bad = officer.post("/officer/watch", data={"name": "BOCONGAN", "category": "state"})
    assert bad.status_code == 409
    entry = portal.session.scalars(select(WatchEntry)).one()
    assert (
        officer.post(f"/officer/watch/{entry.id}/update", data={"category": "protected"}).status_code == 302
    )
    assert portal.session.get(WatchEntry, entry.id).category == "protected"
    assert portal.a.get("/officer/watch").status_code in (302, 403)
    assert portal.admin.get("/officer/watch").status_code == 403

    app_id = portal.application_id(portal.apply(portal.a, "B0CONGAN"))
    page = officer.get(f"/officer/applications/{app_id}").get_data(as_text=True)
    assert 'id="warnings"' in page and "trong danh sách theo dõi" in page
    rn_id = _requested_id(portal, app_id)
    decided = officer.post(
        f"/officer/applications/{app_id}/names/{rn_id}/warning",
        data={
            "kind": "watchlist",
            "name": "BOCONGAN",
            "decision": "confusable",
            "note": "giả mạo Bộ Công an",
        },
    )
    assert decided.status_code == 302
    page = officer.get(f"/officer/applications/{app_id}").get_data(as_text=True)
    assert "dễ gây nhầm lẫn" in page and "giả mạo Bộ Công an" in page
    assert officer.post(f"/officer/watch/{entry.id}/remove").status_code == 302
    assert portal.session.scalar(select(func.count()).select_from(WatchEntry)) == 0


def _requested_id(portal, app_id):
    from brandname.store.models import RequestedName

    return portal.session.scalars(
        select(RequestedName.id).where(RequestedName.application_id == app_id)
    ).one()
