"""Property: no input makes any route answer 500. Arbitrary text in the path, the query string,
form fields and JSON bodies, sent to every route of the app (from app.url_map) as a stranger, as a
carrier with a valid key, as a signed-in applicant and as a signed-in officer."""

import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandname.extensions import limiter

from .test_api_carrier import issue

# Parameter names the routes read, so the generated values reach their parsing, not only the
# router. `wait` is left out: it holds a request at the head of the change feed for seconds.
KNOWN_PARAMS = ["q", "name", "since", "limit", "seq", "page", "next", "serial", "lang", "kind", "status"]

text = st.text(max_size=40)
# Text with the characters that broke parsing before: NUL, line breaks, other controls, surrogates
# escaped by quote(), and long runs.
nasty_text = st.one_of(
    text,
    st.text(
        alphabet=st.sampled_from(["\x00", "\r", "\n", "\t", "%", "/", ".", "\x7f", "é", "đ", "'", '"']),
        max_size=12,
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["items", "name", "holder_id", "channel", "x"]) | text, children, max_size=4
        )
    ),
    max_leaves=12,
)
params = st.dictionaries(st.sampled_from(KNOWN_PARAMS) | text, nasty_text, max_size=4)


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return sorted(out, key=lambda x: (x[0].rule, x[1]))


@st.composite
def path_for(draw, rule):
    def fill(match):
        converter = match.group(1) or "default"
        if converter.startswith("int"):
            return str(draw(st.integers(min_value=0, max_value=2**80)))
        return quote(draw(nasty_text) or "x", safe="" if converter != "path" else "/")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


@pytest.fixture
def fuzz_world(app, session, registry_helper, portal, carrier_headers, monkeypatch):
    app.config["RATELIMIT_ENABLED"] = False
    app.config["CARRIER_NAME_CACHE_PRELOAD"] = False
    monkeypatch.setattr(limiter, "enabled", False)
    issue(registry_helper, "VietSun")
    session.commit()
    return {
        "anon": (portal.anon, {}),
        "carrier": (portal.anon, carrier_headers),
        "applicant": (portal.a, {}),
        "officer": (portal.officer, {}),
    }


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(data=st.data())
def test_no_input_gives_a_500(app, fuzz_world, data):
    rule, method = data.draw(st.sampled_from(_routes(app)), label="route")
    who = data.draw(st.sampled_from(sorted(fuzz_world)), label="who")
    client, headers = fuzz_world[who]
    if who in ("applicant", "officer") and rule.endpoint == "applicant.logout":
        who, (client, headers) = "anon", fuzz_world["anon"]  # keep the applicant signed in
    url = data.draw(path_for(rule), label="path")
    query = data.draw(params, label="query")
    if query:
        url += "?" + urlencode(query)
    kwargs = {"headers": headers}
    if method != "GET":
        body = data.draw(st.sampled_from(["form", "multipart", "json", "raw"]), label="body")
        if body == "form":
            kwargs["data"] = data.draw(st.dictionaries(text, nasty_text, max_size=6))
        elif body == "multipart":
            kwargs["data"] = data.draw(st.dictionaries(text, nasty_text, max_size=6))
            kwargs["content_type"] = "multipart/form-data"
        elif body == "json":
            kwargs["json"] = data.draw(json_values, label="json")
        else:
            kwargs["data"] = data.draw(st.binary(max_size=200))
            kwargs["content_type"] = data.draw(
                st.sampled_from(["application/json", "application/pdf", "text/plain", "multipart/form-data"])
            )
    response = client.open(url, method=method, **kwargs)
    assert response.status_code < 500, (who, method, url, kwargs, response.data[:300])


def test_every_route_is_covered(app):
    # a new route joins the property test by itself: it draws from url_map
    endpoints = {rule.endpoint for rule, _ in _routes(app)}
    assert {"api.verify", "applicant.login", "applicant.signup", "public.verify_serial"} <= endpoints
