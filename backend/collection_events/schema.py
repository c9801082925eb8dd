"""What a crew's device sends for one scan, for the OpenAPI schema.

The endpoints read scans with `submissions.parse_submission` (fast enough for a
thousand per batch); these serializers only describe the same fields to clients.
"""

from rest_framework import serializers

from backend.collection_events.models import CrewException, Source
from backend.collection_events.submissions import MAX_GPS_ACCURACY_M


class ScanEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="chosen by the device; a retry sends the same id")
    tag = serializers.CharField(help_text="the tag's URL, code or manual code")
    weight_kg = serializers.DecimalField(
        max_digits=9, decimal_places=3, required=False, allow_null=True, help_text="required unless exception_code"
    )
    exception_code = serializers.ChoiceField(choices=CrewException.choices, required=False, allow_blank=True)
    collected_at = serializers.DateTimeField(help_text="ISO 8601 with its UTC offset, e.g. 2026-11-02T07:30:00+09:00")
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]
    scale_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    reader_uid = serializers.CharField(max_length=29, required=False, allow_blank=True, help_text="the chip UID, hex")
    device_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    gps_accuracy_m = serializers.IntegerField(
        min_value=0,
        max_value=MAX_GPS_ACCURACY_M,
        required=False,
        allow_null=True,
        help_text="the phone's estimate of its position's error, whole metres; a scan far from the "
        "restaurant is flagged only when it is far even at the near edge of this circle",
    )
    photo_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="chosen by the phone for the photo it took with this scan (not the nil UUID); "
        "the photo follows with PUT /collections/{id}/photo/",
    )


class ScanBatchSerializer(serializers.Serializer):
    events = ScanEventSerializer(many=True, max_length=1000)  # type: ignore[call-arg]
