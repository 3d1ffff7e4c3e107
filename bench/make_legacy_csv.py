"""Write a carrier-style legacy CSV of N rows (for `import-legacy` at scale), streamed.

    python bench/make_legacy_csv.py /tmp/legacy.csv 1000000 [--bad-every 1000]

Rows come from demo.bulk_rows (realistic holders, unique names); every --bad-every'th row is
broken on purpose (a Vietnamese letter in the name) so the rejection report is exercised too.
"""

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brandname.ops import bulk, demo  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("rows", type=int)
    parser.add_argument("--bad-every", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=91)
    args = parser.parse_args()
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=bulk.CSV_COLUMNS)
        writer.writeheader()
        for i, row in enumerate(demo.bulk_rows(args.rows, seed_value=args.seed, start=5_000_000), start=1):
            h = row.holder
            writer.writerow(
                {
                    "name": row.name + ("ệ" if args.bad_every and i % args.bad_every == 0 else ""),
                    "holder_kind": h["kind"],
                    "holder_name": h["name"],
                    "holder_id_number": h["id_number"],
                    "tax_code": h.get("tax_code") or "",
                    "address": h["address"],
                    "email": h["email"],
                    "phone": h["phone"],
                    "legal_representative": h.get("legal_representative") or "",
                    "contact_person": h.get("contact_person") or "",
                    "use_sms": "1",
                    "use_voice": "1" if row.use_voice else "0",
                    "purpose": row.purpose,
                    "valid_from": "",
                    "valid_until": "",
                    "carrier": "",
                }
            )


if __name__ == "__main__":
    main()
