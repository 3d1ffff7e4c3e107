"""Public pages: no login."""
from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html")


from . import verify  # noqa: E402,F401  (registers routes on bp)
