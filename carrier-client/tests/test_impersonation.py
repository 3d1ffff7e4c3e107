"""An unregistered name that could pass for a registered, protected or watched one answers
impersonation_risk offline, as the registry's own API does: the local index files every name
under its confusable and look-alike keys, kept up to date as changes apply, and the snapshot
manifest and change pages carry the protected names."""

import json
from datetime import date

import pytest
from conftest import record

from brandname_carrier import CarrierClient, TamperedData
from brandname_carrier.index import Entry, Index, Target
from brandname_carrier.rules import impersonates, resemblance_keys, within_one_edit

RISK = (False, "unregistered", "impersonation_risk")
NOT_REGISTERED = (False, None, "not_registered")
TODAY = date(2026, 3, 2)


def entry(name, status="active"):
    return Entry(name.upper(), name, status, "2029-03-01", "0101234567", (), "BN-1")


def change(index, e):
    return {e.name_normal: (e, index.pack(e))}


@pytest.mark.parametrize(
    "asked, registered",
    [
        ("V1ETTEL", "Viettel"),  # look-alike characters
        ("VIETEL", "Viettel"),  # a doubled letter, by sound
        ("VINAFONE", "Vinaphone"),  # PH/F
        ("KYMLONG", "KimLong"),  # Y/I
        ("VIETTAL", "Viettel"),  # one substitution
        ("VIETTTEL1", "Viettel"),  # one insertion after the folds
        ("VIETTLE", "Viettel"),  # two neighbours swapped
    ],
)
def test_a_look_alike_of_a_held_name_is_an_impersonation_risk(asked, registered):
    index = Index(TODAY)
    index.extend([entry(registered), entry("SunMart")])
    answer = index.checker()(asked)
    assert answer == RISK and answer.lookalike_of == (registered,)


def test_every_status_held_is_a_target_and_harmless_names_are_not_registered():
    index = Index(TODAY)
    index.extend([entry("Viettel", "revoked"), entry("Held", "reserved")])
    check = index.checker()
    assert check("VIETEL").lookalike_of == ("Viettel",)
    assert check("XQXQXQ") == NOT_REGISTERED and check("XQXQXQ").lookalike_of == ()
    assert check("VIETTEL" * 2) == NOT_REGISTERED  # longer than a sender name can be
    assert check("HELD").reason == "reserved"  # the name itself is answered as held


def test_the_key_index_follows_each_change():
    index = Index(TODAY)
    check = index.checker()
    index.extend([entry("Viettel"), entry("Vietel0")])
    assert check("VIETTEL1").lookalike_of == ("Vietel0", "Viettel")
    index.apply({"VIETTEL": None}, ["Viettel"])  # released
    assert check("VIETTEL1").lookalike_of == ("Vietel0",)
    assert not any("Viettel" in (v if isinstance(v, tuple) else (v,)) for v in index.resembling.values())
    index.apply(change(index, entry("VIETTEL")))  # issued anew, spelled otherwise
    assert check("VIETTEL1").lookalike_of == ("Vietel0", "VIETTEL")
    index.apply(change(index, entry("ViettEL")))  # respelled: filed once
    assert check("VIETTEL1").lookalike_of == ("Vietel0", "ViettEL")
    index.apply(change(index, entry("ViettEL", "revoked")))  # revoked: still a name to pass for
    assert check("VIETTEL1").lookalike_of == ("Vietel0", "ViettEL")
    index.apply({"VIETEL0": None, "VIETTEL": None})
    assert check("VIETTEL1") == NOT_REGISTERED and index.resembling == {}


def test_protected_names_are_targets_with_the_name_they_stand_for():
    index = Index(TODAY)
    index.extend([entry("Viettel")])
    index.set_targets(
        [
            Target("Bo Cong An", "state", "Bo Cong An"),
            Target("ViettelPay", "variant", "Viettel"),
            Target("Lua Dao", "sensitive", "Lua Dao"),  # warns applicants, impersonates nobody
        ]
    )
    check = index.checker()
    assert check("BOCONGAN").lookalike_of == ("Bo Cong An",)  # the same name written plainly
    assert check("B0C0NGAN").lookalike_of == ("Bo Cong An",)
    assert check("VIETTELPAY").lookalike_of == ("Viettel",)  # the variant itself, for its holder
    assert check("VIETELPAY").lookalike_of == ("Viettel",)
    assert check("LUADAO") == NOT_REGISTERED
    index.set_targets([])
    assert check("BOCONGAN") == NOT_REGISTERED


def test_resemblance_keys_find_every_near_miss_within_one_edit():
    """What impersonates() accepts must be filed under one of the keys looked up, or the offline
    answer would miss what the registry finds."""
    import random

    rng = random.Random(3)
    alphabet = "ABCDEFGHIKLMNOPQRSTUVXYZ0123456789"
    for _ in range(300):
        other = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 10)))
        i = rng.randrange(len(other))
        asked = rng.choice(
            [
                other[:i] + other[i + 1 :],
                other[:i] + rng.choice(alphabet) + other[i:],
                other[:i] + "A" + other[i + 1 :],
            ]
        )
        if impersonates(asked, other):
            index = Index(TODAY)
            index.extend([entry(other)])
            assert index.lookalikes(asked) == [other], (asked, other)
    assert within_one_edit("ABCDE", "ABDCE") and not within_one_edit("ABCDE", "ABDEC")
    assert len(resemblance_keys("VIETTEL")) > 100


def test_the_snapshot_and_pages_carry_the_protected_names(make_client, registry):
    registry.put(record("Viettel"))
    registry.protect([{"name": "Bo Cong An", "category": "state", "of": "Bo Cong An"}])
    client = make_client()
    assert client.sync()["start"] == "snapshot"
    assert client.check("BOCONGAN") == RISK and client.check("BOCONGAN").lookalike_of == ("Bo Cong An",)
    assert client.check("VIETEL").lookalike_of == ("Viettel",)
    registry.protect([{"name": "VTPay", "category": "variant", "of": "Viettel"}])
    registry.put(record("Other"))
    assert client.sync()["start"] == "local"
    assert client.check("BOCONGAN") == NOT_REGISTERED  # the page's list replaced the old one
    assert client.check("VTPAY").lookalike_of == ("Viettel",)
    registry.put(record("Third"))  # a page without the list keeps the one held
    client.sync()
    assert client.check("VTPAY").lookalike_of == ("Viettel",)
    # a fresh process reads them from the local state
    offline = CarrierClient(directory=client.dir, today=TODAY)
    assert offline.check("VTPAY").lookalike_of == ("Viettel",) and offline.check("VIETEL") == RISK


def test_a_version_1_manifest_without_protected_names_is_read(make_client, registry):
    registry.version = 1
    registry.put(record("Viettel"))
    client = make_client()
    client.sync()
    assert client.state["targets"] is None and client.check("VIETEL").lookalike_of == ("Viettel",)
    registry.put(record("Other"))
    assert client.sync()["start"] == "local"  # no snapshot again and again


def test_a_malformed_list_of_protected_names_is_refused_and_changes_nothing(make_client, registry):
    registry.put(record("Viettel"))
    client = make_client()
    client.sync()
    before = json.loads(client.state_path.read_text())
    registry.protect([{"name": 7, "category": "state"}])
    with pytest.raises(TamperedData):
        client.sync()
    assert json.loads(client.state_path.read_text()) == before
