"""Reference carrier client of the brandname registry (Decree 91/2020/NĐ-CP sender names).

Keeps a verified local copy of the registry and answers "may this message go out under this
sender name?" offline. Depends only on `cryptography` and `joserfc`.
"""

from brandname_carrier.client import CarrierClient, urllib_transport
from brandname_carrier.errors import (
    RegistryCertificateMismatch,
    ReplayedData,
    StaleData,
    SyncError,
    TamperedData,
)
from brandname_carrier.index import NOT_REGISTERED, Answer, Entry
from brandname_carrier.rules import decide, normal_form, normal_holder_id
from brandname_carrier.trust import CHANGES_TYP, SNAPSHOT_TYP

__version__ = "1.0.0"
__all__ = [
    "CHANGES_TYP",
    "NOT_REGISTERED",
    "SNAPSHOT_TYP",
    "Answer",
    "CarrierClient",
    "Entry",
    "RegistryCertificateMismatch",
    "ReplayedData",
    "StaleData",
    "SyncError",
    "TamperedData",
    "decide",
    "normal_form",
    "normal_holder_id",
    "urllib_transport",
]
