"""Logs: one JSON object per line in production, readable text in development, and a request ID
on every line written while a request is served.

`init_app(app)` (from create_app) configures the root logger once per process and wraps the app
in RequestObserver (request ID, timing, access line); gunicorn_conf gives gunicorn's own loggers
the same formatter.
"""

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime

from flask import has_request_context, request

ACCESS_LOGGER = "brandname.access"
REQUEST_ID_HEADER = "X-Request-ID"
# An incoming ID is kept only if it is short and made of characters that cannot break a log line
# or a header; anything else is replaced, so a client cannot forge or bloat log lines through it.
_SANE_ID = re.compile(r"[A-Za-z0-9._:+/=@-]{1,128}")
_ENVIRON_ID = "brandname.request_id"
_OBSERVER = "brandname_request_observer"
# Fields the access line passes as `extra`; the JSON formatter copies them when present.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "remote_addr")
FORMATS = ("json", "text")


def chosen_format(log_format, production):
    """'json' or 'text': the explicit setting, else JSON in production and text in development."""
    value = (log_format or "").strip().lower()
    if not value:
        return "json" if production else "text"
    if value not in FORMATS:
        raise ValueError(f"BRANDNAME_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    return value


def request_id():
    """The ID of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    environ = request.environ
    found = environ.get(_ENVIRON_ID)
    if found is None:  # an app called without RequestObserver (never in create_app's app)
        found = environ[_ENVIRON_ID] = _new_request_id(environ)
    return found


def _new_request_id(environ):
    incoming = environ.get("HTTP_X_REQUEST_ID")
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return os.urandom(16).hex()


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record a handler sees (None outside a request). A handler
    filter, not a logger filter: records propagated from child loggers pass through it too."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


def _utc_iso(created):
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601 UTC), level, logger, message, request_id, the
    access fields when present, and the exception text when there is one. ASCII-only output, so
    the line stays valid JSON whatever encoding the log stream has."""

    def format(self, record):
        out = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for field in ACCESS_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                out[field] = value
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    """Development: local time, level, logger, the request ID when there is one, the message."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(rid)s %(message)s")

    def format(self, record):
        rid = getattr(record, "request_id", None)
        record.rid = f" [{rid}]" if rid else ""
        return super().format(record)


def formatter(log_format):
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (test runners replace it per test)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(log_format, level="INFO"):
    """Give the root logger our one stderr handler (replacing it when called again, so every app
    built in one process shares it) with the chosen formatter and the request ID filter."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_brandname", False)), None)
    if handler is None:
        handler = _StderrHandler()
        handler._brandname = True
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


def use_formatter(log_format, *loggers):
    """The same format for loggers that keep their own handlers (gunicorn's error and access)."""
    for logger in loggers:
        for handler in logger.handlers:
            handler.setFormatter(formatter(log_format))
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())


class RequestObserver:
    """WSGI middleware around the Flask app: gives each request its ID (kept in the environ, sent
    back in X-Request-ID), times it, and after the app has answered calls each observer with
    (environ, status code, seconds): the access line below, the latency histogram of
    brandname/web/metrics.py. A plain wrapper rather than Flask signals: on the carrier hot path
    a signal's dispatch to its receivers costs several times this whole call."""

    def __init__(self, wsgi_app, observers=()):
        self.wsgi_app = wsgi_app
        self.observers = list(observers)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        rid = environ[_ENVIRON_ID] = _new_request_id(environ)
        status = []

        def start(status_line, headers, exc_info=None):
            status.append(status_line)
            headers.append((REQUEST_ID_HEADER, rid))
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            seconds = time.perf_counter() - started
            code = int(status[-1][:3]) if status else 500  # no answer: the server sends a 500
            for observer in self.observers:
                try:
                    observer(environ, code, seconds)
                except Exception:  # noqa: BLE001 - bookkeeping must never cost the client its answer
                    logging.getLogger(__name__).exception("request observer %r failed", observer)


def access_line(environ, status, seconds):
    """One INFO line on `brandname.access` per request (LOG_ACCESS, on by default)."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not access.isEnabledFor(logging.INFO):
        return
    # WSGI hands the path over as latin-1 text of the raw bytes; URLs are UTF-8
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
    if not path.isprintable():  # a decoded %0A must not start a forged line in the text format
        path = path.encode("unicode_escape").decode("ascii")
    method = environ.get("REQUEST_METHOD", "")
    ms = round(seconds * 1000, 2)
    fields = {
        "request_id": environ.get(_ENVIRON_ID),
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": ms,
        "remote_addr": environ.get("REMOTE_ADDR"),
    }
    # makeRecord + handle: the same record as access.info() would make, without its stack walk
    record = access.makeRecord(
        access.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %s %.2f ms",
        (method, path, status, ms),
        None,
        extra=fields,
    )
    access.handle(record)


def add_observer(app, observer):
    """Call `observer(environ, status, seconds)` after each request of `app`."""
    app.extensions[_OBSERVER].observers.append(observer)


def init_app(app):
    log_format = chosen_format(app.config.get("LOG_FORMAT"), app.config.get("PRODUCTION"))
    configure(log_format, app.config.get("LOG_LEVEL", "INFO"))
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # the root handler writes the app's lines
    observers = [access_line] if app.config.get("LOG_ACCESS", True) else []
    app.wsgi_app = app.extensions[_OBSERVER] = RequestObserver(app.wsgi_app, observers)
