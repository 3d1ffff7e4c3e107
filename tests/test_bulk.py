"""Bulk issue (`seed-demo --bulk`) and the reader of the carriers' legacy lists (`import-legacy`,
whose review queue is tested in test_legacy.py)."""

import csv

from sqlalchemy import func, select

from brandname import lifecycle
from brandname.ops import bulk, demo, doctor
from brandname.store.models import Brandname, Certificate, Event, Holder

COLUMNS = list(bulk.CSV_COLUMNS)


def legacy_row(name, code="0301234567", **kw):
    row = {
        "name": name,
        "holder_kind": "organization",
        "holder_name": "Công ty TNHH Sao Mai",
        "holder_id_number": code,
        "tax_code": code,
        "address": "12 Lê Lợi, Quận 1, TP. Hồ Chí Minh",
        "email": "lienhe@saomai.vn",
        "phone": "028 3822 1111",
        "legal_representative": "Trần Văn Hải",
        "contact_person": "Lê Thị Thu",
        "use_sms": "1",
        "use_voice": "0",
        "purpose": "Chăm sóc khách hàng",
        "valid_from": "",
        "valid_until": "",
        "carrier": "",
    }
    row.update(kw)
    return row


def person_row(name, number="079203001234"):
    return legacy_row(
        name,
        code=number,
        holder_kind="individual",
        holder_name="Nguyễn Thị Lan",
        tax_code="",
        legal_representative="",
        contact_person="",
        email="lan@example.vn",
        phone="0903123456",
    )


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_import_legacy_refuses_file_without_required_columns(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ten,chu\nABC,XYZ\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["brandname", "import-legacy", str(path), "--carrier", "X"])
    assert result.exit_code == 2 and "missing columns" in result.output


def test_import_legacy_streams_rows():
    """The reader pulls lines from the file only as batches ask for rows (constant memory)."""
    from datetime import date

    pulled = []

    def lines():
        yield ",".join(COLUMNS) + "\n"
        for i in range(100_000):
            pulled.append(i)
            yield f"N{i:05d},organization,Cty {i},0100{i:06d},,a,b@c.vn,0241234567,x,y,1,0,p,,,\n"

    bad = []
    rows = bulk.read_legacy_csv(lines(), carrier="VNPT", file_date=date(2021, 1, 1), bad_rows=bad)
    first = next(rows)
    assert first.line == 2 and first.name == "N00000" and first.source == "VNPT (2021-01-01)"
    assert len(pulled) == 1
    for _ in range(9):
        next(rows)
    assert len(pulled) == 10 and bad == []


def test_seed_demo_bulk_makes_realistic_signed_names(app, session, keys):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["brandname", "seed-demo", "--names", "250", "--bulk", "--batch", "100", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "seeded 250 names" in result.output
    assert count(session, Brandname, Brandname.status == "active") == 250
    holders = count(session, Holder)
    assert 80 <= holders < 250  # holders hold one to three names
    assert count(session, Event, Event.act == "legacy_import") == 250
    # a second run adds more without colliding
    result = runner.invoke(args=["brandname", "seed-demo", "--names", "50", "--bulk", "--seed", "8"])
    assert "seeded 50 names" in result.output, result.output
    assert doctor.check(session, keys, app.config["DATA_DIR"]).ok


def test_demo_bulk_rows_are_valid_and_unique():
    rows = list(demo.bulk_rows(3000, seed_value=1))
    assert len({r.name.upper() for r in rows}) == 3000
    for r in rows[:300]:
        holder, problems = bulk.validate_row(r)
        assert problems == [], (r, problems)


def test_bulk_batch_rolls_back_as_a_whole(session, keys, rules, monkeypatch):
    rows = list(demo.bulk_rows(10, seed_value=3))
    calls = {"n": 0}
    real = bulk.next_values

    def failing(session_, name, n):
        calls["n"] += 1
        if name == "event":
            raise RuntimeError("crash in the middle of a batch")
        return real(session_, name, n)

    monkeypatch.setattr(bulk, "next_values", failing)
    try:
        bulk.issue_many(session, rows, keys=keys, rules=rules, batch_size=10)
    except RuntimeError:
        pass
    assert count(session, Brandname) == 0 and count(session, Certificate) == 0
    assert count(session, Holder) == 0
    monkeypatch.setattr(bulk, "next_values", real)
    report = bulk.issue_many(session, rows, keys=keys, rules=rules, batch_size=10)
    assert report.imported == 10
    serials = session.scalars(select(Certificate.serial).order_by(Certificate.id)).all()
    assert serials[0].endswith("0000001") and serials[-1].endswith("0000010")  # no serial lost
    assert lifecycle.event_count(session) == 10
