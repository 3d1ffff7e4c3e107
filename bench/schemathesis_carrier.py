"""Schemathesis against the OpenAPI document, with a carrier key, by hand (not in CI).

    .venv/bin/pip install schemathesis==4.32.5     # pinned in requirements-dev.txt
    .venv/bin/python bench/schemathesis_carrier.py [--max-examples 50]

Starts the app on a temporary SQLite registry with development keys, a few issued names and a
carrier key, serves it on an ephemeral port (werkzeug, in a thread), and runs `st run` on
/api/v1/openapi.json with bounded examples per operation, checking for server errors and for
answers that break the documented schema. Prints schemathesis' report; exit status is its own.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from brandname import create_app, lifecycle  # noqa: E402
from brandname.carriers import keys as carriers  # noqa: E402
from brandname.certificates.signing import KeyStore  # noqa: E402
from brandname.extensions import db  # noqa: E402
from brandname.store.models import Base  # noqa: E402


def build_app(folder):
    KeyStore.create(folder / "certs")
    app = create_app(
        {
            "SECRET_KEY": "schemathesis",
            "DATA_DIR": str(folder / "data"),
            "CERTS_DIR": str(folder / "certs"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'registry.sqlite3'}",
            "RATELIMIT_ENABLED": False,
            "CARRIER_CHANGES_MAX_WAIT": 1,  # follow mode would hold each generated request
            "LOG_ACCESS": False,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        lifecycle.ensure_counters(db.session)
        db.session.commit()
        _, key = carriers.create_carrier(db.session, "Schemathesis")
        db.session.commit()
    return app, key


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50)
    args = parser.parse_args()
    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    if not Path(st).exists():
        print("schemathesis is not installed: .venv/bin/pip install schemathesis==4.32.5", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bn-schemathesis-"))
    app, key = build_app(folder)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        return subprocess.call(
            [
                st,
                "run",
                f"{base}/api/v1/openapi.json",
                "--url",
                base,
                "--header",
                f"Authorization: Bearer {key}",
                "--max-examples",
                str(args.max_examples),
                "--checks",
                "not_a_server_error,response_schema_conformance,status_code_conformance,"
                "content_type_conformance",
                "--seed",
                "1",
            ]
        )
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
