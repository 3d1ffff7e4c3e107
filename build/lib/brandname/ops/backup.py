"""Export and restore the whole registry state (`brandname export DIR` / `restore DIR`).

A backup folder holds:
  manifest.json                  format, time, database dialect, tables in insert order with row
                                 counts, and the SHA-256 and size of every other file
  db/<table>.jsonl               every row of every table of Base.metadata, one JSON object a line,
                                 in primary-key order (tables added by later migrations are included
                                 automatically because the list comes from the metadata)
  files/uploads/..., files/certificates/...   the documents under the data folder
  certs/                         the registry's PUBLIC certificates (root, issuing, CURRENT);
                                 private keys only with an explicit flag
Restore refuses a database that already holds data and any file that does not match the manifest.
No Flask here.
"""

import base64
import hashlib
import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, LargeBinary, func, insert, select, text, update

from brandname.store.models import Base

FORMAT = "brandname-backup"
VERSION = 1
FILE_FOLDERS = ("uploads", "certificates")
INSERT_CHUNK = 2000


class BackupError(Exception):
    """The backup folder or the target database is not fit for the operation."""


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _decoders(table):
    out = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, DateTime):
            out[column.name] = lambda v: None if v is None else datetime.fromisoformat(v)
        elif isinstance(kind, Date):
            out[column.name] = lambda v: None if v is None else date.fromisoformat(v)
        elif isinstance(kind, LargeBinary):
            out[column.name] = lambda v: None if v is None else base64.b64decode(v)
    return out


def tables():
    return list(Base.metadata.sorted_tables)


def table_rows(session, table, chunk=5000):
    """Every row of `table` as a JSON-ready dict, in primary-key order (streamed)."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = session.execute(select(table).order_by(*order).execution_options(yield_per=chunk))
    for row in result.mappings():
        yield {k: _encode(v) for k, v in row.items()}


def _deferred_columns(table):
    """Foreign-key columns that close a cycle (use_alter): restored in a second pass."""
    cols = []
    for fk in table.foreign_key_constraints:
        if fk.use_alter:
            cols.extend(c.name for c in fk.columns)
    return cols


def export(session, out_dir, *, data_dir, certs_dir, include_private_keys=False, now=None):
    """Write the whole registry state into the empty folder `out_dir`; return the manifest."""
    out_dir = _empty_export_folder(out_dir)
    dialect = _begin_snapshot(session)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": (now or datetime.utcnow()).isoformat(timespec="seconds") + "Z",
        "database": dialect,
        "tables": [],
        "files": {},
        "private_keys": bool(include_private_keys),
    }
    manifest["alembic_revision"] = _alembic_revision(session)
    manifest["tables"] = [_export_table(session, table, out_dir) for table in tables()]
    session.rollback()  # end the snapshot
    _export_data_files(Path(data_dir), out_dir)
    _export_certs(Path(certs_dir), out_dir, include_private_keys)
    manifest["files"] = _checksums(out_dir)
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _empty_export_folder(out_dir):
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"{out_dir} is not empty")
    (out_dir / "db").mkdir(parents=True, exist_ok=True)
    return out_dir


def _begin_snapshot(session):
    """Start the transaction every table is read in; return the database's dialect name."""
    bind = session.get_bind()
    session.commit()  # start a fresh transaction (acts commit; nothing is pending)
    if bind.dialect.name == "postgresql":
        # one snapshot for every table, so the backup is consistent while the registry runs
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return bind.dialect.name


def _alembic_revision(session):
    try:
        return session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # schema made by create_all (tests): no alembic table
        session.rollback()
        return None


def _export_table(session, table, out_dir):
    """Write db/<table>.jsonl, one sorted-key JSON object a line; return its manifest entry."""
    rel = f"db/{table.name}.jsonl"
    n = 0
    with open(out_dir / rel, "w", encoding="utf-8") as fh:
        for row in table_rows(session, table):
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True))
            fh.write("\n")
            n += 1
    return {"name": table.name, "file": rel, "rows": n}


def _export_data_files(data_dir, out_dir):
    for folder in FILE_FOLDERS:
        src = data_dir / folder
        if src.is_dir():
            shutil.copytree(src, out_dir / "files" / folder)


def _export_certs(certs_dir, out_dir, include_private_keys):
    """Copy the registry's certificates (and CURRENT markers); private keys only when asked,
    and then readable by the owner alone."""
    for path in sorted(certs_dir.rglob("*")):
        if not _is_exported_cert_file(path, include_private_keys):
            continue
        dest = out_dir / "certs" / path.relative_to(certs_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        if _is_private_key(path):
            os.chmod(dest, 0o600)


def _is_private_key(path):
    return path.name.endswith(".key.pem")


def _is_exported_cert_file(path, include_private_keys):
    if not path.is_file():
        return False
    if _is_private_key(path) and not include_private_keys:
        return False
    return path.suffix in (".pem",) or path.name == "CURRENT"


def _checksums(out_dir):
    """{relative path: sha256 and size} of every file written so far except the manifest."""
    files = {}
    for path in sorted(out_dir.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            rel = path.relative_to(out_dir).as_posix()
            files[rel] = {"sha256": _sha256(path), "size": path.stat().st_size}
    return files


def verify(backup_dir):
    """Check the folder against its manifest; return the manifest or raise BackupError."""
    backup_dir = Path(backup_dir)
    path = backup_dir / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{path} is missing")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("not a brandname backup of a known version")
    problems = []
    listed = manifest.get("files", {})
    for rel, info in listed.items():
        f = backup_dir / rel
        if not f.is_file():
            problems.append(f"missing: {rel}")
        elif f.stat().st_size != info["size"] or _sha256(f) != info["sha256"]:
            problems.append(f"checksum mismatch: {rel}")
    for f in backup_dir.rglob("*"):
        rel = f.relative_to(backup_dir).as_posix()
        if f.is_file() and rel != "manifest.json" and rel not in listed:
            problems.append(f"not in the manifest: {rel}")
    for t in manifest.get("tables", []):
        if t["file"] not in listed:
            problems.append(f"table file not in the manifest: {t['file']}")
    if problems:
        raise BackupError("the backup does not match its manifest: " + "; ".join(problems[:20]))
    return manifest


def database_is_empty(session):
    """True when no table holds a row (counters at zero, as a fresh `init` leaves them, count as empty)."""
    for table in tables():
        if table.name == "counters":
            if session.scalar(select(func.count()).select_from(table).where(table.c.value != 0)):
                return False
            continue
        if session.execute(select(text("1")).select_from(table).limit(1)).first():
            return False
    return True


def restore(session, backup_dir, *, data_dir, certs_dir):
    """Load a verified backup into an empty database and data folder; return the manifest."""
    backup_dir = Path(backup_dir)
    manifest = verify(backup_dir)
    data_dir, certs_dir = Path(data_dir), Path(certs_dir)
    _check_database_empty(session)
    _check_data_folders_empty(data_dir)
    known = _known_tables(manifest)
    _load_tables(session, backup_dir, manifest, known)
    if session.get_bind().dialect.name == "postgresql":
        _reset_sequences(session)
    session.commit()
    _restore_data_files(backup_dir / "files", data_dir)
    _restore_certs(backup_dir / "certs", certs_dir)
    return manifest


def _check_database_empty(session):
    if not database_is_empty(session):
        raise BackupError("the database is not empty; restore only into a fresh database")


def _check_data_folders_empty(data_dir):
    for folder in FILE_FOLDERS:
        target = data_dir / folder
        if target.is_dir() and any(target.iterdir()):
            raise BackupError(f"{target} is not empty; restore only into a fresh data folder")


def _known_tables(manifest):
    """{name: Table} of this version's schema; refuses a backup with a table it does not know."""
    known = {t.name: t for t in tables()}
    unknown = [t["name"] for t in manifest["tables"] if t["name"] not in known]
    if unknown:
        raise BackupError("the backup has tables this version does not know: " + ", ".join(unknown))
    return known


def _load_tables(session, backup_dir, manifest, known):
    """Insert every table in the manifest's order, then set the foreign keys that close a cycle."""
    counters = known.get("counters")
    if counters is not None:
        session.execute(counters.delete())  # `init` leaves zeroed counters; the backup has the real ones
    deferred_updates = []
    for entry in manifest["tables"]:
        deferred_updates += _load_table(session, known[entry["name"]], backup_dir / entry["file"])
    for table, key, values in deferred_updates:
        cond = [table.c[k] == v for k, v in key.items()]
        session.execute(update(table).where(*cond).values(**values))


def _load_table(session, table, path):
    """Insert the rows of one db/<table>.jsonl in chunks; return the deferred updates
    (table, primary key, values) for the columns that must wait until every table is in."""
    decode = _decoders(table)
    deferred = _deferred_columns(table)
    pk = [c.name for c in table.primary_key.columns]
    deferred_updates, batch = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            row = {k: (decode[k](v) if k in decode else v) for k, v in row.items() if k in table.c}
            later = {c: row[c] for c in deferred if row.get(c) is not None}
            if later:
                deferred_updates.append((table, {k: row[k] for k in pk}, later))
                row.update({c: None for c in later})
            batch.append(row)
            if len(batch) >= INSERT_CHUNK:
                session.execute(insert(table), batch)
                batch = []
    if batch:
        session.execute(insert(table), batch)
    return deferred_updates


def _restore_data_files(files, data_dir):
    for folder in FILE_FOLDERS:
        if (files / folder).is_dir():
            shutil.copytree(files / folder, data_dir / folder, dirs_exist_ok=True)


def _restore_certs(src_dir, certs_dir):
    if not src_dir.is_dir():
        return
    for src in sorted(src_dir.rglob("*")):
        if not src.is_file():
            continue
        dest = certs_dir / src.relative_to(src_dir)
        if dest.exists():
            continue  # never overwrite the keys in place
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        if _is_private_key(dest):
            os.chmod(dest, 0o600)


def _reset_sequences(session):
    for table in tables():
        pk = list(table.primary_key.columns)
        try:
            is_int = pk[0].type.python_type is int if len(pk) == 1 else False
        except NotImplementedError:
            is_int = False
        if not is_int or pk[0].autoincrement is False:
            continue
        seq = session.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if seq:
            session.execute(
                text(
                    f"SELECT setval(:s, COALESCE((SELECT MAX({pk[0].name}) FROM "
                    f"{table.name}), 1), (SELECT MAX({pk[0].name}) FROM {table.name}) "
                    "IS NOT NULL)"
                ),
                {"s": seq},
            )
