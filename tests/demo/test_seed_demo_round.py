"""`make run`'s demo gives the demo crew a round that makes sense today, whatever the day."""

from datetime import date, datetime, time
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from backend.accounts.models import User
from backend.pickup_requests.models import PickupRequest
from backend.restaurants.models import Bin
from backend.routes.models import RouteStop
from backend.routes.selectors import PICKUP_REQUEST, day_stops
from backend.tags.codes import format_manual_code

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("day", [date(2026, 11, 30), date(2026, 12, 6)])  # a Monday, a Sunday
def test_the_demo_crew_has_stops_due_today_in_order_and_a_pickup_request(eager_celery, day):
    with time_machine.travel(datetime.combine(day, time(6), tzinfo=timezone.get_default_timezone()), tick=False):
        output = seed()
        collector = User.objects.get(username="collector")
        today = day_stops(collector=collector)
        bins = Bin.objects.filter(restaurant__municipality__code="11440")
        due = [bin for bin in bins if bin.is_due_on(day)]
        assert 0 < len(due) < bins.count()  # some due today, some not
        positions = [stop.position for stop in today.stops]
        placed = [position for position in positions if position is not None]
        assert placed == sorted(placed) and positions[: len(placed)] == placed  # the set order first
        assert 0 < len(placed) < len(today.stops)  # part of the round has a place, the rest follows
        asked = [stop for stop in today.stops if stop.reason == PICKUP_REQUEST]
        assert len(asked) == 1 and not asked[0].bin.is_due_on(day)  # the request adds a stop
        assert today.left == len(today.stops)  # nothing collected yet today
        # A tester finds codes to type: the first stop's manual code and the request's.
        assert format_manual_code(today.stops[0].manual_code) in output
        assert format_manual_code(asked[0].manual_code) in output

        route = list(RouteStop.objects.values_list("bin_id", "position"))
        again = seed()
        assert PickupRequest.objects.open().filter(requested_for=day).count() == 1
        assert list(RouteStop.objects.values_list("bin_id", "position")) == route
        assert "Demo data already present" in again


def test_a_later_day_gets_its_own_pickup_request(eager_celery):
    zone = timezone.get_default_timezone()
    with time_machine.travel(datetime(2026, 11, 30, 6, tzinfo=zone), tick=False):
        seed()
    with time_machine.travel(datetime(2026, 12, 1, 6, tzinfo=zone), tick=False):
        seed()
        today = day_stops(collector=User.objects.get(username="collector"))
        assert [stop.reason for stop in today.stops].count(PICKUP_REQUEST) == 1
