"""The cards blueprint: check-in cards, their printing, clerks and the scan page."""

from flask import Blueprint

bp = Blueprint("cards", __name__)
