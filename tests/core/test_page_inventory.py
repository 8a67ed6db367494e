"""The page-by-page browser checks (tests/e2e/test_every_page.py) visit every page: each GET
endpoint is a page some role opens there, or a file download named as such."""

from tests.e2e.pages import NOT_PAGES, PAGES, listed_endpoints


def test_every_get_endpoint_is_a_listed_page_or_a_file(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    unlisted = endpoints - listed_endpoints() - NOT_PAGES
    assert unlisted == set(), "add these pages to tests/e2e/pages.py PAGES (or NOT_PAGES)"
    assert listed_endpoints() <= endpoints, "PAGES names an endpoint that no longer exists"
    assert set(PAGES) == {"director", "instructor", "trainee", "admin", "anonymous"}
