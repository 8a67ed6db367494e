"""The attendance blueprint object (its views are spread over a few modules)."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
