"""The client stands alone: it imports and works with the server's libraries unimportable, and
its command line syncs over real HTTP."""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import BASE, KEY, record

from brandname_carrier.cli import main

BLOCKED_RUN = r"""
import importlib.abc, json, sys
from pathlib import Path

BLOCKED = ("sqlalchemy", "flask", "werkzeug", "brandname", "pyhanko", "psycopg")


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this test")
        return None


sys.meta_path.insert(0, Blocker())
for name in BLOCKED:
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise SystemExit(f"the blocker let {name} through")

from datetime import date

from brandname_carrier import CarrierClient

answers = Path(sys.argv[1])


def transport(method, url, headers, body=None):
    path = url[len(sys.argv[2]):]
    if path.startswith("/api/v1/changes"):
        path = "/api/v1/changes"
    return 200, {}, (answers / path.strip("/").replace("/", "_").split("?")[0]).read_bytes()


client = CarrierClient(sys.argv[2], key="k", directory=answers / "state", transport=transport, today=date(2026, 3, 2))
summary = client.sync()
print(json.dumps({
    "summary": summary,
    "check": client.check("vietsun", "0101234567"),
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
}))
"""


def test_the_client_works_with_the_server_libraries_unimportable(registry, tmp_path):
    registry.put(record("VietSun"))
    registry.put(record("Gone", "revoked"))
    manifest, body = registry.snapshot()
    answers = {
        "api_v1_registry-certificate": registry.signer.chain(),
        "api_v1_snapshot_manifest": manifest,
        "api_v1_snapshot": body,
        "api_v1_changes": registry.changes(registry.head, 1000),
        "api_v1_tlog_vkey": registry.log_signer.vkey.encode(),
        "tlog_checkpoint": registry.log_signer.checkpoint(len(registry.tree), registry.tree.root()).encode(),
    }
    for name, data in answers.items():
        (tmp_path / name).write_bytes(data)
    script = tmp_path / "run.py"
    script.write_text(BLOCKED_RUN)
    done = subprocess.run(
        [sys.executable, "-I", str(script), str(tmp_path), BASE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["summary"]["names"] == 2 and out["summary"]["start"] == "snapshot"
    assert out["check"] == [True, "active", "ok"]
    assert out["modules"] == []


class _Handler(BaseHTTPRequestHandler):
    registry = None

    def do_GET(self):  # noqa: N802 - the http.server API
        status, body = self.registry.answer("GET", self.path, dict(self.headers))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def live_registry(registry):
    handler = type("Handler", (_Handler,), {"registry": registry})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_command_line_sync_and_check(live_registry, registry, tmp_path, capsys):
    registry.put(record("VietSun"))
    folder = str(tmp_path / "cli")
    assert main(["sync", live_registry, "--key", KEY, "--dir", folder]) == 0
    assert json.loads(capsys.readouterr().out)["names"] == 1
    assert main(["check", "vietsun", "--dir", folder]) == 0
    assert json.loads(capsys.readouterr().out)["deliverable"] is True
    assert main(["check", "VIETSUN", "--holder", "0399999999", "--dir", folder]) == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "holder_mismatch"
    assert main(["check", "OTHER", "--dir", folder]) == 1
    assert main(["sync", live_registry, "--key", "bnk_0_wrong", "--dir", folder]) == 2
    assert "401" in capsys.readouterr().err
    assert main(["check", "X", "--dir", str(tmp_path / "empty")]) == 2


def test_the_module_and_the_console_script_run(live_registry, registry, tmp_path):
    registry.put(record("VietSun"))
    folder = str(tmp_path / "cli")
    env = {"BRANDNAME_CARRIER_KEY": KEY, "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "brandname_carrier", "sync", live_registry, "--dir", folder],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    script = Path(sys.executable).parent / "brandname-carrier"
    if not script.exists():
        pytest.skip("the console script is installed by `pip install`, not on this path")
    done = subprocess.run([str(script), "check", "VietSun", "--dir", folder], capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["reason"] == "ok"
