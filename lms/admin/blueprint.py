"""The admin blueprint: the users (views.py), units (unit_views.py), import (import_views.py)
and settings (settings_views.py) modules add their routes to it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
