from datetime import date

import pytest

from brandname.rules import fees


def test_default_fees_from_domain():
    day = date(2026, 1, 1)
    assert fees.fee_for("issue", day).amount_vnd == 200_000
    assert fees.fee_for("reissue", day).amount_vnd == 100_000
    assert fees.fee_for("renewal", day).amount_vnd == 200_000
    assert all(line.source for line in fees.DEFAULT_SCHEDULE)


def test_latest_line_in_force_wins():
    schedule = fees.schedule_from_config(
        [
            {"act": "issue", "amount_vnd": 200000, "effective_from": "2020-10-01", "source": "old"},
            {"act": "issue", "amount_vnd": 250000, "effective_from": "2027-01-01", "source": "new circular"},
        ]
    )
    assert fees.fee_for("issue", date(2026, 12, 31), schedule).amount_vnd == 200_000
    line = fees.fee_for("issue", date(2027, 1, 1), schedule)
    assert (line.amount_vnd, line.source) == (250_000, "new circular")


def test_bad_schedules_and_acts_are_refused():
    with pytest.raises(ValueError):
        fees.schedule_from_config([{"act": "bribe", "amount_vnd": 1, "effective_from": "2020-01-01"}])
    with pytest.raises(ValueError):
        fees.schedule_from_config([{"act": "issue", "amount_vnd": -1, "effective_from": "2020-01-01"}])
    with pytest.raises(LookupError):
        fees.fee_for("issue", date(2019, 1, 1))
    with pytest.raises(ValueError):
        fees.fee_for("revoke", date(2026, 1, 1))
