"""Classes pages."""

from flask import Blueprint

bp = Blueprint("classes", __name__)
