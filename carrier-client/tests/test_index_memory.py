"""The offline copy's memory at a million names: names certified for the same forms of use
share one restriction object instead of holding one each."""

from conftest import TODAY, record

from brandname_carrier import index as index_


def test_names_certified_for_the_same_forms_of_use_share_one_restriction():
    idx = index_.Index(TODAY)
    idx.extend(
        index_.entry_from_record({**record(name), "channels": channels})
        for name, channels in (
            ("ALPHA1", ["sms"]),
            ("BETA22", ["sms"]),
            ("GAMMA3", ["voice"]),
            ("DELTA4", ["sms", "voice"]),
        )
    )
    assert idx.channels["ALPHA1"] is idx.channels["BETA22"]
    assert idx.channels["GAMMA3"] == frozenset({"voice"}) and "DELTA4" not in idx.channels
    check = idx.checker()
    assert check("BETA22", channel="voice").reason == "channel_not_certified"
    assert check("BETA22", channel="sms").deliverable and check("DELTA4", channel="voice").deliverable
