"""Tracking a dossier without signing in: code plus the applicant's email or tax code / ID
number; a wrong code or a wrong proof gets the same answer; the timeline from the events."""

from datetime import timedelta

import pytest

from brandname import lifecycle
from brandname.lifecycle import tracking

from .conftest import NOW, person_applicant


def _track(client, code, proof):
    return client.post("/track", data={"code": code, "proof": proof})


def _steps(page):
    return {key: f'data-step="{key}"' in page for key in tracking.STEPS}


def test_code_and_email_or_tax_code_show_the_timeline_through_issue(client, session, registry_helper):
    application = registry_helper.submit("ANHDUONG")
    session.commit()
    page = _track(client, application.code, "lienhe@anhduong.vn").get_data(as_text=True)
    assert 'data-track="found"' in page and "ANHDUONG" in page
    found = tracking.track(session, application, now=NOW)
    assert [s.key for s in found.steps if s.at] == ["received"] and not found.overdue

    registry_helper.approve(application, now=NOW + timedelta(hours=2))
    registry_helper.pay_and_issue(application, now=NOW + timedelta(hours=5))
    session.commit()
    # the code typed in lower case without dashes, the tax code with spaces: still the dossier
    typed = application.code.replace("-", "").lower()
    response = _track(client, typed, " 0101 234 567 ")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    found = tracking.track(session, application, now=NOW + timedelta(days=1))
    assert [s.key for s in found.steps if s.at] == ["received", "under_review", "decided", "paid", "issued"]
    decided = found.steps[2]
    assert decided.outcome == "approved" and not decided.late
    assert decided.at == NOW + timedelta(hours=2)


def test_the_timeline_says_when_the_authority_is_past_its_deadline(client, session, registry_helper):
    application = registry_helper.submit("ANHDUONG")  # received in March: long past its deadline
    session.commit()
    page = _track(client, application.code, "LienHe@AnhDuong.vn").get_data(as_text=True)
    assert 'data-overdue="1"' in page and "Cơ quan cấp đã quá hạn trả lời" in page
    assert tracking.track(session, application, now=NOW).overdue is False
    # decided after the deadline: no longer overdue, the decision is marked late
    lifecycle.reject(
        session,
        application.id,
        reasons="Tên gây nhầm lẫn.",
        actor=registry_helper.officer,
        now=NOW + timedelta(days=10),
    )
    session.commit()
    found = tracking.track(session, application, now=NOW + timedelta(days=11))
    assert not found.overdue and found.steps[2].outcome == "rejected" and found.steps[2].late
    page = _track(client, application.code, "lienhe@anhduong.vn").get_data(as_text=True)
    assert 'data-overdue="1"' not in page and "sau hạn trả lời" in page
    assert 'data-outcome="rejected"' in page


def test_an_individuals_id_number_is_a_proof_too(client, session, registry_helper):
    application = registry_helper.submit("CUONGLE", applicant=person_applicant())
    session.commit()
    assert 'data-track="found"' in _track(client, application.code, "001203004567").get_data(as_text=True)


@pytest.mark.parametrize(
    "code, proof",
    [
        ("real", "someone@else.vn"),  # right code, wrong email
        ("real", "0109999999"),  # right code, wrong tax code
        ("BN-2603-ZZZZZZ", "lienhe@anhduong.vn"),  # no such code, right email
        ("garbage", "lienhe@anhduong.vn"),
        ("real", ""),
    ],
)
def test_a_wrong_code_or_proof_gets_one_and_the_same_answer(client, session, registry_helper, code, proof):
    application = registry_helper.submit("ANHDUONG")
    session.commit()
    code = application.code if code == "real" else code
    response = _track(client, code, proof)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'data-track="not_found"' in page and "ANHDUONG" not in page
    assert "Không tìm thấy hồ sơ với mã và thông tin người nộp đã nhập" in page


def test_tracking_shares_the_public_lookup_allowance(app, session, registry_helper):
    application = registry_helper.submit("ANHDUONG")
    session.commit()
    app.config["PUBLIC_LOOKUP_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    statuses = [_track(client, "BN-2603-ZZZZZZ", f"guess{i}@x.vn").status_code for i in range(3)]
    assert statuses == [404] * 3
    # the fourth try is refused before the dossier is looked up, right code and email or not
    assert _track(client, application.code, "lienhe@anhduong.vn").status_code == 429
    assert client.get("/lookup?q=ANH").status_code == 429
    other = client.post(
        "/track",
        data={"code": application.code, "proof": "lienhe@anhduong.vn"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other.status_code == 200
