"""Housekeeping of the prometheus_client multiprocess folder (PROMETHEUS_MULTIPROC_DIR).

Each gunicorn worker writes its counters and histograms to `<type>_<pid>.db`, and a scrape adds up
every file in the folder, those of dead workers included (their counts must stay in the totals).
Workers are recycled every couple of thousand requests (max_requests), so at carrier rates the
folder would gain thousands of files a day and every scrape would read them all. When a worker
exits, the master therefore folds its files into one `<type>_archive.db` per type.

A lock keeps a scrape from reading the folder while a fold is half done (it would see the dead
worker's counts twice, or not at all, and Prometheus would take the dip for a counter reset):
scrapes take it shared, the fold exclusive.

Defines no metric, so the gunicorn master can import it without writing metric files of its own.
"""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict, mmap_key

LOCK_NAME = ".lock"  # not *.db: the collector reads only those
ARCHIVE = "archive"  # in place of the pid in the file name
FOLDED_TYPES = ("counter", "histogram", "summary")  # the types whose dead workers' values stay


@contextmanager
def _locked(directory, mode):
    with open(Path(directory) / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, mode)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def collect(directory):
    """Every worker's metric families, read under the shared lock."""
    with _locked(directory, fcntl.LOCK_SH):
        return list(multiprocess.MultiProcessCollector(None, path=str(directory)).collect())


def worker_exited(directory, pid):
    """Drop a dead worker's live gauges and fold its counters and histograms into the archive."""
    multiprocess.mark_process_dead(pid, str(directory))
    directory = Path(directory)
    with _locked(directory, fcntl.LOCK_EX):
        for typ in FOLDED_TYPES:
            dead = directory / f"{typ}_{pid}.db"
            if not dead.exists():
                continue
            archive = directory / f"{typ}_{ARCHIVE}.db"
            sources = [str(p) for p in (archive, dead) if p.exists()]
            # accumulate=False keeps histogram buckets per bound, as the workers' files hold them
            merged = multiprocess.MultiProcessCollector.merge(sources, accumulate=False)
            partial = directory / f"{typ}_{ARCHIVE}.db.partial"
            values = MmapedDict(str(partial))
            try:
                for metric in merged:
                    for sample in metric.samples:
                        key = mmap_key(
                            metric.name,
                            sample.name,
                            list(sample.labels),
                            list(sample.labels.values()),
                            metric.documentation,
                        )
                        values.write_value(key, sample.value, 0.0)
            finally:
                values.close()
            os.replace(partial, archive)
            dead.unlink()
