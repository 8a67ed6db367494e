"""The core blueprint: the home page and the language switch (views.py)."""

from flask import Blueprint

bp = Blueprint("core", __name__)
