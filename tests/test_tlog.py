"""The transparency log: each event a leaf of an RFC 9162 tree in sequence order, written with the
event; signed C2SP checkpoints; tlog-tiles; inclusion and consistency proofs over HTTP."""

import base64
import json
import shutil
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brandname import lifecycle, registry
from brandname.errors import DomainError
from brandname.store.models import Event, LogEntry, LogNode
from brandname.transparency import log
from brandname_carrier import merkle, note

from .conftest import NOW, person_applicant
from .test_crash import ready_to_issue, run_issue


def leaves(session):
    return [bytes(e) for e in session.scalars(select(LogEntry.entry).order_by(LogEntry.idx))]


def brute_root(entries):
    """MTH of RFC 9162 §2.1.1 by its recursive definition, independent of the stored nodes."""
    if not entries:
        return merkle.EMPTY_ROOT
    if len(entries) == 1:
        return merkle.leaf_hash(entries[0])
    k = merkle.split(len(entries))
    return merkle.node_hash(brute_root(entries[:k]), brute_root(entries[k:]))


def verified_checkpoint(client):
    vkey = client.get("/api/v1/tlog/vkey").get_data(as_text=True)
    signed = client.get("/tlog/checkpoint")
    assert signed.headers["Cache-Control"] == "no-store"
    return note.open_checkpoint(signed.get_data(), note.Verifier.parse(vkey))


def test_every_event_is_a_leaf_in_sequence_and_the_root_is_the_rfc_9162_root(session, registry_helper):
    registry_helper.issue("ANHDUONG", "ANHDUONG2")
    application = registry_helper.submit("SAOMAI")
    lifecycle.reject(session, application.id, actor=registry_helper.officer, reasons="Trùng tên.", now=NOW)
    events = session.scalars(select(Event).order_by(Event.seq)).all()
    entries = leaves(session)
    assert len(entries) == len(events) == log.size(session) > 4
    for i, (event, data) in enumerate(zip(events, entries, strict=True)):
        entry = json.loads(data)
        assert entry["seq"] == event.seq == i + 1 and entry["act"] == event.act
    assert log.root(session, len(entries)) == brute_root(entries)
    for size in range(1, len(entries) + 1):
        assert log.root(session, size) == brute_root(entries[:size])
    issued = [json.loads(e) for e in entries if json.loads(e)["act"] == "issue"]
    assert issued and issued[0]["names"][0]["status"] == "active" and issued[0]["names"][0]["serial"]


def test_a_refused_act_adds_no_leaf(session, registry_helper):
    application = registry_helper.issue("ANHDUONG").application
    before = log.size(session)
    with pytest.raises(DomainError):
        registry_helper.approve(application)  # already decided and issued
    assert log.size(session) == before == lifecycle.event_count(session)


def test_individuals_appear_masked_in_the_public_log(session, registry_helper):
    registry_helper.issue("BACSIAN", applicant=person_applicant())
    text = b"".join(leaves(session)).decode()
    assert "BACSIAN" in text
    assert "Lê Hoàng Cường" not in text and "001203004567" not in text and "Lê Lợi" not in text
    assert "Lê H. C." in text


def test_the_checkpoint_is_a_signed_note_of_the_current_tree(client, session, registry_helper):
    registry_helper.issue("ANHDUONG")
    checkpoint = verified_checkpoint(client)
    assert checkpoint.origin == registry.log_origin() == "brandname.test/log"
    assert checkpoint.size == lifecycle.event_count(session)
    assert checkpoint.root == brute_root(leaves(session))
    # a new act moves it at once: the next checkpoint covers the new event
    registry_helper.issue("SAOMAI")
    assert verified_checkpoint(client).size == lifecycle.event_count(session) > checkpoint.size


def test_a_changed_checkpoint_or_another_key_is_refused(client, registry_helper, tmp_path):
    registry_helper.issue("ANHDUONG")
    vkey = note.Verifier.parse(client.get("/api/v1/tlog/vkey").get_data(as_text=True))
    signed = client.get("/tlog/checkpoint").get_data(as_text=True)
    lines = signed.split("\n")
    forged = "\n".join([lines[0], str(int(lines[1]) + 1), *lines[2:]])
    with pytest.raises(note.NoteError, match="does not verify"):
        note.open_checkpoint(forged, vkey)
    from brandname.certificates.signing import LogKey

    other = LogKey(tmp_path, vkey.name)
    with pytest.raises(note.NoteError, match="not signed by"):
        note.open_checkpoint(other.sign_note(signed.split("\n\n")[0] + "\n"), vkey)


def test_inclusion_and_consistency_proofs_over_http_verify(client, session, registry_helper):
    for name in ("ANHDUONG", "SAOMAI", "BINHMINH"):
        registry_helper.issue(name)
    entries = leaves(session)
    n = len(entries)
    roots = [brute_root(entries[:m]) for m in range(n + 1)]
    for size in (1, 2, 3, n - 1, n):
        for index in range(size):
            body = client.get(f"/api/v1/tlog/inclusion?index={index}&size={size}").get_json()
            proof = [bytes.fromhex(h) for h in body["hashes"]]
            merkle.verify_inclusion(index, size, merkle.leaf_hash(entries[index]), proof, roots[size])
    for m in range(1, n + 1):
        body = client.get(f"/api/v1/tlog/consistency?from={m}&to={n}").get_json()
        merkle.verify_consistency(m, n, roots[m], roots[n], [bytes.fromhex(h) for h in body["hashes"]])
    for bad in ("index=0&size=0", f"index=0&size={n + 1}", "index=x&size=1", "size=1"):
        r = client.get(f"/api/v1/tlog/inclusion?{bad}")
        assert r.status_code == 400 and r.get_json()["message_en"]
    assert client.get(f"/api/v1/tlog/consistency?from={n}&to={n + 1}").status_code == 400


def test_tiles_and_entry_bundles_follow_tlog_tiles(client, session, registry_helper):
    registry_helper.issue("ANHDUONG", "SAOMAI")
    entries = leaves(session)
    n = len(entries)
    r = client.get(f"/tlog/tile/0/000.p/{n}")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.data == b"".join(merkle.leaf_hash(e) for e in entries)
    assert client.get("/tlog/tile/0/000").status_code == 404  # not full yet
    assert client.get(f"/tlog/tile/0/000.p/{n + 1}").status_code == 404
    bundle = client.get(f"/tlog/tile/entries/000.p/{n}").data
    parsed, at = [], 0
    while at < len(bundle):
        length = int.from_bytes(bundle[at : at + 2], "big")
        parsed.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    assert parsed == entries
    for bad in ("0/abc", "0/000.p/0", "0/000.p/256", "0/x000", "9/000", "0/0000"):
        assert client.get(f"/tlog/tile/{bad}").status_code == 404


def test_tiles_above_level_zero_hold_subtrees_of_256_leaves(session, registry_helper, client):
    """600 more leaves through the real append path: level-1 tile 0 holds the roots of leaves 0-255
    and 256-511; the log's root equals the recursive definition's."""
    from brandname.lifecycle._kernel import Actor, record_event

    actor = Actor.operator("test")
    for _ in range(600):
        record_event(session, actor, "note", "registry", now=NOW)
    session.commit()
    entries = leaves(session)
    assert len(entries) == log.size(session) == lifecycle.event_count(session) >= 600
    level1 = client.get("/tlog/tile/1/000.p/2").data
    assert level1 == brute_root(entries[:256]) + brute_root(entries[256:512])
    assert client.get("/tlog/tile/0/001").data == b"".join(merkle.leaf_hash(e) for e in entries[256:512])
    assert log.root(session, len(entries)) == brute_root(entries)
    assert session.scalar(select(func.count()).select_from(LogNode).where(LogNode.level == 8)) == 2


def test_tile_index_paths():
    assert log.tile_index_path(0) == "000"
    assert log.tile_index_path(67) == "067"
    assert log.tile_index_path(1234067) == "x001/x234/067"
    assert log.parse_tile_path("x001/x234/067") == (1234067, None)
    assert log.parse_tile_path("x001/067.p/5") == (1067, 5)
    for bad in ("1/067", "x01/067", "067.p/", "067.p/01", "xabc/067"):
        with pytest.raises(ValueError):
            log.parse_tile_path(bad)


def test_leaves_never_change_when_names_change_later(session, registry_helper, keys):
    result = registry_helper.issue("ANHDUONG")
    before = leaves(session)
    root_before = log.root(session, len(before))
    brandname = result.brandnames[0]
    lifecycle.give_up(session, brandname.id, actor=registry_helper.officer, now=NOW)
    after = leaves(session)
    assert after[: len(before)] == before and len(after) > len(before)
    proof = log.consistency(session, len(before), len(after))
    merkle.verify_consistency(len(before), len(after), root_before, log.root(session, len(after)), proof)


def test_log_sync_catches_up_events_written_before_the_log(app, session, registry_helper):
    registry_helper.issue("ANHDUONG")
    session.execute(LogNode.__table__.delete())
    session.execute(LogEntry.__table__.delete())
    session.commit()
    assert log.size(session) == 0
    out = app.test_cli_runner().invoke(args=["brandname", "log-sync"])
    assert out.exit_code == 0, out.output
    n = lifecycle.event_count(session)
    assert f"log: 0 -> {n} leaves" in out.output
    text = out.output.split("leaves\n", 1)[1]
    checkpoint = note.open_checkpoint(text, note.Verifier.parse(registry.log_key().vkey))
    assert checkpoint.size == n and checkpoint.root == brute_root(leaves(session))
    shown = app.test_cli_runner().invoke(args=["brandname", "show-log-key"])
    assert shown.output.strip() == registry.log_key().vkey and shown.output.startswith("brandname.test/log+")


@pytest.mark.parametrize("crash_at", ["before_commit", "after_commit"])
def test_a_kill_around_the_commit_leaves_a_log_that_verifies(app, client, session, registry_helper, crash_at):
    _, pay_id = ready_to_issue(registry_helper, session, "CRASHLOG")
    before = log.size(session)
    proc = run_issue(app, pay_id, crash_at)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    session.expire_all()
    session.rollback()
    n = lifecycle.event_count(session)
    assert log.size(session) == n == (before if crash_at == "before_commit" else n)
    assert n > before or crash_at == "before_commit"
    checkpoint = verified_checkpoint(client)
    assert checkpoint.size == n and checkpoint.root == brute_root(leaves(session))


def test_vkey_is_the_c2sp_verifier_key_form(client):
    vkey = client.get("/api/v1/tlog/vkey").get_data(as_text=True).strip()
    name, key_id, b64 = vkey.split("+", 2)  # the base64 may hold a "+"
    raw = base64.b64decode(b64)
    assert raw[0] == 1 and len(raw) == 33
    assert bytes.fromhex(key_id) == note.key_id(name, raw[1:])


def test_the_certificate_api_and_verify_page_show_the_leaf_and_a_proof_that_verifies(
    client, session, registry_helper
):
    cert = registry_helper.issue("ANHDUONG").certificates[0]
    registry_helper.issue("SAOMAI")  # the log grows after the certificate
    body = client.get(f"/api/v1/public/certificates/{cert.serial}?code={cert.verification_code}").get_json()
    proof = body["log"]
    issue_seq = session.scalar(
        select(Event.seq).where(Event.subject_type == "certificate", Event.subject_id == cert.id)
    )
    assert proof["index"] == issue_seq - 1 and proof["size"] == lifecycle.event_count(session)
    entry = bytes(session.get(LogEntry, proof["index"]).entry)
    assert json.loads(entry)["names"][0]["serial"] == cert.serial
    vkey = note.Verifier.parse(client.get("/api/v1/tlog/vkey").get_data(as_text=True))
    checkpoint = note.open_checkpoint(proof["checkpoint"], vkey)
    assert checkpoint.root.hex() == proof["root"] and checkpoint.size == proof["size"]
    merkle.verify_inclusion(
        proof["index"],
        proof["size"],
        merkle.leaf_hash(entry),
        [bytes.fromhex(h) for h in proof["inclusion"]],
        checkpoint.root,
    )
    page = client.get(f"/verify/{cert.serial}?code={cert.verification_code}").get_data(as_text=True)
    assert f"vị trí {proof['index']}" in page and proof["root"] in page
    client.get("/lang/en")
    page = client.get(f"/verify/{cert.serial}?code={cert.verification_code}").get_data(as_text=True)
    assert f"public log at position {proof['index']}" in page


def test_the_monitor_rebuilds_every_name_from_the_log_and_finds_what_the_log_does_not_show(
    app, client, session, registry_helper, carrier_key, tmp_path
):
    from brandname_carrier import CarrierClient, monitor
    from brandname_carrier.errors import ReplayedData

    from .test_carrier_client import BASE, FlaskTransport

    result = registry_helper.issue("ANHDUONG", "SAOMAI", "BINHMINH")
    registry_helper.issue("BACSIAN", applicant=person_applicant())
    lifecycle.give_up(session, result.brandnames[1].id, actor=registry_helper.officer, now=NOW)
    transport = FlaskTransport(client)
    carrier = CarrierClient(
        BASE, key=carrier_key, directory=tmp_path / "monitor", transport=transport, max_age=0
    )
    report = monitor.run(carrier)
    assert report["ok"], report["differences"]
    assert report["log_size"] == lifecycle.event_count(session) and report["names"] >= 4
    # a change made behind the log's back (no act, no event): the monitor sees the difference
    brandname = result.brandnames[2]
    brandname.valid_until = brandname.valid_until.replace(year=brandname.valid_until.year + 5)
    session.commit()
    shutil.rmtree(Path(app.config["DATA_DIR"]) / "snapshots")  # a snapshot built after the change
    report = monitor.run(carrier)
    assert not report["ok"] and [d["name"] for d in report["differences"]] == ["BINHMINH"]
    # a truncated log (the newest leaf removed) no longer extends what the monitor verified
    last = log.size(session) - 1
    session.execute(LogEntry.__table__.delete().where(LogEntry.idx == last))
    session.execute(LogNode.__table__.delete().where(LogNode.level == 0, LogNode.idx == last))
    session.commit()
    with pytest.raises((ReplayedData, merkle.ProofError)):
        monitor.run(carrier)


def test_the_certificate_pdf_embeds_its_leaf_and_a_changed_one_is_refused(
    app, session, registry_helper, keys
):
    from brandname.certificates import documents, verification
    from brandname.certificates import pdf as certificate_pdf
    from brandname.certificates.signing import canonical_json, sign_pdf

    cert = registry_helper.issue("ANHDUONG").certificates[0]
    data = documents.certificate_pdf_path(cert).read_bytes()
    embedded = json.loads(certificate_pdf.read_attachments(data)[certificate_pdf.LOG_FILE])
    index, leaf = log.certificate_leaf(session, cert.serial)
    assert embedded == {"log_origin": registry.log_origin(), "log_index": index, "leaf_hash": leaf.hex()}
    verdict = verification.verify_pdf(session, keys, data)
    assert verdict["genuine"] and verdict["log_index"] == index
    # a PDF (signed by the registry's key, so only the log check can refuse it) naming another leaf
    forged = certificate_pdf.render(
        cert.record,
        cert.signature,
        public_url=app.config["PUBLIC_URL"],
        signer_title="Cục trưởng",
        verification_code=cert.verification_code,
        log_entry=canonical_json(
            {"log_origin": registry.log_origin(), "log_index": 0, "leaf_hash": leaf.hex()}
        ),
    )
    verdict = verification.verify_pdf(session, keys, sign_pdf(keys, forged))
    assert not verdict["genuine"] and verdict["problem"] == "log_entry_mismatch"
