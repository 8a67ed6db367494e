"""The reports blueprint: the one object its views (views.py) register their routes on."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
