"""Each access policy (backend/<app>/access.py), asked once per role and tenant.

`official`, `collector` and `owner` work in `city`; `admin` administers every city;
`stranger`, `other_owner` and `other_collector` belong to `other_city`; `anonymous`
has not signed in. The role policies say what a role may do; which objects it may do
it to is the `visible_to` scope, checked by the `access_*` rows below.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from backend.analytics.access import access_report_municipality, may_read_reports, report_choices
from backend.billing.access import (
    billing_run_municipality,
    can_manage_tariffs,
    can_start_billing_run,
    tariff_municipality,
)
from backend.collection_events.access import (
    can_change_scan_status,
    can_read_bin_history,
    can_record_scans,
    can_see_stops,
)
from backend.core.errors import DomainError
from backend.core.permissions import READ, WRITE, AccessPolicy
from backend.disputes.access import access_dispute, can_decide_dispute, can_raise_dispute
from backend.payments.access import can_pay_invoices
from backend.pickup_requests.access import (
    access_pickup_request,
    assignable_haulers,
    can_cancel_pickup,
    can_complete_pickup,
    can_decide_pickup,
    can_request_pickup,
)
from backend.registers.access import access_register_import, can_import_register
from backend.restaurants.access import can_manage_restaurants
from backend.tags.access import can_manage_tags

pytestmark = pytest.mark.django_db

PERSONAS = ["official", "collector", "owner", "admin", "stranger", "other_owner", "other_collector", "anonymous"]
MUNICIPAL_STAFF = {"official", "admin", "stranger"}  # the stranger acts in their own municipality only

# policy → the personas it lets through; everyone else is refused.
ROLE_POLICIES = {
    can_manage_restaurants: MUNICIPAL_STAFF,
    can_manage_tags: MUNICIPAL_STAFF,
    can_manage_tariffs: MUNICIPAL_STAFF,
    can_start_billing_run: MUNICIPAL_STAFF,
    can_pay_invoices: MUNICIPAL_STAFF | {"owner", "other_owner"},
    can_record_scans: {"collector", "other_collector"},
    can_change_scan_status: MUNICIPAL_STAFF,
    can_see_stops: {"collector", "other_collector"},
    can_raise_dispute: {"owner", "other_owner"},
    can_decide_dispute: MUNICIPAL_STAFF,
    can_request_pickup: {"owner", "other_owner"},
    can_cancel_pickup: {"owner", "other_owner"},
    can_decide_pickup: MUNICIPAL_STAFF,
    can_complete_pickup: MUNICIPAL_STAFF | {"collector", "other_collector"},
    may_read_reports: MUNICIPAL_STAFF,
    # Imports go into the official's own municipality: an administrator has none.
    can_import_register: {"official", "stranger"},
}


@pytest.fixture
def admin(f):
    return f.UserFactory(username="admin", role="admin")


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def persona(request):
    return lambda name: request.getfixturevalue(name)


@pytest.mark.parametrize("policy", ROLE_POLICIES, ids=lambda policy: policy.__name__)
@pytest.mark.parametrize("name", PERSONAS)
def test_role_policies(policy, name, persona):
    assert policy(persona(name)) is (name in ROLE_POLICIES[policy])


@pytest.mark.parametrize("name", PERSONAS)
def test_a_bins_history_is_shown_to_who_sees_its_restaurant_except_crews(name, persona, bin):
    assert can_read_bin_history(persona(name), bin) is (name in {"official", "owner", "admin"})


@pytest.fixture
def dispute(f, owner, tag):
    from backend.disputes.models import Dispute

    event = f.CollectionEventFactory(tag=tag)
    return Dispute.objects.create(event=event, restaurant=event.restaurant, raised_by=owner, reason="휴무일")


@pytest.fixture
def pickup(owner, bin):
    from datetime import timedelta

    from django.utils import timezone

    from backend.pickup_requests.services import request_pickup

    day = timezone.localdate(timezone=bin.restaurant.municipality.zone) + timedelta(days=7)
    return request_pickup(restaurant=bin.restaurant, bin=bin, kind="extra_pickup", requested_for=day, by=owner)


@pytest.fixture
def register_import(official, district):
    from backend.registers.services import preview_register
    from tests.registers.register_files import csv_bytes, row

    return preview_register(by=official, file_name="register.csv", content=csv_bytes([row(1)]))


# access function, fixture of the object, the personas who get it (everyone else: 404)
ACCESS = [
    (access_register_import, "register_import", {"official"}),
    (access_dispute, "dispute", {"official", "owner", "admin"}),  # a crew's route shows no one's money
    (access_pickup_request, "pickup", {"official", "owner", "admin", "collector"}),
]


@pytest.mark.parametrize("access,thing,allowed", ACCESS, ids=lambda value: getattr(value, "__name__", None))
@pytest.mark.parametrize("name", [name for name in PERSONAS if name != "anonymous"])
def test_objects_out_of_scope_are_not_found(access, thing, allowed, name, persona, request):
    obj = request.getfixturevalue(thing)
    if name in allowed:
        assert access(persona(name), obj.id) == obj
    else:
        with pytest.raises(Http404):
            access(persona(name), obj.id)


def test_reviewers_assign_their_municipalitys_haulers_and_administrators_any(
    official, admin, stranger, hauler, other_collector
):
    other_hauler = other_collector.hauler
    assert list(assignable_haulers(official)) == [hauler]
    assert list(assignable_haulers(stranger)) == [other_hauler]
    assert set(assignable_haulers(admin)) == {hauler, other_hauler}


def test_administrators_choose_the_reports_municipality_and_officials_do_not(official, admin, city, other_city):
    assert set(report_choices(admin)) == {city, other_city}
    assert report_choices(official) is None


@pytest.mark.parametrize("municipality_for", [tariff_municipality, billing_run_municipality])
def test_tariffs_and_runs_belong_to_the_officials_municipality(municipality_for, official, admin, city):
    assert municipality_for(official) == city
    with pytest.raises(DomainError) as refused:
        municipality_for(admin)
    assert (refused.value.code, refused.value.status_code) == ("permission_denied", 403)


class ViewSet:
    """Stands in for a DRF viewset: `action` is None for a method it has no route for."""

    access_policy = {"accept": can_decide_dispute, WRITE: can_pay_invoices}

    def __init__(self, action):
        self.action = action


class ApiView:
    """Stands in for a plain APIView: no actions, so READ and WRITE decide."""

    access_policy = {READ: may_read_reports, WRITE: may_read_reports}


# (view, HTTP method, persona) → whether the adapter lets the request through to the view
ADAPTER = [
    (ViewSet("accept"), "post", "official", True),  # a named action: its policy decides
    (ViewSet("accept"), "post", "owner", False),
    (ViewSet("list"), "get", "collector", True),  # reads: anyone signed in, scoped by visible_to
    (ViewSet("create"), "post", "owner", True),  # other writes: the WRITE policy
    (ViewSet("create"), "post", "collector", False),
    (ViewSet(None), "put", "collector", True),  # no such route: DRF answers 405
    (ViewSet("list"), "get", "anonymous", False),  # DRF answers 401
    (ApiView(), "get", "official", True),
    (ApiView(), "get", "owner", False),
    (ApiView(), "post", "owner", False),
]


@pytest.mark.parametrize("view,method,name,allowed", ADAPTER)
def test_the_api_adapter_asks_the_policy_named_for_the_action(view, method, name, allowed, persona):
    request = Request(getattr(APIRequestFactory(), method)("/"))
    request.user = persona(name)
    assert AccessPolicy().has_permission(request, view) is allowed


def test_without_a_write_policy_writes_are_refused(official):
    request = Request(APIRequestFactory().post("/"))
    request.user = official
    view = ViewSet("create")
    view.access_policy = {}
    assert AccessPolicy().has_permission(request, view) is False
    assert AccessPolicy().has_permission(request, object()) is False  # a view that names no policy at all


# (persona, municipality asked for) → the municipality shown, or what is raised
REPORTS = [
    ("official", None, "city"),
    ("official", "city", "city"),
    ("official", "other_city", Http404),  # another municipality's numbers do not exist for them
    ("stranger", None, "other_city"),
    ("admin", "other_city", "other_city"),
    ("admin", None, DomainError),  # an administrator names the municipality
    ("admin", "not-a-uuid", Http404),
    ("owner", None, PermissionDenied),
    ("collector", "city", PermissionDenied),
    ("anonymous", None, PermissionDenied),
]


@pytest.mark.parametrize("name,asked,shown", REPORTS)
def test_whose_numbers_a_report_shows(name, asked, shown, persona, city, other_city, request):
    asked_id = str(request.getfixturevalue(asked).id) if asked in ("city", "other_city") else asked
    if isinstance(shown, type):
        with pytest.raises(shown):
            access_report_municipality(persona(name), asked_id)
    else:
        assert access_report_municipality(persona(name), asked_id) == request.getfixturevalue(shown)
