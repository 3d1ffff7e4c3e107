"""Flask extensions, created once and bound in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
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
# Per-IP by default; carrier routes limit per API key (brandname/api/carrier.py), sign-in per
# address. Storage from RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set, else per process.
limiter = Limiter(key_func=get_remote_address)
