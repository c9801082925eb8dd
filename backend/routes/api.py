"""`/api/v1/crew/…`: what a crew's phone keeps for the day (its stops, and the directory of
the bins its hauler serves); `/api/v1/haulers/{id}/route/`: officials order a round."""

import msgspec
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.collection_events.access import can_see_stops
from backend.core.errors import DomainError
from backend.core.permissions import READ, WRITE, AccessPolicy
from backend.routes import selectors, services
from backend.routes.access import can_set_routes, haulers_visible_to
from backend.routes.models import RouteStop


class PositionSerializer(serializers.Serializer):
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False)

    def validate(self, data):
        if ("lat" in data) != ("lng" in data):
            raise DomainError(
                "incomplete_position",
                _("Send both lat and lng, or neither."),
                fields={"lat" if "lat" not in data else "lng": ["required with the other"]},
            )
        return data


class _BinFields(serializers.Serializer):
    bin_id = serializers.UUIDField()
    tag_code = serializers.CharField(allow_null=True, help_text="the active tag's code; null: the bin has none")
    manual_code = serializers.CharField(allow_null=True, help_text="9 characters, shown ABCD-EFGH-K")
    restaurant_name = serializers.CharField()
    address = serializers.CharField()
    bin_label = serializers.CharField()
    capacity_liters = serializers.IntegerField()
    lat = serializers.CharField(allow_null=True, help_text="decimal degrees, as a string")
    lng = serializers.CharField(allow_null=True, help_text="decimal degrees, as a string")
    position = serializers.IntegerField(allow_null=True, help_text="place on the round; null: none set")


class StopSerializer(_BinFields):
    done = serializers.BooleanField(help_text="the bin was scanned today")
    reason = serializers.ChoiceField(choices=[selectors.SCHEDULED, selectors.PICKUP_REQUEST])
    pickup_request_id = serializers.UUIDField(allow_null=True)


class DayStopsSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="the municipality's local day")
    stops = StopSerializer(many=True)
    left = serializers.IntegerField(help_text="stops not done yet")


class DirectoryBinSerializer(_BinFields):
    restaurant_name = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    bin_label = serializers.CharField(allow_null=True)
    capacity_liters = serializers.IntegerField(allow_null=True)
    collection_days = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7))
    active = serializers.BooleanField(help_text="false: no longer on the round; the phone forgets it")


class DirectorySerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="send back as `since` to get only what changed")
    full = serializers.BooleanField(help_text="true: the whole directory; replace what the phone holds")
    bins = DirectoryBinSerializer(many=True)


class DirectoryQuerySerializer(serializers.Serializer):
    since = serializers.CharField(max_length=100, required=False, help_text="a cursor from an earlier answer")


def stop_row(stop: selectors.Stop) -> dict:
    bin = stop.bin
    restaurant = bin.restaurant
    return {
        "bin_id": bin.id,
        "tag_code": stop.tag_code,
        "manual_code": stop.manual_code,
        "restaurant_name": restaurant.name,
        "address": restaurant.address,
        "bin_label": bin.label,
        "capacity_liters": bin.capacity_liters,
        "lat": None if restaurant.lat is None else str(restaurant.lat),
        "lng": None if restaurant.lng is None else str(restaurant.lng),
        "position": stop.position,
        "done": stop.done,
        "reason": stop.reason,
        "pickup_request_id": stop.pickup_request.id if stop.pickup_request else None,
    }


class CrewStopsView(APIView):
    """Today's stops of the crew's round, in order, each done or not."""

    permission_classes = [AccessPolicy]
    access_policy = {READ: can_see_stops}

    @extend_schema(parameters=[PositionSerializer], responses=DayStopsSerializer)
    def get(self, request):
        query = PositionSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        near = (query.validated_data["lat"], query.validated_data["lng"]) if "lat" in query.validated_data else None
        day = selectors.day_stops(collector=request.user, near=near)
        return Response({"day": day.day, "stops": [stop_row(stop) for stop in day.stops], "left": day.left})


@method_decorator(gzip_page, name="dispatch")
class CrewDirectoryView(APIView):
    """Every bin the crew's hauler serves, or what changed since a cursor."""

    permission_classes = [AccessPolicy]
    access_policy = {READ: can_see_stops}

    @extend_schema(parameters=[DirectoryQuerySerializer], responses=DirectorySerializer)
    def get(self, request):
        query = DirectoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.directory(collector=request.user, since=query.validated_data.get("since"))
        # A hauler's whole directory is some 300 bytes a bin (6 MB for 20,000): encoded by
        # msgspec (UUIDs, decimals and dates natively, ~10x DRF's encoder) and sent gzipped
        # to a phone that accepts it (the answer reflects no input and holds no secret,
        # so compression leaks nothing).
        body = msgspec.json.encode({"cursor": found.cursor, "full": found.full, "bins": found.bins})
        return HttpResponse(body, content_type="application/json")


class RouteSerializer(serializers.Serializer):
    bins = serializers.ListField(
        child=serializers.UUIDField(),
        max_length=services.MAX_ROUTE_LENGTH,
        help_text="the round's bins, first stop first; [] clears the order",
    )


class HaulerRouteView(APIView):
    """The order of a hauler's round, as officials set it."""

    permission_classes = [AccessPolicy]
    access_policy = {READ: can_set_routes, WRITE: can_set_routes}

    def hauler(self, request, hauler_id):
        return get_object_or_404(haulers_visible_to(request.user), pk=hauler_id)

    def answer(self, hauler) -> Response:
        bins = list(RouteStop.objects.filter(hauler=hauler).order_by("position").values_list("bin_id", flat=True))
        return Response(RouteSerializer({"bins": bins}).data)

    @extend_schema(responses=RouteSerializer)
    def get(self, request, hauler_id):
        return self.answer(self.hauler(request, hauler_id))

    @extend_schema(request=RouteSerializer, responses=RouteSerializer)
    def put(self, request, hauler_id):
        hauler = self.hauler(request, hauler_id)
        form = RouteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.set_route(hauler=hauler, bin_ids=form.validated_data["bins"], by=request.user)
        return self.answer(hauler)
