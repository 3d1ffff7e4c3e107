"""`GET /metrics`: Prometheus text exposition for operators, and the per-request latency.

Who may scrape: a client whose own address is inside METRICS_NETWORKS (CIDRs, comma-separated),
or one that sends `Authorization: Bearer <METRICS_TOKEN>`. Anyone else gets 403: the path is the
well-known one, so hiding it behind a 404 would protect nothing.

The address is REMOTE_ADDR, the TCP peer (gunicorn never takes it from X-Forwarded-For, and the
app installs no ProxyFix), and a request that carries any forwarding header is never let in by
address. Behind a reverse proxy on the same host every request arrives from 127.0.0.1: a request
the proxy forwarded (it adds X-Forwarded-For) must not count as local, and a client that adds such
a header itself only locks itself out. Scrape the app directly, not through the proxy, or use the
token. (A ProxyFix added later would rewrite REMOTE_ADDR only from such a header, so the rule
still holds.)
"""

import hmac
import ipaddress
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from brandname.extensions import csrf, db, limiter
from brandname.ops import logs
from brandname.ops import metrics as instruments

bp = Blueprint("metrics", __name__)

FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
_STATE = "brandname_metrics"


def parse_networks(text):
    """The networks of a comma-separated CIDR list ('' allows no address; only the token then)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in (text or "").split(",") if part.strip()
    )


def _token_matches(expected):
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def allowed():
    token = current_app.config.get("METRICS_TOKEN")
    if token and _token_matches(token):
        return True
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.environ.get("REMOTE_ADDR") or "")
    except ValueError:  # a Unix socket has no address: only the token lets it in
        return False
    if address.version == 6 and address.ipv4_mapped is not None:  # a dual-stack socket's IPv4 peer
        address = address.ipv4_mapped
    return any(address in network for network in current_app.extensions[_STATE]["networks"])


@bp.get("/metrics")
@csrf.exempt
@limiter.exempt  # the scraper's interval is its own rate limit; refused scrapes cost no query
def scrape():
    if not allowed():
        return Response("forbidden\n", status=403, mimetype="text/plain")
    collector = current_app.extensions[_STATE]["collector"]
    body, content_type = instruments.exposition(collector.families(db.engine), request.headers.get("Accept"))
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


_ROUTE = "brandname.route"


def _keep_route(_exc):
    """Teardown (it runs for every request, failed ones too): the matched URL rule, for _observe,
    which runs after Flask has let go of the request."""
    rule = request.url_rule
    request.environ[_ROUTE] = rule.rule if rule is not None else None


def _observe(environ, status, seconds):
    instruments.observe_request(environ.get(_ROUTE), environ.get("REQUEST_METHOD", ""), status, seconds)


def init_app(app):
    app.extensions[_STATE] = {
        "networks": parse_networks(app.config.get("METRICS_NETWORKS", "127.0.0.1/32,::1/128")),
        "collector": instruments.RegistryCollector(Path(app.config["DATA_DIR"]) / "snapshots"),
    }
    app.register_blueprint(bp)
    app.teardown_request(_keep_route)
    logs.add_observer(app, _observe)
