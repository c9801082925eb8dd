import django_filters
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.accounts.models import Role, User
from backend.core.permissions import WRITE, AccessPolicy
from backend.municipalities.models import District
from backend.restaurants import services
from backend.restaurants.access import can_manage_restaurants
from backend.restaurants.models import Bin, Restaurant
from backend.tags.api import TagSerializer


class VisibleToRequestUser(serializers.PrimaryKeyRelatedField):
    """A reference the caller may only make to objects they can see."""

    def get_queryset(self):
        return self.queryset.visible_to(self.context["request"].user)


class RestaurantSerializer(serializers.ModelSerializer):
    district = VisibleToRequestUser(queryset=District.objects.all())
    district_name = serializers.CharField(source="district.name", read_only=True)
    business_number = serializers.CharField(max_length=12)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(role=Role.OWNER), allow_null=True, required=False
    )
    phone = serializers.RegexField(r"^0\d{1,2}-?\d{3,4}-?\d{4}$", required=False, allow_blank=True)

    class Meta:
        model = Restaurant
        fields = [
            "id",
            "name",
            "business_number",
            "district",
            "district_name",
            "address",
            "lat",
            "lng",
            "owner",
            "phone",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["business_number"] = instance.business_number_display
        return data

    def create(self, validated_data):
        return services.register_restaurant(**validated_data)

    def update(self, instance, validated_data):
        return services.update_restaurant(restaurant=instance, **validated_data)


class RestaurantFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Restaurant
        fields = ["district", "name"]


class RestaurantViewSet(viewsets.ModelViewSet):
    serializer_class = RestaurantSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_restaurants}
    filterset_class = RestaurantFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return Restaurant.objects.visible_to(self.request.user).select_related("district", "owner")


class BinSerializer(serializers.ModelSerializer):
    restaurant = VisibleToRequestUser(queryset=Restaurant.objects.all())
    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)
    active_tag = serializers.SerializerMethodField()

    class Meta:
        model = Bin
        fields = ["id", "restaurant", "restaurant_name", "capacity_liters", "label", "status", "active_tag"]
        read_only_fields = ["status"]

    def get_active_tag(self, bin) -> dict | None:
        active = [tag for tag in bin.tags.all() if tag.is_active]  # prefetched
        return TagSerializer(active[0], context=self.context).data if active else None

    def create(self, validated_data):
        return services.add_bin(**validated_data)


class BinFilter(django_filters.FilterSet):
    district = django_filters.UUIDFilter(field_name="restaurant__district")

    class Meta:
        model = Bin
        fields = ["restaurant", "district", "status"]


class BinViewSet(viewsets.ModelViewSet):
    serializer_class = BinSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_restaurants}
    filterset_class = BinFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return Bin.objects.visible_to(self.request.user).select_related("restaurant").prefetch_related("tags")

    def perform_update(self, serializer):
        serializer.validated_data.pop("restaurant", None)  # a bin does not move between restaurants
        serializer.save()

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None, **kwargs):
        bin = services.retire_bin(bin=self.get_object(), by=request.user)
        return Response(self.get_serializer(bin).data)
