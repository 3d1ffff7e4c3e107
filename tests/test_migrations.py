"""The migrations, not create_all, build the production schema: check they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select

from brandname import create_app
from brandname.store.models import Base, Counter, alembic_include_name


def test_migrations_build_the_models_schema_and_downgrade(tmp_path, empty_db_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_db_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        engine = create_engine(empty_db_url)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_name": alembic_include_name}), Base.metadata
            )
            assert diff == [], diff
            assert {r.name for r in conn.execute(select(Counter.name))} == {"event", "serial"}
        downgrade(revision="base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        engine.dispose()
