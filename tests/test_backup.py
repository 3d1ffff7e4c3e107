"""export / restore of the whole registry state."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text

from brandname import lifecycle
from brandname.certificates import documents
from brandname.ops import backup, doctor
from brandname.store.models import Base, Certificate

from .conftest import NOW, org_applicant, person_applicant


def snapshot(session):
    return {t.name: list(backup.table_rows(session, t)) for t in Base.metadata.sorted_tables}


def empty_database(app, session):
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        session.execute(text("PRAGMA foreign_keys=OFF"))
        for t in reversed(Base.metadata.sorted_tables):
            session.execute(t.delete())
        session.execute(text("PRAGMA foreign_keys=ON"))
    session.commit()
    lifecycle.ensure_counters(session)  # as a fresh `brandname init` leaves the database
    session.commit()


def busy_registry(session, registry_helper, officer):
    registry_helper.issue("ROUNDTRIP", "BACKUP")
    registry_helper.issue("PERSON1", applicant=person_applicant())
    registry_helper.followup("reissue", "ROUNDTRIP", reissue_reason="lost")
    bn = lifecycle.find_brandname(session, "BACKUP")
    lifecycle.authorize(
        session, bn.id, actor=officer, party_id_number="0312345678", party_name="Công ty Trung gian", now=NOW
    )
    lifecycle.give_up(session, bn.id, actor=officer, request_note="ngừng", now=NOW)
    pending = registry_helper.submit("PENDING1", applicant=org_applicant(code="0105555555"))
    return pending


def test_export_restore_round_trip_and_doctor_clean(app, session, keys, registry_helper, officer, tmp_path):
    busy_registry(session, registry_helper, officer)
    data_dir = Path(app.config["DATA_DIR"])
    (data_dir / "uploads" / "app-1").mkdir(parents=True)
    (data_dir / "uploads" / "app-1" / "dkkd.pdf").write_bytes(b"%PDF-1.7 upload")
    # a real kept PDF: doctor checks each one whole and verifies its signature
    documents.certificate_pdf_path(
        session.scalars(select(Certificate).where(Certificate.serial == "BN-2026-0000001")).one()
    )
    before = snapshot(session)
    out = tmp_path / "backup"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "export", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in Base.metadata.sorted_tables]
    assert "files/uploads/app-1/dkkd.pdf" in manifest["files"]
    assert "files/certificates/BN-2026-0000001.pdf" in manifest["files"]
    assert "certs/root.cert.pem" in manifest["files"]
    assert not any(name.endswith(".key.pem") for name in manifest["files"])  # never private keys by default
    assert all(len(info["sha256"]) == 64 for info in manifest["files"].values())

    # restore refuses a database that holds data
    refused = runner.invoke(args=["brandname", "restore", str(out)])
    assert refused.exit_code == 1 and "not empty" in refused.output

    empty_database(app, session)
    shutil.rmtree(data_dir / "uploads")
    shutil.rmtree(data_dir / "certificates")
    result = runner.invoke(args=["brandname", "restore", str(out)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert snapshot(session) == before
    assert (data_dir / "uploads" / "app-1" / "dkkd.pdf").read_bytes() == b"%PDF-1.7 upload"
    found = doctor.check(session, keys, data_dir)
    assert found.ok, found.problems
    # the registry works on after a restore: new ids and sequence numbers continue
    registry_helper.issue("AFTERWARDS", applicant=org_applicant(code="0107777777"))
    assert doctor.check(session, keys, data_dir).ok


def test_restore_refuses_a_tampered_backup(app, session, registry_helper, officer, tmp_path):
    busy_registry(session, registry_helper, officer)
    out = tmp_path / "backup"
    backup.export(session, out, data_dir=app.config["DATA_DIR"], certs_dir=app.config["CERTS_DIR"])
    rows = out / "db" / "brandnames.jsonl"
    rows.write_text(rows.read_text().replace("ROUNDTRIP", "ROUNDTRIX"))
    empty_database(app, session)
    with pytest.raises(backup.BackupError, match="checksum mismatch: db/brandnames.jsonl"):
        backup.restore(session, out, data_dir=app.config["DATA_DIR"], certs_dir=app.config["CERTS_DIR"])
    (out / "extra.txt").write_text("x")
    with pytest.raises(backup.BackupError, match="not in the manifest: extra.txt"):
        backup.verify(out)
    assert backup.database_is_empty(session)


def test_private_keys_only_with_the_flag(app, session, tmp_path):
    out = tmp_path / "with-keys"
    manifest = backup.export(
        session,
        out,
        data_dir=app.config["DATA_DIR"],
        certs_dir=app.config["CERTS_DIR"],
        include_private_keys=True,
    )
    keys_in = [n for n in manifest["files"] if n.endswith(".key.pem")]
    assert keys_in and manifest["private_keys"] is True
    assert oct((out / keys_in[0]).stat().st_mode & 0o777) == "0o600"
