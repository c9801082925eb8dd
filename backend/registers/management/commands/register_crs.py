"""Check the register's coordinate system against a place you know.

    manage.py register_crs X Y [--lat 37.566324 --lng 126.901491]

Prints where the register's 좌표정보(X), 좌표정보(Y) of one row land under the
configured REGISTER_SOURCE_CRS and under the systems guides confuse it with, and —
given the place's real latitude and longitude (read off a map for its address) — how
far each is from it. The right system is the one a few metres away.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backend.registers import coordinates

CANDIDATES = ["EPSG:2097", "EPSG:5174", "EPSG:5181", "EPSG:5186"]


class Command(BaseCommand):
    help = "Where one register row's coordinates land under each Korean TM system (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("x", help="좌표정보(X) as in the file")
        parser.add_argument("y", help="좌표정보(Y) as in the file")
        parser.add_argument("--lat", type=float, help="the place's real latitude (WGS84)")
        parser.add_argument("--lng", type=float, help="the place's real longitude (WGS84)")

    def handle(self, *args, x, y, lat=None, lng=None, **options):
        systems = [settings.REGISTER_SOURCE_CRS, *(crs for crs in CANDIDATES if crs != settings.REGISTER_SOURCE_CRS)]
        for crs in systems:
            (point,) = coordinates.to_wgs84([(x, y)], source_crs=crs)
            if not isinstance(point, tuple):
                raise CommandError(str(point) if point else "no coordinates")
            line = f"{crs:<10} lat {point[0]}  lng {point[1]}"
            if lat is not None and lng is not None:
                line += f"  {coordinates.distance_m((lat, lng), point):>8.1f} m from the place"
            if crs == settings.REGISTER_SOURCE_CRS:
                line += "  (REGISTER_SOURCE_CRS)"
            self.stdout.write(line)
