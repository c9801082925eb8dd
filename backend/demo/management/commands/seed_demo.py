"""Demo data for `make run`: two municipalities, restaurants with tagged bins on
collection schedules, two months of collections, and the demo crew's round. Runs once;
a later call only brings the day's parts up to date (an open pickup request for today,
last month's invoices) and prints today's stops with the codes to type."""

import random
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.billing.models import Tariff
from backend.billing.periods import Period
from backend.billing.runs import bill_synchronously
from backend.billing.services import create_tariff
from backend.collection_events.models import CollectionEvent, CollectionStatus, Scale, ScanReceipt, Source
from backend.collection_events.submissions import ScanSubmission
from backend.municipalities.models import District, Hauler, Municipality
from backend.pickup_requests.models import PickupRequest, RequestKind
from backend.pickup_requests.services import assign_request, request_pickup
from backend.restaurants import business_numbers
from backend.restaurants.models import Bin, Restaurant
from backend.routes.models import RouteStop
from backend.routes.selectors import day_stops
from backend.routes.services import set_route
from backend.tags.codes import format_manual_code
from backend.tags.models import Tag

DEMO_MUNICIPALITY_CODE = "11440"
RESTAURANT_NAMES = [
    "할매순대국",
    "마포갈비",
    "서교칼국수",
    "합정닭한마리",
    "홍대떡볶이",
    "망원김밥",
    "연남중화요리",
    "상수돈까스",
    "서교해장국",
    "합정곱창",
    "마포설렁탕",
    "동교분식",
    "성미산국수",
    "와우산감자탕",
    "경의선백반",
    "당인리쌈밥",
    "양화진족발",
    "절두산냉면",
    "망원시장빈대떡",
    "홍익부대찌개",
]
DEMO_ACCOUNTS = [
    ("official", "official-demo", Role.OFFICIAL, "김공무"),
    ("collector", "collector-demo", Role.COLLECTOR, "박수거"),
    ("owner", "owner-demo", Role.OWNER, "이사장"),
    ("official2", "official2-demo", Role.OFFICIAL, "최고양"),
    ("admin", "admin-demo", Role.ADMIN, "관리자"),
]
# Bins take these collection days in turn (ISO weekdays; empty = every day), so that any
# day some bins are due and some are not.
SCHEDULES: list[list[int]] = [[], [1, 3, 5], [2, 4, 6]]
# How many bins officials have put in order on the demo crew's round; the rest follow it.
ROUTE_LENGTH = 8
# Today's stops printed for testers (the codes a crew would type from the label).
STOPS_PRINTED = 5


def valid_business_number(rng: random.Random) -> str:
    first_nine = "".join(str(rng.randint(0, 9)) for _ in range(9))
    return first_nine + str(business_numbers.check_digit(first_nine))


class Command(BaseCommand):
    help = "Create the demo municipality, accounts, restaurants, bins, tags and collections (once)."

    def handle(self, *args, **options):
        if Municipality.objects.filter(code=DEMO_MUNICIPALITY_CODE).exists():
            self.stdout.write("Demo data already present.")
        else:
            with transaction.atomic():
                self._seed(random.Random(2026))
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._bill_last_month()
        self._crew_round()

    def _bill_last_month(self) -> None:
        """A tariff of 130 KRW/kg in force since 1 January (as several Seoul districts
        charge households), and last month's invoices issued, by the same billing run
        the worker does, in this process. Idempotent: a month billed stays as it is."""
        mapo = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
        today = timezone.localdate()
        if not Tariff.objects.filter(municipality=mapo).exists():
            create_tariff(
                municipality=mapo, created_by=None, effective_from=today.replace(month=1, day=1), price_per_kg_krw=130
            )
        run = bill_synchronously(municipality=mapo, period=Period.of_date(today).previous())
        self.stdout.write(f"Billing {run.billing_period}: {run.invoices_issued} invoices issued by run {run.id}.")

    def _crew_round(self) -> None:
        """The demo crew's round makes sense today: part of it in the order officials set,
        and an open pickup request (assigned to the crew) for today, asked by the demo
        owner for a bin that is not due today. Then today's first stops with the codes a
        crew would type from the label. Each piece only when missing."""
        mapo = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
        hauler = Hauler.objects.get(municipality=mapo)
        official = User.objects.get(username="official")
        collector = User.objects.get(username="collector")
        owner = User.objects.get(username="owner")
        today = timezone.localdate(timezone=mapo.zone)
        served = Bin.objects.filter(restaurant__municipality=mapo).active().order_by("restaurant__name", "label")
        if not served.exclude(collection_days=[]).exists():  # seeded before bins had schedules
            for index, bin in enumerate(served):
                bin.collection_days = SCHEDULES[index % len(SCHEDULES)]
                bin.save(update_fields=["collection_days", "updated_at"])
        if not RouteStop.objects.filter(hauler=hauler).exists():
            # Every other bin, so that each day's round has placed and unplaced stops.
            set_route(hauler=hauler, bin_ids=[bin.id for bin in served][::2][:ROUTE_LENGTH], by=official)
        if not PickupRequest.objects.open().filter(restaurant__municipality=mapo, requested_for=today).exists():
            owned = list(served.filter(restaurant__owner=owner))
            bin = next((bin for bin in owned if not bin.is_due_on(today)), owned[0])
            pickup = request_pickup(
                restaurant=bin.restaurant,
                bin=bin,
                kind=RequestKind.EXTRA_PICKUP,
                requested_for=today,
                note="행사로 음식물이 많이 나왔습니다. 오늘 한 번 더 수거해 주세요.",
                by=owner,
            )
            assign_request(pickup=pickup, by=official, hauler=hauler, assignee=collector)
        self._print_stops(collector)

    def _print_stops(self, collector: User) -> None:
        day = day_stops(collector=collector)
        self.stdout.write(
            f"Crew round {day.day} (collector / collector-demo, /crew/): {len(day.stops)} stops, {day.left} left."
        )
        self.stdout.write("  수동 코드 · manual code, tag URL, restaurant (first stops):")
        for stop in day.stops[:STOPS_PRINTED]:
            reason = " [추가 수거 · pickup request]" if stop.pickup_request is not None else ""
            self.stdout.write(
                f"    {format_manual_code(stop.manual_code or '')}  /t/{stop.tag_code}  "
                f"{stop.bin.restaurant.name} {stop.bin.label}{reason}"
            )
        asked = next((stop for stop in day.stops if stop.pickup_request is not None), None)
        if asked is not None and asked not in day.stops[:STOPS_PRINTED]:
            self.stdout.write(
                f"    {format_manual_code(asked.manual_code or '')}  /t/{asked.tag_code}  "
                f"{asked.bin.restaurant.name} {asked.bin.label} [추가 수거 · pickup request]"
            )

    def _seed(self, rng: random.Random) -> None:
        mapo = Municipality.objects.create(name="서울특별시 마포구", code=DEMO_MUNICIPALITY_CODE)
        seogyo = District.objects.create(municipality=mapo, name="서교동", code="1144066000")
        hapjeong = District.objects.create(municipality=mapo, name="합정동", code="1144068000")
        hauler = Hauler.objects.create(municipality=mapo, name="마포그린환경(주)")
        hauler.districts.set([seogyo, hapjeong])
        # The demo truck's scale (the reader's default scale_id), inspected last spring.
        Scale.objects.create(
            municipality=mapo,
            hauler=hauler,
            serial="MAPO-TRUCK-07-SCALE",
            model="CAS HB-150",
            inspected_on=timezone.localdate() - timedelta(days=200),
        )

        goyang = Municipality.objects.create(name="경기도 고양시", code="41280")
        juyeop = District.objects.create(municipality=goyang, name="주엽동", code="4128059000")

        users = {}
        for username, password, role, name in DEMO_ACCOUNTS:
            user = User(username=username, role=role, first_name=name, email=f"{username}@example.org")
            user.municipality = goyang if username == "official2" else (mapo if role == Role.OFFICIAL else None)
            user.hauler = hauler if role == Role.COLLECTOR else None
            user.is_staff = user.is_superuser = role == Role.ADMIN
            # A mobile number, so that a KakaoTalk AlimTalk notifier (or its local stand-in)
            # has somewhere to send the owner's notices.
            user.phone = "010-1234-5678" if role == Role.OWNER else ""
            user.set_password(password)
            user.save()
            users[username] = user

        bins: list[Bin] = []
        for index, name in enumerate(RESTAURANT_NAMES):
            district = seogyo if index % 2 == 0 else hapjeong
            restaurant = Restaurant.objects.create(
                municipality=mapo,
                district=district,
                name=name,
                business_number=valid_business_number(rng),
                address=f"서울특별시 마포구 {district.name} {rng.randint(1, 400)}-{rng.randint(1, 30)}",
                dong=district.name,
                lat=Decimal("37.5550") + Decimal(rng.randint(0, 100)) / 10000,
                lng=Decimal("126.9100") + Decimal(rng.randint(0, 150)) / 10000,
                owner=users["owner"] if index < 2 else None,
                phone=f"02-{rng.randint(300, 399)}-{rng.randint(1000, 9999)}",
            )
            for number in range(1, (2 if index % 3 == 0 else 1) + 1):
                bins.append(
                    Bin.objects.create(
                        restaurant=restaurant,
                        capacity_liters=rng.choice([60, 120]),
                        label=f"주방 {number}",
                        collection_days=SCHEDULES[len(bins) % len(SCHEDULES)],
                    )
                )
        goyang_restaurant = Restaurant.objects.create(
            municipality=goyang,
            district=juyeop,
            name="주엽동국밥",
            business_number=valid_business_number(rng),
            address="경기도 고양시 일산서구 주엽동 1",
            dong="주엽동",
            lat=Decimal("37.6700"),
            lng=Decimal("126.7600"),
        )
        Tag.objects.create(bin=Bin.objects.create(restaurant=goyang_restaurant, capacity_liters=60, label="주방 1"))

        tags = {bin.id: Tag.objects.create(bin=bin, issued_by=users["official"]) for bin in bins}
        self._collections(rng, bins, tags, collector=users["collector"])

    def _collections(self, rng, bins, tags, *, collector) -> None:
        """About two months of collections on each bin's collection days, early morning."""
        zone = timezone.get_default_timezone()
        today = timezone.localdate()
        first_day = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        events, receipts = [], []
        day = first_day
        while day < today:
            for bin in bins:
                if bin.is_due_on(day) and rng.random() < 0.85:
                    collected_at = datetime.combine(day, time(5, rng.randint(0, 59)), tzinfo=zone)
                    weight_g = rng.randint(8_000, int(bin.capacity_liters * 0.6 * 1000))
                    event = self._event(bin, tags[bin.id], collector, collected_at, weight_g)
                    events.append(event)
                    receipts.append(self._receipt(event, collector))
            day += timedelta(days=1)
        CollectionEvent.objects.bulk_create(events)
        ScanReceipt.objects.bulk_create(receipts)

    def _event(self, bin, tag, collector, collected_at, weight_g) -> CollectionEvent:
        return CollectionEvent(
            id=uuid.uuid4(),
            bin=bin,
            tag=tag,
            restaurant_id=bin.restaurant_id,
            collector=collector,
            weight_g=weight_g,
            collected_at=collected_at,
            received_at=collected_at + timedelta(minutes=2),
            source=Source.NFC,
            status=CollectionStatus.BILLABLE,
            lat=bin.restaurant.lat,
            lng=bin.restaurant.lng,
            distance_m=0,
        )

    def _receipt(self, event, collector) -> ScanReceipt:
        submission = ScanSubmission(
            id=event.id,
            tag=event.tag.code,
            weight_g=event.weight_g,
            exception_code="",
            collected_at=event.collected_at,
            lat=event.lat,
            lng=event.lng,
            source=event.source,
            scale_id="",
            reader_uid="",
        )
        return ScanReceipt(
            id=event.id,
            fingerprint=submission.fingerprint(tag_id=event.tag_id, collector_id=collector.pk),
            collected_at=event.collected_at,
        )
