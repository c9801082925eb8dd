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


def test_a_missing_or_forbidden_console_page_is_a_korean_page_with_a_way_back(client, official, owner):
    import uuid

    client.force_login(official)
    missing = client.get(reverse("billing-console:tariff", args=[uuid.uuid4()]))
    client.force_login(owner)
    forbidden = client.get(reverse("billing-console:tariffs"))
    for response, status in ((missing, 404), (forbidden, 403)):
        html = response.content.decode()
        assert response.status_code == status
        assert '<html lang="ko">' in html and 'href="/"' in html  # Korean first, and a way home
        assert "pages/favicon.svg" in html
        assert "Traceback" not in html and "URLconf" not in html  # never Django's debug page


def test_the_console_menu_leads_to_the_register_import_and_sits_on_its_pages(client, official):
    client.force_login(official)
    html = client.get(reverse("console:restaurants")).content.decode()
    assert f'href="{reverse("registers:upload")}"' in html
    html = client.get(reverse("registers:upload")).content.decode()
    assert f'href="{reverse("console:bins-bulk")}"' in html  # from the import on to the console


def test_the_console_and_the_billing_pages_offer_the_same_menu(client, official):
    """An official on the tariffs page can get back to the restaurants, and the reverse."""
    import re

    client.force_login(official)

    def menu(url):
        html = client.get(url).content.decode()
        nav = re.search(r'<nav class="console-nav".*?</nav>', html, re.S).group(0)
        return set(re.findall(r'href="([^"]+)"', nav))

    ours = menu(reverse("console:restaurants"))
    assert ours == menu(reverse("billing-console:tariffs")) == menu(reverse("scales:list"))
    assert {reverse("registers:upload"), reverse("console:bins-bulk"), reverse("disputes:review")} <= ours


def test_the_officials_home_offers_the_consoles_own_menu(client, official):
    """Arrears, refunds, closings and sales, tag reports: whatever the console's menu has,
    the home has too (the same menu, not a copy that falls behind)."""
    import re

    client.force_login(official)

    def menu(url):
        html = client.get(url).content.decode()
        nav = re.search(r'<nav class="console-nav".*?</nav>', html, re.S).group(0)
        return set(re.findall(r'href="([^"]+)"', nav))

    home = menu("/")
    assert home == menu(reverse("console:restaurants"))
    for name in ("billing-console:arrears", "payments-console:refunds", "handovers:review", "console:tag-reports"):
        assert reverse(name) in home
    html = client.get("/").content.decode()
    assert all(text in html for text in ("미납", "환불 요청", "폐업 · 양도 확인", "태그 신고"))


def test_every_page_of_the_officials_menu_carries_the_menu(client, official):
    """Wherever the menu leads, the official can go on from there: no page strands them."""
    import re

    client.force_login(official)
    html = client.get(reverse("console:restaurants")).content.decode()
    nav = re.search(r'<nav class="console-nav".*?</nav>', html, re.S).group(0)
    stranded = []
    for href in re.findall(r'href="([^"]+)"', nav):
        page = client.get(href, follow=True).content.decode()
        if '<nav class="console-nav"' not in page:
            stranded.append(href)
    assert stranded == []
    page = client.get(reverse("disputes:review")).content.decode()
    assert f'href="{reverse("disputes:review")}" aria-current="page"' in page
