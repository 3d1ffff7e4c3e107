"""The pure rules (decide, normal forms, the Hanoi day) and the packed index that answers checks:
for every record, sender and day, a check answers exactly what decide() says."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from brandname_carrier import TamperedData, decide, normal_form, normal_holder_id
from brandname_carrier.index import Entry, Index
from brandname_carrier.rules import holder_check, local_date, local_today, matches_holder_check

TODAY = "2026-03-02"


@pytest.mark.parametrize(
    "facts,holder,expected",
    [
        (("active", "2029-03-01", "0101234567", []), None, (True, "active", "ok")),
        (("active", "2029-03-01", "0101234567", []), "0101234567", (True, "active", "ok")),
        (("active", "2029-03-01", "0101234567", []), " 0101 234567 ", (True, "active", "ok")),
        (("active", "2029-03-01", "010123456a", []), "010123456A", (True, "active", "ok")),
        (("active", "2029-03-01", "0101234567", []), "0101234568", (False, "active", "holder_mismatch")),
        (("active", "2029-03-01", "0101234567", ["0312345678"]), "0312345678", (True, "active", "ok")),
        (
            ("active", "2029-03-01", "0101234567", ["0312345678"]),
            "0312345679",
            (False, "active", "holder_mismatch"),
        ),
        (("active", "2029-03-01", None, []), "001203004567", (False, "active", "holder_mismatch")),
        (("active", "2029-03-01", None, []), None, (True, "active", "ok")),
        (("active", "2026-03-02", "0101234567", []), None, (True, "active", "ok")),  # the last valid day
        (("active", "2026-03-01", "0101234567", []), None, (False, "expired", "expired")),
        (("active", "2026-03-01", "0101234567", []), "0101234567", (False, "expired", "expired")),
        (("active", None, "0101234567", []), None, (True, "active", "ok")),
        (("reserved", None, "0101234567", []), None, (False, "reserved", "reserved")),
        (("revoked", "2029-03-01", "0101234567", []), "0101234567", (False, "revoked", "revoked")),
        (("expired", "2029-03-01", "0101234567", []), None, (False, "expired", "expired")),
    ],
)
def test_decide(facts, holder, expected):
    status, until, number, authorized = facts
    assert decide(status, until, number, authorized, holder, TODAY) == expected


def test_normal_form_upper_cases_ascii_letters_only():
    assert normal_form("Tiki.vn") == "TIKI.VN"
    assert normal_form("vıet ß") == "VıET ß"  # str.upper() would fold these to ASCII
    assert normal_holder_id(" 0101 234 56a ") == "010123456A"


def test_the_hanoi_day():
    assert local_date(datetime(2026, 3, 1, 17, 0)) == date(2026, 3, 2)  # midnight in Hanoi
    assert local_date(datetime(2026, 3, 1, 16, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert local_today(datetime(2026, 3, 1, 17, 0)) == date(2026, 3, 2)
    assert abs(local_today() - datetime.now(UTC).date()) <= timedelta(days=1)


SALT = "00112233445566778899aabbccddeeff"
PERSON = "001203004567"
PERSON_CHECK = {"salt": SALT, "hmac": holder_check(SALT, PERSON)}


@pytest.mark.parametrize(
    "kw,holder,expected",
    [
        ({"channel": "sms", "channels": ["sms"]}, None, (True, "active", "ok")),
        ({"channel": "voice", "channels": ["sms"]}, None, (False, "active", "channel_not_certified")),
        ({"channel": "sms", "channels": ["voice"]}, None, (False, "active", "channel_not_certified")),
        ({"channel": "voice", "channels": ["sms", "voice"]}, None, (True, "active", "ok")),
        ({"channel": "voice", "channels": None}, None, (True, "active", "ok")),  # not published: no refusal
        ({"channel": None, "channels": ["sms"]}, None, (True, "active", "ok")),
        ({"channel": "fax", "channels": ["sms", "voice"]}, None, (False, "active", "channel_not_certified")),
        # the channel is refused before the sender is looked at
        ({"channel": "voice", "channels": ["sms"]}, "0101234568", (False, "active", "channel_not_certified")),
    ],
)
def test_decide_by_channel(kw, holder, expected):
    assert decide("active", "2029-03-01", "0101234567", [], holder, TODAY, **kw) == expected


@pytest.mark.parametrize(
    "holder,expected",
    [
        (PERSON, (True, "active", "ok")),
        (" 0012 0300 4567 ", (True, "active", "ok")),  # compared as normalized, like enterprise codes
        ("001203004568", (False, "active", "holder_mismatch")),
        (None, (True, "active", "ok")),
    ],
)
def test_an_individual_is_recognized_by_the_keyed_hash_of_the_id_number(holder, expected):
    assert decide("active", "2029-03-01", None, [], holder, TODAY, id_check=PERSON_CHECK) == expected


def test_the_keyed_hash_is_hmac_sha256_under_the_salt():
    import hashlib
    import hmac

    assert (
        holder_check(SALT, PERSON)
        == hmac.new(bytes.fromhex(SALT), PERSON.encode(), hashlib.sha256).hexdigest()
    )
    other = "ffeeddccbbaa99887766554433221100"
    assert holder_check(other, PERSON) != holder_check(SALT, PERSON)  # a salt per name
    for broken in (None, {}, {"salt": "zz", "hmac": "00"}, {"salt": SALT}, "x"):
        assert not matches_holder_check(broken, PERSON)


def random_entries(rng, n):
    holders = ["0101234567", "0109999999", "010123456a", None]
    parties = ["0312345678", "0305555555", " 0306 666666"]
    channel_sets = [None, ("sms",), ("voice",), ("sms", "voice"), ()]
    for i in range(n):
        status = rng.choice(["active", "active", "active", "reserved", "expired", "revoked"])
        until = rng.choice(
            [None, "2026-03-01", "2026-03-02", "2026-03-03", "2029-03-01", "2026-03-02T00:00:00"]
        )
        yield Entry(
            f"NAME{i}",
            f"Name{i}",
            status,
            until,
            rng.choice(holders),
            tuple(rng.sample(parties, rng.randrange(3))),
            f"BN-2026-{i:07d}",
            rng.choice(channel_sets),
            PERSON_CHECK if rng.random() < 0.3 else None,
        )


def test_checks_answer_what_decide_says_on_every_day():
    rng = random.Random(7)
    entries = list(random_entries(rng, 400))
    senders = [None, "0101234567", "0109999999", "010123456A", "0312345678", "0306666666", "x", "", PERSON]
    channels = [None, "sms", "voice"]
    days = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 2)]
    index = Index(days[0])
    index.extend(entries, batch=7)
    check = index.checker()
    for day in days:  # forward across midnights, then the clock going back
        index.roll_to(day)
        for entry in entries:
            for sender in senders:
                for channel in channels:
                    expected = decide(
                        entry.status,
                        entry.valid_until,
                        entry.holder_id,
                        entry.authorized,
                        sender,
                        day.isoformat(),
                        channel=channel,
                        channels=entry.channels,
                        id_check=entry.id_check,
                    )
                    for spelling in (entry.name_normal, entry.name, entry.name.lower()):
                        assert check(spelling, sender, channel) == expected, (entry, sender, channel, day)
    assert check("XQXQXQXQ") == (False, None, "not_registered")
    assert check("NAME9999") == (False, "unregistered", "impersonation_risk")  # NAME99 by sound
    with pytest.raises(TamperedData, match="listed twice"):
        index.extend(entries[:1])


def keys(index):
    return index.deliverable | index.expired | set(index.others)


def change(index, entry):
    return {entry.name_normal: (entry, index.pack(entry))}


def test_changes_apply_in_place_and_follow_the_day():
    index = Index(date(2026, 3, 2))
    check = index.checker()
    old = Entry("VIETSUN", "VietSun", "active", "2026-03-02", "0101234567", (), "BN-1")
    index.extend([old])
    assert len(index) == 1 and index.spellings == 1 and keys(index) == {"VIETSUN", "VietSun"}
    renewed = old._replace(name="Vietsun", valid_until="2029-03-02", holder_id="0109999999")
    index.apply(change(index, renewed), ["VietSun"])
    assert keys(index) == {"VIETSUN", "Vietsun"} and len(index) == 1
    assert check("Vietsun", "0109999999") == (True, "active", "ok")
    assert check("VietSun", "0109999999") == (True, "active", "ok")  # via the normal form
    assert check("VietSun", "0101234567") == (False, "active", "holder_mismatch")
    index.apply(change(index, renewed._replace(status="revoked")), ["Vietsun"])
    assert check("Vietsun") == (False, "revoked", "revoked") and "VIETSUN" not in index.senders
    index.apply({"VIETSUN": None}, ["Vietsun"])
    assert check("Vietsun") == (False, None, "not_registered") and len(index) == 0 and not keys(index)
    index.apply(change(index, old._replace(name_normal="SUNMART", name="SunMart")))
    index.roll_to(date(2026, 3, 3))
    assert check("SunMart") == (False, "expired", "expired") and check("SUNMART") == (
        False,
        "expired",
        "expired",
    )
    index.roll_to(date(2026, 3, 2))
    assert check("SunMart") == (True, "active", "ok") and check("sunmart") == (True, "active", "ok")
    # a change packed before midnight is applied as of the day it is applied on
    late = old._replace(name_normal="LATE", name="Late", valid_until="2026-03-03")
    packed = change(index, late)
    index.roll_to(date(2026, 3, 4))
    index.apply(packed)
    assert check("Late") == (False, "expired", "expired") and check("LATE") == (False, "expired", "expired")


def test_a_spelling_that_is_not_the_name_is_not_a_key():
    index = Index(date(2026, 3, 2))
    index.extend([Entry("VIETSUN", "SunViet", "active", None, None, (), None)])
    assert keys(index) == {"VIETSUN"}
    assert index.checker()("SunViet") == (False, None, "not_registered")


def test_changes_carry_channels_and_individual_checks():
    index = Index(date(2026, 3, 2))
    check = index.checker()
    sms_only = Entry("VIETSUN", "VietSun", "active", "2029-03-02", None, (), "BN-1", ("sms",), PERSON_CHECK)
    index.extend([sms_only])
    assert check("VietSun", None, "voice") == (False, "active", "channel_not_certified")
    assert check("VietSun", PERSON, "sms") == (True, "active", "ok")
    both = sms_only._replace(channels=("sms", "voice"), id_check=None, holder_id="0101234567")
    index.apply(change(index, both))
    assert check("VietSun", None, "voice") == (True, "active", "ok")
    assert check("VietSun", PERSON) == (False, "active", "holder_mismatch")  # the holder changed
    assert "VIETSUN" not in index.channels and "VIETSUN" not in index.individuals
    index.apply({"VIETSUN": None}, ["VietSun"])
    assert not index.channels and not index.individuals and not index.senders


def test_names_files_of_the_previous_format_still_load():
    from brandname_carrier.index import entry_line, read_entries

    old = '["VIETSUN","VietSun","active","2029-03-02","0101234567",[],"BN-1"]\n'
    (entry,) = read_entries([old])
    assert entry.channels is None and entry.id_check is None
    new = Entry("A", "A", "active", None, None, (), None, ("sms",), PERSON_CHECK)
    assert list(read_entries([entry_line(new)])) == [new]


def test_a_pending_renewal_keeps_the_name_in_force_past_its_last_day():
    from brandname_carrier.index import entry_from_record

    record = {
        "name": "VietSun",
        "name_normal": "VIETSUN",
        "status": "active",
        "channels": ["sms"],
        "holder": {"name": "Công ty", "id_number": "0101234567", "id_check": None},
        "serial": "BN-1",
        "valid_from": "2026-03-02",
        "valid_until": "2026-03-02",
        "revoked_at": None,
        "revocation_ground": None,
        "authorizations": [],
        "renewal_pending": True,
    }
    index = Index(date(2026, 3, 3))
    index.extend(
        [
            entry_from_record(record),
            entry_from_record(dict(record, name="Other", name_normal="OTHER", renewal_pending=False)),
        ]
    )
    check = index.checker()
    assert check("VietSun") == (True, "active", "ok")
    assert check("Other") == (False, "expired", "expired")
