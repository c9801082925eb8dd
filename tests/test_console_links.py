"""The favicon, and the way from the officials' home to their pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_links_the_favicon_which_is_served(client, official):
    client.force_login(official)
    html = client.get(reverse("billing-console:tariffs")).content.decode()
    assert '<link rel="icon" href="/static/pages/favicon.svg"' in html
    response = client.get("/favicon.ico")
    assert (response.status_code, response.url) == (301, "/static/pages/favicon.svg")


def test_the_officials_home_leads_to_tariffs_billing_and_scales(client, official):
    client.force_login(official)
    html = client.get("/").content.decode()
    for name in ("billing-console:tariffs", "billing-console:runs", "scales:list"):
        assert f'href="{reverse(name)}"' in html
