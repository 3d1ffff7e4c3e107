"""Cost of checking an uploaded certificate PDF in a limited child process, against in-process.

Run from the repository root: `.venv/bin/python bench/bench_verify_isolation.py [--runs N]`.
The floor, measured in the same run, is the in-process check (`signing.check_pdf` and
`read_attachments` on an ordinary registry certificate); the isolated check adds the pre-scan and
one fork of the warm fork server with its resource limits. Prints both medians and the ratio.
The fork server's one-time start is reported separately. Bounded: --runs (default 30) each.
It then times the abusive uploads that once stalled a worker (a small PDF whose signature fields
each inflate to 4 MB): refused by the pre-scan, and, with the pre-scan off, stopped by the child's
limits; the public route's promise is an answer within 5 s.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_certificate_pdf import RECORD  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pdf_attacks import field_bomb  # noqa: E402

from brandname.certificates import pdf as certificate_pdf  # noqa: E402
from brandname.certificates import signing, untrusted  # noqa: E402


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        keys = signing.KeyStore.create(Path(tmp) / "certs")
        record_bytes, jws = keys.sign_json(RECORD)
        unsigned = certificate_pdf.render(
            record_bytes.decode(), jws, public_url="https://brandname.gov.vn", signer_title="Cục trưởng"
        )
        pdf = signing.sign_pdf(keys, unsigned)

        def in_process():
            assert signing.check_pdf(keys, pdf).ok
            assert certificate_pdf.read_attachments(pdf)

        def isolated():
            answer = untrusted.check_isolated(keys, pdf)
            assert answer.check.ok and answer.files

        in_process()
        start = time.perf_counter()
        isolated()  # starts the fork server (once per worker process)
        first = time.perf_counter() - start
        floor = statistics.median(timed(in_process, args.runs))
        cost = statistics.median(timed(isolated, args.runs))
    print(f"in-process check (floor): median {floor * 1000:.1f} ms over {args.runs} runs ({len(pdf)} bytes)")
    print(f"isolated check: median {cost * 1000:.1f} ms; ratio {cost / floor:.2f}x the floor")
    print(f"first isolated check of a worker (starts the fork server): {first * 1000:.0f} ms")
    bomb = field_bomb(40)
    start = time.perf_counter()
    answer = untrusted.check_isolated(keys, bomb)
    refused = time.perf_counter() - start
    print(
        f"field bomb ({len(bomb) // 1024} KB): {answer.check.problem} in {refused * 1000:.0f} ms (pre-scan)"
    )
    no_prescan = untrusted.Limits(
        timeout_seconds=4,
        max_objects=10**9,
        max_object_streams=10**9,
        max_signature_fields=10**9,
        max_inflated_bytes=10**12,
    )
    start = time.perf_counter()
    answer = untrusted.check_isolated(keys, bomb, no_prescan)
    stopped = time.perf_counter() - start
    print(f"field bomb past the pre-scan: {answer.check.problem} in {stopped:.2f} s (limit 4 s, promise 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
