"""Why a sync was refused. Every message is English / Vietnamese."""


class SyncError(Exception):
    """The registry's data could not be verified; the local state was not changed."""


class RegistryCertificateMismatch(SyncError):
    """The registry presented a root certificate other than the pinned one."""


class TamperedData(SyncError):
    """A signature, digest, count or format check failed."""


class ReplayedData(SyncError):
    """A genuine but old, foreign or out-of-order change page."""


class StaleData(SyncError):
    """Genuine data whose signed time is older than the client's freshness limit (a frozen feed)."""


class LogInconsistent(TamperedData):
    """The registry's transparency log does not extend the history this client verified before
    (a rewritten, truncated or forked log), or another client saw a different history."""


def refusal(cls, vi, en):
    return cls(f"{en} / {vi}")
