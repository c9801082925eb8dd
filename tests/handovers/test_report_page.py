"""The owner's report form: nothing chosen beforehand, labels like the rest of the site,
and a waiting report the owner can withdraw."""

import re

import pytest

pytestmark = pytest.mark.django_db
PAGE = "/handover/"


def test_the_form_preselects_no_kind_no_date_and_no_restaurant_among_several(client, f, owner, restaurant, district):
    f.RestaurantFactory(district=district, owner=owner, name="김밥천국")
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert "checked" not in page  # neither closing nor sale
    assert not re.search(r'name="proposed_on"[^>]*value=', page)
    assert re.search(r'<option value="" selected>', page)
    assert not re.search(r"</label>\s*:|:</label>", page)  # no colons after labels
    assert 'class="choice"' in page  # the radios drawn like the site's other forms
    response = client.post(PAGE, {"restaurant": str(restaurant.id)})  # one tap sends nothing
    assert response.status_code == 200 and 'id="id_kind_error"' in response.content.decode()
    from backend.handovers.models import Handover

    assert not Handover.objects.exists()


def test_the_owner_withdraws_a_waiting_report(client, owner, restaurant, official, other_owner):
    from datetime import date

    from backend.core.errors import DomainError
    from backend.handovers import services
    from backend.handovers.models import HandoverStatus

    handover = services.report_handover(by=owner, restaurant=restaurant, kind="closing", proposed_on=date.today())
    with pytest.raises(DomainError):
        services.cancel_handover(handover=handover, by=other_owner)
    client.force_login(owner)
    assert f"/handover/{handover.id}/cancel/" in client.get(PAGE).content.decode()
    page = client.post(f"/handover/{handover.id}/cancel/", follow=True).content.decode()
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.CANCELLED
    assert f"/handover/{handover.id}/cancel/" not in page
    with pytest.raises(DomainError) as decided:
        services.confirm_handover(handover=handover, by=official, effective_on=date.today())
    assert decided.value.code == "handover_decided"
    # A new report may follow the withdrawn one.
    services.report_handover(by=owner, restaurant=restaurant, kind="closing", proposed_on=date.today())
