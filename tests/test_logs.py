"""Request IDs and log formats: the X-Request-ID header, JSON lines in production, text otherwise."""

import json
import logging
import re

import pytest
from flask import current_app

from brandname import create_app
from brandname.ops import logs

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_a_sane_incoming_request_id_is_echoed(client):
    for rid in ("abc-123", "2f1c7a9e-4b1d-4c8e-9a70-0d3b3f6c2a11", "lb.host:8080/req+1=", "x" * 128):
        response = client.get("/healthz", headers={"X-Request-ID": rid})
        assert response.headers["X-Request-ID"] == rid


def test_a_request_id_is_made_when_there_is_none(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/no/such/page").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


@pytest.mark.parametrize(
    "bad",
    ["", "has space", "x" * 129, "new\\nline", 'quote"d', "<script>", "tab\tbed", "ký-tự"],
    ids=["empty", "space", "too-long", "backslash", "quote", "angle", "tab", "non-ascii"],
)
def test_a_bad_incoming_request_id_is_replaced(client, bad):
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])


def test_the_id_reaches_error_responses_and_every_log_line(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/api/v1/brandnames/VIETSUN", headers={"X-Request-ID": "req-401"})
    assert response.status_code == 401 and response.headers["X-Request-ID"] == "req-401"
    access = [r for r in caplog.records if r.name == logs.ACCESS_LOGGER]
    assert access and access[-1].request_id == "req-401"
    assert access[-1].status == 401 and access[-1].path == "/api/v1/brandnames/VIETSUN"


def test_format_choice():
    assert logs.chosen_format("", production=True) == "json"
    assert logs.chosen_format(None, production=False) == "text"
    assert logs.chosen_format("JSON", production=False) == "json"
    assert logs.chosen_format("text", production=True) == "text"
    with pytest.raises(ValueError):
        logs.chosen_format("xml", production=False)


def _production_app(app, **extra):
    config = {
        key: app.config[key]
        for key in ("TESTING", "SECRET_KEY", "DATA_DIR", "CERTS_DIR", "SQLALCHEMY_DATABASE_URI")
    }
    return create_app({**config, "PRODUCTION": True, **extra})


def _json_lines(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line must be one JSON object


def test_production_writes_one_json_object_per_line(app, capsys):
    production = _production_app(app)

    @production.get("/test-failure")
    def failure():
        try:
            raise RuntimeError("the disk is full — đĩa đầy")
        except RuntimeError:
            current_app.logger.exception("could not keep the document")
        return "kept elsewhere", 200

    client = production.test_client()
    capsys.readouterr()
    response = client.get("/test-failure?x=1", headers={"X-Request-ID": "req-42"})
    assert response.headers["X-Request-ID"] == "req-42"
    logging.getLogger("brandname.test").warning("outside any request")
    lines = _json_lines(capsys.readouterr().err)

    error = next(line for line in lines if line["message"] == "could not keep the document")
    assert error["level"] == "ERROR" and error["logger"] == "brandname" and error["request_id"] == "req-42"
    assert "RuntimeError: the disk is full — đĩa đầy" in error["exception"]
    assert "Traceback" in error["exception"]

    access = next(line for line in lines if line["logger"] == "brandname.access")
    assert access["request_id"] == "req-42"
    assert access["method"] == "GET" and access["path"] == "/test-failure" and access["status"] == 200
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["time"])
    assert access["level"] == "INFO"

    outside = next(line for line in lines if line["message"] == "outside any request")
    assert outside["request_id"] is None and outside["logger"] == "brandname.test"


def test_log_format_setting_wins_over_production(app, capsys):
    client = _production_app(app, LOG_FORMAT="text").test_client()
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "req-7"})
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "brandname.access" in line)
    assert "[req-7] GET /healthz 200" in line and not line.startswith("{")


def test_one_handler_however_many_apps(app):
    for _ in range(3):
        _production_app(app)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_brandname", False)]
    assert len(ours) == 1


def test_a_newline_in_the_path_cannot_forge_a_text_line(app, capsys):
    client = _production_app(app, LOG_FORMAT="text").test_client()
    capsys.readouterr()
    client.get("/no/such%0A2026-01-01 00:00:00,000 INFO    brandname.access forged")
    access = [line for line in capsys.readouterr().err.splitlines() if "brandname.access" in line]
    assert len(access) == 1 and "\\n2026-01-01" in access[0]


def test_access_lines_can_be_switched_off(app, capsys):
    client = _production_app(app, LOG_ACCESS=False).test_client()
    capsys.readouterr()
    response = client.get("/healthz", headers={"X-Request-ID": "req-quiet"})
    assert response.headers["X-Request-ID"] == "req-quiet"  # the ID still comes back
    assert "brandname.access" not in capsys.readouterr().err
