from django.db import models


class RouteStop(models.Model):
    """One bin's place in a hauler's round (its route), as officials set it: the crew's
    stops come in this order; bins without a place follow (routes/selectors.py)."""

    hauler = models.ForeignKey("municipalities.Hauler", on_delete=models.CASCADE, related_name="route_stops")
    bin = models.ForeignKey("restaurants.Bin", on_delete=models.CASCADE, related_name="route_stops")
    position = models.PositiveIntegerField(help_text="1 = first stop of the round")

    class Meta:
        ordering = ["hauler", "position"]
        constraints = [
            models.UniqueConstraint(fields=["hauler", "bin"], name="route_stop_bin_once"),
            models.UniqueConstraint(fields=["hauler", "position"], name="route_stop_position_once"),
            models.CheckConstraint(name="route_stop_position_positive", condition=models.Q(position__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.bin_id}"
