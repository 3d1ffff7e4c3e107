"""Flask extensions, created once and bound in create_app."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from .models import Base, alembic_include_name

db = SQLAlchemy(model_class=Base)
migrate = Migrate(include_name=alembic_include_name)
