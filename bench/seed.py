"""Fast, realistic bench data: holders, names in every state, signed certificates, authorizations
and one event per name, inserted in bulk through SQLAlchemy Core (not through the lifecycle acts,
which would take hours at a million names). Certificate records are real canonical JSON signed
with KeyStore.sign_json, as the lifecycle does."""

import random
import time
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from brandname import lifecycle
from brandname.lifecycle import certificate_record
from brandname.lifecycle.certificates import new_holder_check
from brandname.rules import names as name_rules
from brandname.store.models import Authorization, Base, Brandname, Certificate, Counter, Event, Holder

PREFIXES = [
    "VIET",
    "SAI",
    "HA",
    "DA",
    "MEKO",
    "SONG",
    "AN",
    "PHU",
    "MINH",
    "HOA",
    "TAN",
    "THAN",
    "KIM",
    "NAM",
    "BAC",
    "DONG",
    "TAY",
    "LONG",
    "HUNG",
    "PHAT",
    "GIA",
    "BAO",
    "QUAN",
]
KINDS = ["Công ty Cổ phần", "Công ty TNHH", "Ngân hàng TMCP", "Tập đoàn"]
NOW = datetime(2026, 3, 2, 3, 0)


def bench_name(i):
    """A unique, valid, realistic-looking name of at most 11 characters."""
    prefix = PREFIXES[i % len(PREFIXES)]
    text = f"{prefix}{i:07d}"[:11] if len(prefix) + 7 <= 11 else f"{prefix[:4]}{i:07d}"
    return text if i % 5 else text.title()


class _Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def seed(engine, keys, count, *, seed_value=1, batch=20_000, log=print):
    """Create the schema if needed and insert `count` names. Returns the list of names."""
    rng = random.Random(seed_value)
    Base.metadata.create_all(engine)
    t0 = time.perf_counter()
    holders_n = max(1, count // 10)
    with engine.begin() as conn:
        rows = []
        for i in range(holders_n):
            org = rng.random() < 0.85
            rows.append(
                {
                    "kind": "organization" if org else "individual",
                    "name": f"{rng.choice(KINDS)} Bench {i}" if org else "Nguyễn Văn Bench",
                    "id_number": f"0{100_000_000 + i:09d}" if org else f"0{10_000_000_000 + i:011d}",
                    "tax_code": None,
                    "address": f"Số {i % 300 + 1} Lê Lợi, Hà Nội",
                    "email": f"bench{i}@example.vn",
                    "phone": "0241234567",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        conn.execute(insert(Holder), rows)
        holders = conn.execute(
            select(Holder.id, Holder.kind, Holder.name, Holder.id_number, Holder.address).order_by(Holder.id)
        ).all()
        seq = conn.execute(select(Counter.value).where(Counter.name == "event")).scalar() or 0
        serial = 0
        names = []
        next_id = (conn.execute(select(Brandname.id).order_by(Brandname.id.desc())).scalar() or 0) + 1
        for start in range(0, count, batch):
            bn_rows, cert_rows, ev_rows, auth_rows = [], [], [], []
            for i in range(start, min(count, start + batch)):
                name = bench_name(i)
                holder = holders[i % holders_n]
                r = rng.random()
                status = (
                    "active"
                    if r < 0.85
                    else "reserved"
                    if r < 0.90
                    else "expired"
                    if r < 0.95
                    else "revoked"
                    if r < 0.99
                    else "released"
                )
                issued = NOW - timedelta(days=rng.randint(0, 1000))
                vf = issued.date()
                vu = date(vf.year + 3, vf.month, min(vf.day, 28)) - timedelta(days=1)
                bid = next_id
                next_id += 1
                bn_rows.append(
                    {
                        "id": bid,
                        "name": name,
                        "name_normal": name_rules.normal_form(name),
                        **name_rules.keys(name),
                        "holder_id": holder.id,
                        "status": status,
                        "use_sms": True,
                        "use_voice": False,
                        "purpose": "Chăm sóc khách hàng",
                        "reserved_at": issued,
                        "valid_from": None if status == "reserved" else vf,
                        "valid_until": None if status == "reserved" else vu,
                        "revoked_at": issued + timedelta(days=30) if status == "revoked" else None,
                        "revocation_ground": "spam" if status == "revoked" else None,
                        "expired_at": NOW if status == "expired" else None,
                        "released_at": NOW if status == "released" else None,
                        "holder_check": new_holder_check(holder.kind, holder.id_number),
                    }
                )
                names.append(name)
                if status != "reserved":
                    serial += 1
                    cert = _Obj(
                        serial=f"BN-{vf.year}-{serial:07d}",
                        kind="issue",
                        issued_at=issued,
                        valid_from=vf,
                        valid_until=vu,
                        previous_serial=None,
                    )
                    bn = _Obj(
                        name=name, name_normal=name_rules.normal_form(name), use_sms=True, use_voice=False
                    )
                    holder_obj = _Obj(
                        kind=holder.kind,
                        name=holder.name,
                        id_number=holder.id_number,
                        address=holder.address,
                        public_id_number=lambda h=holder: h.id_number if h.kind == "organization" else None,
                    )
                    record, token = keys.sign_json(
                        certificate_record(cert, bn, holder_obj, lifecycle.DEFAULT_RULES)
                    )
                    cert_rows.append(
                        {
                            "serial": cert.serial,
                            "brandname_id": bid,
                            "kind": "issue",
                            "status": "current",
                            "issued_at": issued,
                            "valid_from": vf,
                            "valid_until": vu,
                            "record": record.decode(),
                            "signature": token,
                            "kid": keys.current_kid,
                        }
                    )
                if status == "active" and rng.random() < 0.03:
                    auth_rows.append(
                        {
                            "brandname_id": bid,
                            "party_id_number": f"03{rng.randint(10**7, 10**8 - 1)}",
                            "party_name": "Công ty Đại lý Tin nhắn",
                            "created_at": NOW,
                        }
                    )
                seq += 1
                ev_rows.append(
                    {
                        "seq": seq,
                        "at": issued,
                        "actor_kind": "operator",
                        "actor_id": None,
                        "actor_label": "operator:bench",
                        "act": "issue",
                        "subject_type": "brandname",
                        "subject_id": bid,
                        "name_normal": name_rules.normal_form(name),
                        "application_id": None,
                        "details": {"bench": True},
                    }
                )
            conn.execute(insert(Brandname), bn_rows)
            if cert_rows:
                conn.execute(insert(Certificate), cert_rows)
            if auth_rows:
                conn.execute(insert(Authorization), auth_rows)
            conn.execute(insert(Event), ev_rows)
            log(f"  seeded {min(count, start + batch):,} names ({time.perf_counter() - t0:.0f} s)")
        for counter, value in (("event", seq), ("serial", serial)):
            if conn.execute(select(Counter.name).where(Counter.name == counter)).first():
                conn.execute(Counter.__table__.update().where(Counter.name == counter).values(value=value))
            else:
                conn.execute(insert(Counter), [{"name": counter, "value": value}])
    return names
