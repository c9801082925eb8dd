"""Factories for the domain's rows; tests build what they need and nothing more."""

import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.collection_events.models import CollectionEvent, CollectionStatus, Source
from backend.municipalities.models import District, Hauler, Municipality
from backend.notifications.models import Notice, NoticeKind
from backend.restaurants import business_numbers
from backend.restaurants.models import Bin, Restaurant
from backend.tags.models import Tag


def business_number(n: int) -> str:
    first_nine = f"{100000000 + n:09d}"
    return first_nine + str(business_numbers.check_digit(first_nine))


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"시험시 {n}")
    code = factory.Sequence(lambda n: f"9{n:04d}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"시험동 {n}")
    code = factory.Sequence(lambda n: f"D{n:05d}")


class HaulerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hauler

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"수거업체 {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OWNER
    password = factory.django.Password("password-for-tests")


class RestaurantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Restaurant

    district = factory.SubFactory(DistrictFactory)
    municipality = factory.SelfAttribute("district.municipality")
    name = factory.Sequence(lambda n: f"식당 {n}")
    business_number = factory.Sequence(business_number)
    address = "서울특별시 어딘가 1"
    lat = Decimal("37.555000")
    lng = Decimal("126.910000")


class BinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bin

    restaurant = factory.SubFactory(RestaurantFactory)
    capacity_liters = 60
    label = factory.Sequence(lambda n: f"주방 {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    bin = factory.SubFactory(BinFactory)


class CollectionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionEvent

    id = factory.LazyFunction(uuid.uuid4)
    tag = factory.SubFactory(TagFactory)
    bin = factory.SelfAttribute("tag.bin")
    restaurant = factory.SelfAttribute("tag.bin.restaurant")
    collector = factory.SubFactory(UserFactory)
    weight_g = 12_340
    collected_at = factory.LazyFunction(timezone.now)
    source = Source.NFC
    status = CollectionStatus.BILLABLE


class NoticeFactory(factory.django.DjangoModelFactory):
    """A notice as the notify service writes it (tests of sending use the service itself)."""

    class Meta:
        model = Notice

    kind = NoticeKind.MISSED_PICKUP
    about = factory.LazyFunction(lambda: str(uuid.uuid4()))
    recipient = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"안내 {n}")
    body = "본문 · Body"
    created_at = factory.LazyFunction(timezone.now)
