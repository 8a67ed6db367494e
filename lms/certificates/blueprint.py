"""The certificates blueprint: the one object its views (views.py) register their routes on."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
