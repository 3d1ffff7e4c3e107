"""Flask extensions, created once and bound in create_app."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from . import ratelimit  # noqa: F401 - registers the brandname-memory:// rate-limit storage
from .models import Base, alembic_include_name

db = SQLAlchemy(model_class=Base)
migrate = Migrate(include_name=alembic_include_name)
# Per-IP by default; carrier routes limit per API key (brandname/api/carrier.py). Storage and
# limits come from the app config (RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set).
limiter = Limiter(key_func=get_remote_address)
