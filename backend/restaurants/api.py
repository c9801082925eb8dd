import django_filters
from rest_framework import serializers, viewsets

from backend.accounts.models import Role, User
from backend.accounts.services import OWNER_NOT_IN_MUNICIPALITY
from backend.core.errors import DomainError
from backend.core.permissions import WRITE, AccessPolicy
from backend.municipalities.models import District
from backend.restaurants import services
from backend.restaurants.access import can_manage_restaurants
from backend.restaurants.models import Restaurant


class VisibleToRequestUser(serializers.PrimaryKeyRelatedField):
    """A reference the caller may only make to objects they can see."""

    def get_queryset(self):
        return self.queryset.visible_to(self.context["request"].user)


class OwnerField(serializers.SlugRelatedField):
    """An owner by username. An unknown name is answered like an owner the caller may not
    attach, so that the answer does not tell which accounts exist elsewhere."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            code, message = OWNER_NOT_IN_MUNICIPALITY
            raise DomainError(code, message, fields={"owner": [message]}) from None


class RestaurantSerializer(serializers.ModelSerializer):
    district = VisibleToRequestUser(queryset=District.objects.all())
    district_name = serializers.CharField(source="district.name", read_only=True)
    business_number = serializers.CharField(max_length=12, required=False, allow_blank=True)
    # Who may be attached is a domain rule (accounts.services.check_owner_binding).
    owner = OwnerField(
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
            "register_id",
            "business_type",
            "floor_area_m2",
            "status",
            "closed_on",
        ]
        # The register's key, and whether a restaurant is closed, come from the register
        # import (backend/registers); the rest may be edited here.
        read_only_fields = ["register_id", "status", "closed_on"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["business_number"] = instance.business_number_display
        return data

    def create(self, validated_data):
        return services.register_restaurant(by=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.update_restaurant(by=self.context["request"].user, restaurant=instance, **validated_data)


class RestaurantFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Restaurant
        fields = ["district", "name", "register_id", "business_type", "status"]


class RestaurantViewSet(viewsets.ModelViewSet):
    serializer_class = RestaurantSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_restaurants}
    filterset_class = RestaurantFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return Restaurant.objects.visible_to(self.request.user).select_related("district", "owner")
