"""Every state change is a POST that needs a CSRF token; none happens on GET."""

import pytest

from lms.extensions import db


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _example_url(rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        kind = converter.__class__.__name__
        if kind == "IntegerConverter":
            values[name] = 1
        elif kind == "AnyConverter":
            values[name] = next(iter(converter.items))
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_post_endpoint_refuses_a_request_without_token(app, client, make, login):
    login(make.user(roles=("trainee", "instructor", "director", "admin")))
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static":
            continue
        url = _example_url(rule)
        response = client.post(url, data={"anything": "1"})
        assert response.status_code == 400, (
            f"{rule.endpoint} ({url}) answered {response.status_code}"
        )
        checked.append(rule.endpoint)
    assert "auth.logout" in checked
    db.session.rollback()


def test_sign_out_needs_a_token(app, client, make, login):
    login(make.user())
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
