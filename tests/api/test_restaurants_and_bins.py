"""Officials register restaurants and bins; everyone else reads within their scope."""

import pytest

RESTAURANTS = "/api/v1/restaurants/"
BINS = "/api/v1/bins/"


def restaurant_body(district, **overrides):
    body = {
        "name": "망원김밥",
        "business_number": "124-81-00998",
        "district": str(district.id),
        "address": "서울특별시 마포구 망원동 1",
        "lat": "37.556000",
        "lng": "126.901000",
        "phone": "02-333-1234",
    }
    body.update(overrides)
    return body


class TestRegisterRestaurant:
    def test_official_registers_a_restaurant_with_an_owner(self, api, official, district, owner):
        response = api.as_user(official).post(RESTAURANTS, restaurant_body(district, owner="owner"), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["business_number"] == "124-81-00998"
        assert data["owner"] == "owner"
        assert len(data["id"]) == 36  # opaque UUID, not a sequence

    @pytest.mark.parametrize("number", ["220-81-62517", "1208147521", "120 81 47521"])
    def test_valid_business_numbers_in_any_spelling(self, api, official, district, number):
        response = api.as_user(official).post(
            RESTAURANTS, restaurant_body(district, business_number=number), format="json"
        )
        assert response.status_code == 201, response.json()

    @pytest.mark.parametrize("number", ["123-45-67890", "124-81-00999", "12481009", "abcdefghij"])
    def test_invalid_business_number(self, api, official, district, number):
        response = api.as_user(official).post(
            RESTAURANTS, restaurant_body(district, business_number=number), format="json"
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_business_number"

    def test_business_number_is_unique_within_a_municipality(self, api, official, district, stranger, other_city, f):
        api.as_user(official).post(RESTAURANTS, restaurant_body(district), format="json")
        again = api.as_user(official).post(RESTAURANTS, restaurant_body(district, name="다른 가게"), format="json")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "business_number_taken")
        # ...but another municipality may register the same business (a chain's branch, a move)
        elsewhere = f.DistrictFactory(municipality=other_city)
        response = api.as_user(stranger).post(RESTAURANTS, restaurant_body(elsewhere), format="json")
        assert response.status_code == 201

    def test_official_cannot_register_in_another_municipality(self, api, stranger, district):
        response = api.as_user(stranger).post(RESTAURANTS, restaurant_body(district), format="json")
        assert response.status_code == 400
        assert "district" in response.json()["error"]["fields"]

    def test_official_updates_and_owner_cannot(self, api, official, owner, restaurant):
        url = f"{RESTAURANTS}{restaurant.id}/"
        assert api.as_user(official).patch(url, {"phone": "010-1234-5678"}, format="json").status_code == 200
        assert api.as_user(owner).patch(url, {"phone": "010-0000-0000"}, format="json").status_code == 403
        restaurant.refresh_from_db()
        assert restaurant.phone == "010-1234-5678"


class TestReading:
    def test_each_role_sees_its_own_scope(self, api, official, collector, owner, restaurant, f, unserved_district):
        unserved = f.RestaurantFactory(district=unserved_district)
        someone_elses = f.RestaurantFactory(district=restaurant.district)

        def names(user):
            return {r["id"] for r in api.as_user(user).get(RESTAURANTS).json()["results"]}

        assert names(official) == {str(restaurant.id), str(unserved.id), str(someone_elses.id)}
        assert names(collector) == {str(restaurant.id), str(someone_elses.id)}  # their hauler's districts
        assert names(owner) == {str(restaurant.id)}

    def test_list_is_paginated_and_filterable(self, api, official, restaurant, f, unserved_district):
        f.RestaurantFactory(district=unserved_district)
        data = api.as_user(official).get(RESTAURANTS, {"district": str(unserved_district.id)}).json()
        assert data["count"] == 1 and "results" in data

    def test_bins_list_query_count_is_flat(self, api, official, restaurant, f, django_assert_max_num_queries):
        for _ in range(15):
            f.TagFactory(bin__restaurant=restaurant)
        client = api.as_user(official)
        with django_assert_max_num_queries(4):  # token, count, bins with restaurants, their tags
            data = client.get(BINS).json()
        assert data["count"] == 15
        assert all(row["active_tag"]["url"].startswith("http") for row in data["results"])


class TestBins:
    def test_official_adds_a_bin(self, api, official, restaurant):
        body = {"restaurant": str(restaurant.id), "capacity_liters": 120, "label": "홀 1"}
        response = api.as_user(official).post(BINS, body, format="json")
        assert response.status_code == 201
        assert response.json()["status"] == "active" and response.json()["active_tag"] is None

    def test_status_cannot_be_set_directly(self, api, official, bin):
        api.as_user(official).patch(f"{BINS}{bin.id}/", {"status": "retired"}, format="json")
        bin.refresh_from_db()
        assert bin.status == "active"

    def test_retiring_a_bin_revokes_its_tag(self, api, official, bin, tag):
        response = api.as_user(official).post(f"{BINS}{bin.id}/retire/")
        assert response.json()["status"] == "retired"
        tag.refresh_from_db()
        assert tag.status == "revoked"

    @pytest.mark.parametrize("capacity", [0, -5, "big"])
    def test_capacity_must_be_positive(self, api, official, restaurant, capacity):
        body = {"restaurant": str(restaurant.id), "capacity_liters": capacity, "label": "x"}
        assert api.as_user(official).post(BINS, body, format="json").status_code == 400
