"""Officials order a hauler's round: `PUT /api/v1/haulers/{id}/route/` and /console/routes/."""

from decimal import Decimal

import pytest

from backend.routes.ordering import nearest_next


def url(hauler):
    return f"/api/v1/haulers/{hauler.id}/route/"


def test_an_official_sets_and_reads_the_order(api, f, official, hauler, district):
    a, b, c = (f.BinFactory(restaurant__district=district) for _ in range(3))
    api.as_user(official)
    response = api.put(url(hauler), {"bins": [str(c.id), str(a.id), str(b.id)]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"bins": [str(c.id), str(a.id), str(b.id)]}
    api.put(url(hauler), {"bins": [str(b.id)]}, format="json")
    assert api.get(url(hauler)).json() == {"bins": [str(b.id)]}


def test_a_bin_twice_or_one_the_hauler_does_not_collect_is_refused_whole(
    api, f, official, hauler, district, unserved_district
):
    mine = f.BinFactory(restaurant__district=district)
    elsewhere = f.BinFactory(restaurant__district=unserved_district)
    api.as_user(official)
    api.put(url(hauler), {"bins": [str(mine.id)]}, format="json")
    twice = api.put(url(hauler), {"bins": [str(mine.id), str(mine.id)]}, format="json")
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "route_bin_repeated"
    outside = api.put(url(hauler), {"bins": [str(elsewhere.id)]}, format="json")
    assert outside.status_code == 400 and outside.json()["error"]["code"] == "route_bin_not_served"
    assert api.get(url(hauler)).json() == {"bins": [str(mine.id)]}


@pytest.mark.parametrize("role", ["collector", "owner"])
def test_crews_and_owners_may_not_order_a_round(api, hauler, role, request):
    api.as_user(request.getfixturevalue(role))
    assert api.put(url(hauler), {"bins": []}, format="json").status_code == 403
    assert api.get(url(hauler)).status_code == 403


def test_another_municipalitys_official_does_not_find_the_hauler(api, hauler, stranger):
    api.as_user(stranger)
    assert api.put(url(hauler), {"bins": []}, format="json").status_code == 404


def test_nearest_next_goes_to_the_closest_stop_each_time():
    points = [
        ("far", (Decimal("37.60"), Decimal("126.90"))),
        ("no place", None),
        ("near", (Decimal("37.501"), Decimal("126.90"))),
        ("east", (Decimal("37.501"), Decimal("126.95"))),
    ]
    assert nearest_next((Decimal("37.50"), Decimal("126.90")), points) == ["near", "east", "far", "no place"]


def test_an_official_sets_a_bins_collection_days_in_the_api(api, official, bin):
    api.as_user(official)
    response = api.patch(f"/api/v1/bins/{bin.id}/", {"collection_days": [5, 1, 3, 1]}, format="json")
    assert response.status_code == 200
    assert response.json()["collection_days"] == [1, 3, 5]
    bad = api.patch(f"/api/v1/bins/{bin.id}/", {"collection_days": [0, 8]}, format="json")
    assert bad.status_code == 400


def test_is_due_on_follows_the_days(bin):
    from datetime import date

    monday, tuesday = date(2026, 11, 30), date(2026, 12, 1)
    assert bin.is_due_on(monday) and bin.is_due_on(tuesday)
    bin.collection_days = [1]
    assert bin.is_due_on(monday) and not bin.is_due_on(tuesday)


class TestConsole:
    def test_the_round_page_saves_the_numbers_typed(self, client, f, official, hauler, district):
        a = f.BinFactory(restaurant__district=district, restaurant__name="가게 A")
        b = f.BinFactory(restaurant__district=district, restaurant__name="가게 B")
        loose = f.BinFactory(restaurant__district=district, restaurant__name="가게 C")
        client.force_login(official)
        page = client.get(f"/console/routes/{hauler.id}/")
        assert page.status_code == 200
        response = client.post(
            f"/console/routes/{hauler.id}/",
            {f"position-{a.id}": "20", f"position-{b.id}": "3", f"position-{loose.id}": ""},
        )
        assert response.status_code == 302
        from backend.routes.models import RouteStop

        assert list(RouteStop.objects.filter(hauler=hauler).values_list("bin_id", "position")) == [(b.id, 1), (a.id, 2)]

    def test_the_same_number_twice_is_shown_next_to_the_box(self, client, f, official, hauler, district):
        a = f.BinFactory(restaurant__district=district)
        b = f.BinFactory(restaurant__district=district)
        client.force_login(official)
        page = client.post(f"/console/routes/{hauler.id}/", {f"position-{a.id}": "1", f"position-{b.id}": "1"})
        assert page.status_code == 200
        assert "이미" in page.content.decode() and 'aria-invalid="true"' in page.content.decode()
        from backend.routes.models import RouteStop

        assert not RouteStop.objects.exists()

    def test_other_roles_and_municipalities_are_kept_out(self, client, hauler, collector, stranger):
        client.force_login(collector)
        assert client.get(f"/console/routes/{hauler.id}/").status_code == 403
        client.force_login(stranger)
        assert client.get(f"/console/routes/{hauler.id}/").status_code == 404
        assert hauler.name not in client.get("/console/routes/").content.decode()

    def test_the_bin_form_sets_collection_days(self, client, official, bin):
        client.force_login(official)
        response = client.post(
            f"/console/bins/{bin.id}/edit/",
            {"label": "주방 1", "capacity_liters": "60", "collection_days": ["2", "4"], "change_reason": "요일 지정"},
        )
        assert response.status_code == 302
        bin.refresh_from_db()
        assert bin.collection_days == [2, 4]


def test_a_huge_unordered_round_goes_by_distance_from_the_start(monkeypatch):
    from backend.routes import ordering

    start = (37.50, 126.90)
    # About 1 km east, 1.5 km west and 3 km east of the start.
    points = [("1 km east", (37.50, 126.9113)), ("1.5 km west", (37.50, 126.883)), ("3 km east", (37.50, 126.934))]
    assert ordering.nearest_next(start, points) == ["1 km east", "3 km east", "1.5 km west"]
    monkeypatch.setattr(ordering, "GREEDY_LIMIT", 2)
    assert ordering.nearest_next(start, points) == ["1 km east", "1.5 km west", "3 km east"]
