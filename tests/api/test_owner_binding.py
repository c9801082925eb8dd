"""Owner binding: an official attaches to their restaurants only owners invited through
their municipality or who already own a restaurant there; an administrator, anyone."""

import pytest

from backend.accounts.services import check_owner_binding
from backend.core.errors import DomainError
from backend.restaurants import services

RESTAURANTS = "/api/v1/restaurants/"


def restaurant_body(district, owner):
    return {
        "name": "망원김밥",
        "business_number": "124-81-00998",
        "district": str(district.id),
        "address": "서울특별시 마포구 망원동 1",
        "owner": owner,
    }


@pytest.fixture
def admin(f):
    return f.UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def owner_elsewhere(f, other_city):
    """An owner invited through another municipality, owning nothing here."""
    return f.UserFactory(username="owner_elsewhere", role="owner", invited_through=other_city)


def error(response):
    return response.status_code, response.json()["error"]["code"]


class TestOfficial:
    def test_attaches_an_owner_invited_through_the_municipality(self, api, official, district, owner):
        response = api.as_user(official).post(RESTAURANTS, restaurant_body(district, "owner"), format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["owner"] == "owner"

    def test_attaches_an_owner_who_already_owns_a_restaurant_here(self, api, official, district, f):
        veteran = f.UserFactory(username="veteran", role="owner")
        f.RestaurantFactory(district=district, owner=veteran)
        response = api.as_user(official).post(RESTAURANTS, restaurant_body(district, "veteran"), format="json")
        assert response.status_code == 201, response.json()

    def test_cannot_attach_another_municipalitys_owner(self, api, official, district, other_owner, owner_elsewhere):
        for username in ("other_owner", "owner_elsewhere"):
            response = api.as_user(official).post(RESTAURANTS, restaurant_body(district, username), format="json")
            assert error(response) == (400, "owner_not_in_municipality")
            assert "owner" in response.json()["error"]["fields"]
            assert response.json()["error"]["message"].startswith("이 지자체에")

    def test_an_unknown_username_gets_the_same_answer(self, api, official, district, other_owner):
        foreign = api.as_user(official).post(RESTAURANTS, restaurant_body(district, "other_owner"), format="json")
        unknown = api.as_user(official).post(RESTAURANTS, restaurant_body(district, "nobody"), format="json")
        assert error(unknown) == error(foreign)
        assert unknown.json()["error"]["message"] == foreign.json()["error"]["message"]

    def test_cannot_switch_a_restaurant_to_a_foreign_owner(self, api, official, restaurant, owner_elsewhere):
        response = api.as_user(official).patch(
            f"{RESTAURANTS}{restaurant.id}/", {"owner": "owner_elsewhere"}, format="json"
        )
        assert error(response) == (400, "owner_not_in_municipality")
        restaurant.refresh_from_db()
        assert restaurant.owner.username == "owner"

    def test_an_owner_attached_by_an_administrator_stays_when_the_official_edits(
        self, api, official, restaurant, owner_elsewhere
    ):
        restaurant.owner = owner_elsewhere
        restaurant.save()
        response = api.as_user(official).patch(
            f"{RESTAURANTS}{restaurant.id}/", {"phone": "02-333-1234"}, format="json"
        )
        assert response.status_code == 200, response.json()

    def test_the_other_municipalitys_official_cannot_attach_our_owner(self, api, stranger, other_city, owner, f):
        elsewhere = f.DistrictFactory(municipality=other_city)
        response = api.as_user(stranger).post(RESTAURANTS, restaurant_body(elsewhere, "owner"), format="json")
        assert error(response) == (400, "owner_not_in_municipality")

    def test_the_other_municipalitys_official_attaches_their_own_owner(self, api, stranger, other_city, other_owner, f):
        elsewhere = f.DistrictFactory(municipality=other_city)
        response = api.as_user(stranger).post(RESTAURANTS, restaurant_body(elsewhere, "other_owner"), format="json")
        assert response.status_code == 201, response.json()


def test_an_administrator_attaches_any_owner(api, admin, district, other_owner):
    response = api.as_user(admin).post(RESTAURANTS, restaurant_body(district, "other_owner"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == "other_owner"


def test_the_rule_holds_in_the_domain_layer_without_the_api(official, district, other_owner, owner_elsewhere):
    with pytest.raises(DomainError) as refused:
        services.register_restaurant(
            by=official,
            district=district,
            name="우회",
            business_number="124-81-00998",
            address="마포구",
            owner=owner_elsewhere,
        )
    assert refused.value.code == "owner_not_in_municipality"
    with pytest.raises(DomainError):
        check_owner_binding(by=official, owner=other_owner, municipality_id=district.municipality_id)


def test_only_owner_accounts_can_be_attached(official, district, collector):
    with pytest.raises(DomainError):
        check_owner_binding(by=official, owner=collector, municipality_id=district.municipality_id)
