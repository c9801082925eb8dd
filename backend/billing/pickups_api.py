"""The collections API with each pickup's fee (`fee_krw`).

collection_events serves the scans but sits below billing, so it cannot price them; this
subclass of its viewset, registered at the same address (config/api_urls.py), adds the
fee from billing's tariffs: read once per request (`TariffBook`), whatever the page's
length. Everything else (who sees what, filters, the crew's POSTs) is the parent's.
"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers

from backend.billing.pickups import TariffBook, zone_of
from backend.collection_events.api import CollectionEventSerializer, CollectionEventViewSet, StatusChangeSerializer
from backend.collection_events.schema import ScanEventSerializer


# The API has one collection shape, priced; clients keep its name.
@extend_schema_serializer(component_name="CollectionEvent")
class PricedCollectionEventSerializer(CollectionEventSerializer):
    fee_krw = serializers.SerializerMethodField(
        help_text="What this pickup costs at the tariff in force on its local day, in KRW: "
        "0 for a visit with an exception or a voided pickup, null while held (or with no tariff that day)."
    )

    class Meta(CollectionEventSerializer.Meta):
        fields = [*CollectionEventSerializer.Meta.fields, "fee_krw"]
        read_only_fields = fields

    def get_fee_krw(self, event) -> int | None:
        # The viewset lends one book per request; a serializer made elsewhere reads its own.
        book = self.context.get("tariffs") or TariffBook.for_user(self.context["request"].user)
        return book.fee(event, zone_of(event))


@extend_schema_view(
    create=extend_schema(
        request=ScanEventSerializer,
        responses={201: PricedCollectionEventSerializer, 200: PricedCollectionEventSerializer},
    ),
    change_status=extend_schema(request=StatusChangeSerializer, responses=PricedCollectionEventSerializer),
)
class PricedCollectionEventViewSet(CollectionEventViewSet):
    serializer_class = PricedCollectionEventSerializer
    event_serializer_class = PricedCollectionEventSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("restaurant__municipality")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tariffs": TariffBook.for_user(self.request.user)}
