"""Personas: who is looking, and what they should and should not see.

- `official`, `collector`, `owner` work in one municipality (`city`); the collector's
  hauler serves `district` but not `unserved_district`.
- `stranger` is an official of another municipality (`other_city`) and
  `other_owner` owns a restaurant there: both "should have no access".
"""

import pytest

# Django is imported lazily, inside the fixtures, so that the hardware tools' tests
# (tests/tag_tools, tests/collector_app) run without Django: `pytest -p no:django`.


@pytest.fixture
def f(db):
    """The factories module, for tests that build rows of their own."""
    from tests import factories

    return factories


@pytest.fixture
def city(f):
    return f.MunicipalityFactory(name="서울특별시 마포구", code="11440")


@pytest.fixture
def district(f, city):
    return f.DistrictFactory(municipality=city, name="서교동")


@pytest.fixture
def unserved_district(f, city):
    return f.DistrictFactory(municipality=city, name="상암동")


@pytest.fixture
def hauler(f, city, district):
    hauler = f.HaulerFactory(municipality=city)
    hauler.districts.add(district)
    return hauler


@pytest.fixture
def official(f, city):
    return f.UserFactory(username="official", role="official", municipality=city)


@pytest.fixture
def collector(f, hauler):
    return f.UserFactory(username="collector", role="collector", hauler=hauler)


@pytest.fixture
def owner(f, city):
    return f.UserFactory(username="owner", role="owner", email="owner@example.org", invited_through=city)


@pytest.fixture
def restaurant(f, district, owner):
    return f.RestaurantFactory(district=district, owner=owner, name="할매순대국")


@pytest.fixture
def bin(f, restaurant):
    return f.BinFactory(restaurant=restaurant, label="주방 1", capacity_liters=60)


@pytest.fixture
def tag(f, bin, official):
    return f.TagFactory(bin=bin, issued_by=official)


@pytest.fixture
def other_city(f):
    return f.MunicipalityFactory(name="경기도 고양시", code="41280")


@pytest.fixture
def stranger(f, other_city):
    return f.UserFactory(username="stranger", role="official", municipality=other_city)


@pytest.fixture
def other_owner(f, other_city):
    owner = f.UserFactory(username="other_owner", role="owner", invited_through=other_city)
    f.RestaurantFactory(district=f.DistrictFactory(municipality=other_city), owner=owner)
    return owner


@pytest.fixture
def other_collector(f, other_city):
    hauler = f.HaulerFactory(municipality=other_city)
    hauler.districts.add(f.DistrictFactory(municipality=other_city))
    return f.UserFactory(username="other_collector", role="collector", hauler=hauler)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` signs requests with the user's token."""

    from rest_framework.test import APIClient

    class Client(APIClient):
        def as_user(self, user):
            from backend.accounts.tokens import issue_token

            # A token that never expires, so that tests moving the clock far ahead keep
            # signing in; tokens' expiry is tested through the token endpoint itself.
            key, _expires_at = issue_token(user, lifetime=None)
            self.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            return self

    return Client()


@pytest.fixture
def eager_celery():
    """Run tasks in-process, at once. Set on the Celery app itself: once the app has
    read its configuration, changing Django's settings no longer reaches it."""
    from backend.config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def broker_down():
    """The broker stops answering: Celery's producers are pointed at a port nothing
    listens on, through the transport in use (the database's, or Redis in CI's second
    pass). Restored afterwards, with the pools that were in use."""
    from backend.config.celery import app

    saved = app.conf.broker_write_url, app._pool, app.amqp._producer_pool
    nowhere = "postgresql://postgres@127.0.0.1:9/postgres" if app.conf.broker_transport else "redis://127.0.0.1:9/0"
    app.conf.broker_write_url, app._pool, app.amqp._producer_pool = nowhere, None, None
    yield app
    app.conf.broker_write_url, app._pool, app.amqp._producer_pool = saved
