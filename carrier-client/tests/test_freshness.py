"""Replayed and frozen feeds: the client keeps the highest sequence and the newest signed time
it has verified, refuses anything older, refuses data signed longer ago than its freshness limit,
and answers "stale" once its own copy is that old."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import record, state_bytes

from brandname_carrier import ReplayedData, StaleData
from brandname_carrier.client import STALE

OK = (True, "active", "ok")
REVOKED = (False, "revoked", "revoked")


def recorder(registry):
    """Keep every answer the registry gives, by path, to serve them again later."""
    answers = {}

    def hook(path, status, body):
        answers[path] = (status, body)
        return status, body

    registry.hooks.append(hook)
    return answers


def replaying(answers):
    """Serve the recorded answer for a path (by its path without the query) instead of the live one."""

    def hook(path, status, body):
        for old_path, old in answers.items():
            if old_path.split("?")[0] == path.split("?")[0]:
                return old
        return status, body

    return hook


def test_replayed_older_responses_cannot_roll_the_client_back(make_client, registry):
    registry.put(record("VietSun"))
    registry.put(record("SunMart"))
    client = make_client()
    answers = recorder(registry)
    client.sync()  # the recorded transcript: manifest, snapshot and change page at seq 2
    assert client.seq == 2 and client.check("VIETSUN") == OK
    registry.hooks.clear()
    registry.frozen_at = datetime.now(UTC) + timedelta(seconds=5)  # the registry's clock moves on
    registry.put(record("VietSun", "revoked"), act="revoke")
    client.sync()
    assert client.seq == 3 and client.check("VIETSUN") == REVOKED
    assert client.state["high_seq"] == 3
    before = state_bytes(client)
    registry.hooks.append(replaying(answers))
    for full in (True, False):
        with pytest.raises(ReplayedData, match="replayed"):
            client.sync(full=full)
        assert state_bytes(client) == before
        assert client.seq == 3 and client.check("VIETSUN") == REVOKED  # the revocation holds
    # a fresh process on the same folder keeps refusing the recording
    again = make_client()
    with pytest.raises(ReplayedData):
        again.sync(full=True)
    assert again.check("VIETSUN") == REVOKED


def test_a_page_signed_before_the_newest_one_is_refused(make_client, registry):
    registry.put(record("VietSun"))
    client = make_client()
    client.sync()
    newest = client.signed_time
    registry.frozen_at = newest - timedelta(minutes=10)  # genuine signature, earlier time
    with pytest.raises(ReplayedData):
        client.sync()
    assert client.signed_time == newest


def test_a_frozen_feed_is_refused_and_checks_answer_stale(make_client, registry):
    registry.put(record("VietSun"))
    start = datetime.now(UTC)
    registry.frozen_at = start  # the registry's signed time stops advancing here
    now = [start]
    client = make_client(clock=lambda: now[0], max_age=3600)
    client.sync()
    assert client.check("VIETSUN") == OK
    now[0] = start + timedelta(minutes=59)
    assert client.sync()["seq"] == 1  # still within the limit
    assert client.check("VIETSUN") == OK
    now[0] = start + timedelta(minutes=61)
    before = state_bytes(client)
    with pytest.raises(StaleData, match="freshness limit"):
        client.sync()
    assert state_bytes(client) == before
    # the local copy is older than the limit as well: no more "deliverable"
    reloaded = make_client(clock=lambda: now[0], max_age=3600)
    assert reloaded.check("VIETSUN") == STALE == (False, None, "stale")
    # a feed that moves again is accepted and the answers come back
    registry.frozen_at = None
    now[0] = datetime.now(UTC)
    reloaded.sync()
    assert reloaded.check("VIETSUN") == OK


def test_a_first_sync_refuses_a_stale_manifest(make_client, registry):
    registry.put(record("VietSun"))
    registry.frozen_at = datetime.now(UTC) - timedelta(days=2)
    client = make_client()  # the default limit: 24 hours
    with pytest.raises(StaleData):
        client.sync()
    assert client.state is None and client.check("VIETSUN").reason == "not_registered"


def test_no_freshness_limit_when_switched_off(make_client, registry):
    registry.put(record("VietSun"))
    registry.frozen_at = datetime.now(UTC) - timedelta(days=30)
    client = make_client(max_age=0)
    client.sync()
    assert client.check("VIETSUN") == OK


def test_the_cli_takes_the_freshness_limit(tmp_path, registry, monkeypatch, capsys):
    import json

    from brandname_carrier import cli
    from brandname_carrier import client as client_module

    registry.put(record("VietSun"))
    registry.frozen_at = datetime.now(UTC) - timedelta(hours=2)
    monkeypatch.setattr(client_module, "urllib_transport", registry.transport)
    folder = str(tmp_path / "bn")
    from conftest import BASE, KEY

    assert cli.main(["sync", BASE, "--key", KEY, "--dir", folder, "--max-age", "3600"]) == 2
    assert "freshness limit" in capsys.readouterr().err
    assert cli.main(["sync", BASE, "--key", KEY, "--dir", folder, "--max-age", "86400"]) == 0
    capsys.readouterr()
    assert cli.main(["check", "VietSun", "--dir", folder, "--max-age", "3600"]) == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "stale"
    assert cli.main(["check", "VietSun", "--dir", folder]) == 0
