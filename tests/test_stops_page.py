"""A crew's list of the day's stops: what is done, what is left."""

from datetime import timedelta

from django.utils import timezone


def test_stops_show_todays_visits_and_what_is_left(
    client, f, collector, tag, unserved_district, django_assert_max_num_queries
):
    second = f.TagFactory(bin__restaurant=tag.bin.restaurant, bin__label="주방 2")
    f.TagFactory(bin__restaurant__district=unserved_district)  # not on this hauler's route
    f.CollectionEventFactory(tag=tag, collector=collector, weight_g=21_500)
    f.CollectionEventFactory(tag=second, collector=collector, collected_at=timezone.now() - timedelta(days=2))
    client.force_login(collector)
    with django_assert_max_num_queries(9):  # 8, and the header's count of unread notices
        page = client.get("/stops/").content.decode()
    assert page.count('data-testid="stop"') == 2
    assert "1 / 2" in page
    assert "21.500 kg" in page
    # Yesterday's visit does not count today: the second stop is still to do, with the
    # manual code a crew can type into the app (the page itself records nothing).
    code = second.manual_code
    shown = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert f'남음</span> <span class="muted">수동 입력 코드 {shown}</span>' in page
    assert "/crew/" in page


def test_only_crews_have_stops(client, owner):
    client.force_login(owner)
    assert client.get("/stops/").status_code == 403


def test_home_links_each_role_to_its_work(client, owner, collector, official):
    for user, link in [(owner, "/billing/invoices/"), (collector, "/stops/"), (official, "/disputes/review/")]:
        client.force_login(user)
        assert link in client.get("/").content.decode()
