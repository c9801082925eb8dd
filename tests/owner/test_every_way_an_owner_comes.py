"""Every way a restaurant gets an owner opens the owner's period
(`OwnershipPeriod.follow_owners`), so the owner sees the restaurant and its pickups
afterwards: the console's new restaurant and an invitation, the register import and
an invitation, the API, the demo seed, restaurants made in bulk (the benches) and an
owner changed by a queryset update."""

from io import StringIO

import pytest
from django.core.management import call_command

from backend.accounts.models import User
from backend.collection_events.models import CollectionEvent
from backend.people import services as people
from backend.restaurants.models import OwnershipPeriod, Restaurant
from tests.registers import register_files as rf
from tests.registers.conftest import importing, places  # noqa: F401 (the import's fixtures)

pytestmark = pytest.mark.django_db


def sees_it(client, f, owner, restaurant) -> None:
    """The owner's home page names the restaurant, and a pickup made now is theirs to see."""
    client.force_login(owner)
    assert restaurant.name in client.get("/").content.decode()
    event = f.CollectionEventFactory(tag=f.TagFactory(bin=f.BinFactory(restaurant=restaurant)))
    assert CollectionEvent.objects.visible_to(owner).filter(id=event.id).exists()
    assert str(event.id) in client.get("/my/pickups/").content.decode()
    assert OwnershipPeriod.objects.filter(restaurant=restaurant, owner=owner, ends_at__isnull=True).count() == 1


def test_a_restaurant_made_in_the_console_then_its_owner_invited(client, f, official, district):
    client.force_login(official)
    response = client.post(
        "/console/restaurants/new/",
        {"name": "콘솔 식당", "district": district.id, "address": "마포구 1", "business_type": "korean"},
    )
    assert response.status_code == 302
    restaurant = Restaurant.objects.get(name="콘솔 식당")
    invitation = people.invite_owner(by=official, restaurant=restaurant, email="console-owner@example.org")
    sees_it(client, f, invitation.user, restaurant)


def test_a_restaurant_from_the_register_import_then_its_owner_invited(client, f, official, importing):  # noqa: F811
    importing(rf.csv_bytes([rf.row(1)]))
    restaurant = Restaurant.objects.get(register_id=rf.register_id(1))
    invitation = people.invite_owner(by=official, restaurant=restaurant, email="register-owner@example.org")
    sees_it(client, f, invitation.user, restaurant)
    importing(rf.csv_bytes([rf.row(1, **{"사업장명": "새 이름"})]))  # imported again: the owner stays
    sees_it(client, f, invitation.user, Restaurant.objects.get(id=restaurant.id))


def test_a_restaurant_registered_through_the_api_with_its_owner(api, client, f, official, district):
    owner = f.UserFactory(role="owner", invited_through=district.municipality)
    response = api.as_user(official).post(
        "/api/v1/restaurants/",
        {"name": "API 식당", "district": str(district.id), "address": "마포구 2", "owner": owner.username},
        format="json",
    )
    assert response.status_code == 201, response.json()
    sees_it(client, f, owner, Restaurant.objects.get(name="API 식당"))


def test_the_demo_seed(client, f, eager_celery):
    call_command("seed_demo", stdout=StringIO())
    owner = User.objects.get(username="owner")
    mine = list(Restaurant.objects.filter(owner=owner))
    assert mine
    for restaurant in mine:
        sees_it(client, f, owner, restaurant)


def test_restaurants_made_in_bulk(client, f, district, owner):
    made = Restaurant.objects.bulk_create(
        [Restaurant(municipality=district.municipality, district=district, owner=owner, name="벌크 식당", address="1")]
    )
    sees_it(client, f, owner, made[0])


def test_an_owner_set_by_a_queryset_update(client, f, district, owner, other_owner):
    restaurant = f.RestaurantFactory(district=district, owner=None)
    assert not OwnershipPeriod.objects.filter(restaurant=restaurant).exists()
    Restaurant.objects.filter(id=restaurant.id).update(owner=owner)
    sees_it(client, f, owner, restaurant)
    Restaurant.objects.filter(id=restaurant.id).update(owner=None)  # no owner: no open period
    assert not OwnershipPeriod.objects.filter(restaurant=restaurant, ends_at__isnull=True).exists()
