"""Render + sign one certificate PDF: median of 100 runs on this machine (target <= 0.2 s).

Run from the repository root: `.venv/bin/python bench/bench_certificate_pdf.py [--runs N]`.
The floor, measured in the same run, is reportlab writing a blank one-page PDF; the ratio says
how many floors one certificate costs, which travels between machines better than seconds do.
"""

import argparse
import statistics
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from brandname.certificates import pdf as certificate_pdf  # noqa: E402
from brandname.certificates import signing

TARGET = 0.2
RECORD = {
    "type": "brandname-certificate",
    "version": 1,
    "serial": "BN-2026-0000123",
    "kind": "renewal",
    "name": "ANHDUONG",
    "name_normal": "anhduong",
    "forms_of_use": ["sms", "voice"],
    "holder": {
        "kind": "organization",
        "name": "Công ty Cổ phần Thương mại và Dịch vụ Ánh Dương",
        "id_number": "0101234567",
        "address": "Số 1 Trần Hưng Đạo, phường Phan Chu Trinh, quận Hoàn Kiếm, Hà Nội",
    },
    "issued_at": "2026-03-02T03:00:00Z",
    "valid_from": "2026-03-02",
    "valid_until": "2029-03-01",
    "previous_serial": "BN-2026-0000042",
    "authority": "Cục An toàn thông tin, Bộ Thông tin và Truyền thông",
}


def blank_page():
    buf = BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.showPage()
    c.save()
    return buf.getvalue()


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        keys = signing.KeyStore.create(Path(tmp) / "certs")
        record_bytes, jws = keys.sign_json(RECORD)
        record_text = record_bytes.decode()

        def certificate():
            unsigned = certificate_pdf.render(
                record_text,
                jws,
                public_url="https://brandname.gov.vn",
                signer_title="Cục trưởng",
                signer_name="Nguyễn Văn Minh",
            )
            return signing.sign_pdf(keys, unsigned)

        signed = certificate()  # warm-up: fonts registered, signer built, modules imported
        assert signing.check_pdf(keys, signed).ok
        blank_page()
        floor = statistics.median(timed(blank_page, args.runs))
        samples = timed(certificate, args.runs)
    median = statistics.median(samples)
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    print(
        f"certificate render+sign: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"over {args.runs} runs ({len(signed)} bytes)"
    )
    print(
        f"floor (blank one-page reportlab PDF): median {floor * 1000:.2f} ms; "
        f"ratio {median / floor:.0f}x the floor"
    )
    verdict = "OK" if median <= TARGET else "OVER TARGET"
    print(f"target <= {TARGET * 1000:.0f} ms: {verdict}")
    return 0 if median <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
