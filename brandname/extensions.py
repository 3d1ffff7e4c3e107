"""Flask extensions, created once and bound in create_app."""

import flask_limiter
from flask import current_app, request
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from brandname.store.models import Base, alembic_include_name
from brandname.web import ratelimit  # noqa: F401 - registers the brandname-memory:// rate-limit storage

db = SQLAlchemy(model_class=Base)
migrate = Migrate(include_name=alembic_include_name)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter without its per-request pass for the endpoints in `self_counted`, which count
    their requests themselves (the carrier API, per API key, in carrier_required).

    For those endpoints the pass only ever found that a request filter exempts them, and finding
    it cost about as much as a whole cached carrier lookup (resolving the endpoint's limits and
    the blueprint's exemption scope on every request). Every other endpoint is checked as before;
    decorated limits are checked by their decorator either way.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.self_counted = set()

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and request.endpoint in self.self_counted:
            return None
        return super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


# Per-IP by default; carrier routes limit per API key (brandname/web/api/carrier.py), sign-in per
# address. Storage from RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set, else per process.
limiter = Limiter(key_func=get_remote_address)


def _public_lookup_rate_limit():
    return current_app.config.get("PUBLIC_LOOKUP_RATE_LIMIT", "60 per minute")


# One allowance per client address shared by every public lookup (verify by serial, the public
# certificate API, name search): serials and names cannot be harvested by spreading requests
# over the routes.
PUBLIC_LOOKUP_SCOPE = "public-lookup"
public_lookup_limit = limiter.shared_limit(_public_lookup_rate_limit, scope=PUBLIC_LOOKUP_SCOPE)
