"""Cost of checking an uploaded certificate PDF in a limited child process, against in-process.

Run from the repository root: `.venv/bin/python bench/bench_verify_isolation.py [--runs N]`.
The floor, measured in the same run, is the in-process check (`signing.check_pdf` and
`read_attachments` on an ordinary registry certificate); the isolated check adds the pre-scan and
one fork of the warm fork server with its resource limits. Prints both medians and the ratio.
The fork server's one-time start is reported separately. Bounded: --runs (default 30) each.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_certificate_pdf import RECORD  # noqa: E402

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
