"""The production app plus one bare endpoint, for bench/bench_carrier_http.py only."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import jsonify  # noqa: E402

from brandname import create_app  # noqa: E402

app = create_app()


@app.get("/bench/bare")
def bare():
    """The floor: routing, a JSON body, nothing else (no key check, no database)."""
    return jsonify({"ok": True})
