"""The language of a request: the one the person chose (kept in their session), else Vietnamese."""

from flask import current_app, has_request_context, session


def select_locale() -> str:
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]
