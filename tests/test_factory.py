"""create_app: the settings a test gets, and the defaults a fresh installation starts with."""

from pathlib import Path

from brandname import create_app
from brandname.ops import cli


def test_config_dict_overrides_and_data_dir_holds_the_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "DATA_DIR": tmp_path})
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path.resolve() / 'brandname.sqlite3'}"
    # a development secret is made once and kept, so sessions survive a restart
    secret = (tmp_path / "secret_key").read_text().strip()
    assert app.config["SECRET_KEY"] == secret and len(secret) == 64
    assert create_app({"DATA_DIR": tmp_path}).config["SECRET_KEY"] == secret
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_every_audience_has_its_blueprint_and_the_operator_commands_are_attached(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": tmp_path})
    assert {"public", "applicant", "officer", "api", "health"} <= set(app.blueprints)
    assert app.cli.commands["brandname"] is cli.brandname_cli
    assert Path(app.template_folder).name == "templates" and Path(app.template_folder).is_dir()
