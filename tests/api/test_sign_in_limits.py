"""Sign-in abuse: attempts limited per address and per account on the API token
endpoint and the login page (429 with Retry-After), a short lockout after repeated
wrong passwords, and API tokens that expire, are revoked one by one, one per sign-in."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"
LOGIN = "/login/"
PASSWORD = "crew-password-1"

LIMITS = {
    "LOGIN_RATE_PER_ADDRESS": "30/min",
    "LOGIN_RATE_PER_ACCOUNT": "30/hour",
    "LOGIN_LOCKOUT_FAILURES": 5,
    "LOGIN_LOCKOUT_WINDOW_SECONDS": 900,
    "LOGIN_LOCKOUT_SECONDS": 300,
}


@pytest.fixture
def crew_member(collector):
    collector.set_password(PASSWORD)
    collector.save()
    return collector


def get_token(api, password=PASSWORD, username="collector", address="10.0.0.1"):
    return api.post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def page_login(client, password=PASSWORD, username="collector", address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def error_code(response):
    return response.json()["error"]["code"]


@pytest.fixture
def limits(settings):
    """The production defaults (the suite's own settings raise the rates)."""
    for name, value in LIMITS.items():
        setattr(settings, name, value)
    return settings


class TestRates:
    @pytest.fixture(autouse=True)
    def _limits(self, limits):
        limits.LOGIN_LOCKOUT_FAILURES = 0

    def test_the_token_endpoint_answers_429_with_retry_after_past_the_account_rate(self, api, crew_member):
        # From many addresses (so that only the account's limit applies), in any spelling.
        answers = [
            get_token(
                api, password=f"guess-{n}", username="Collector " if n % 2 else "collector", address=f"10.1.0.{n}"
            )
            for n in range(30)
        ]
        assert [answer.status_code for answer in answers] == [400] * 30
        refused = get_token(api, address="10.9.9.9")  # even the right password, from a fresh address
        assert refused.status_code == 429
        assert error_code(refused) == "throttled"
        assert set(refused.json()["error"]) == {"code", "message", "fields"}
        assert 3500 <= int(refused["Retry-After"]) <= 3600
        with time_machine.travel(timezone.now() + timedelta(seconds=3601)):
            assert get_token(api, address="10.9.9.9").status_code == 200

    def test_the_address_rate_holds_across_accounts(self, api, crew_member, f):
        for n in range(30):
            get_token(api, username=f"someone-{n}", password="x")
        refused = get_token(api)
        assert (refused.status_code, error_code(refused)) == (429, "throttled")
        assert get_token(api, address="10.0.0.2").status_code == 200

    def test_the_login_page_answers_429_with_the_form_and_a_message_in_the_visitors_language(self, client, crew_member):
        for n in range(30):
            assert page_login(client, password=f"guess-{n}").status_code == 200  # the form, with its error
        refused = page_login(client)
        assert refused.status_code == 429
        assert 1 <= int(refused["Retry-After"]) <= 3600
        text = refused.content.decode()
        assert "로그인 시도가 너무 많습니다" in text and "Too many sign-in attempts" not in text
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = page_login(client).content.decode()
        assert "Too many sign-in attempts: try again in" in english and "로그인 시도가 너무 많습니다" not in english
        assert 'name="password"' in text and 'value="collector"' in text
        assert "_auth_user_id" not in client.session

    def test_the_page_and_the_api_share_the_counters(self, api, client, crew_member):
        for n in range(15):
            get_token(api, password=f"guess-{n}", address=f"10.2.0.{n}")
            page_login(client, password=f"guess-{n}", address=f"10.3.0.{n}")
        assert get_token(api).status_code == 429
        assert page_login(client).status_code == 429


class TestLockout:
    @pytest.fixture(autouse=True)
    def _limits(self, limits):
        pass

    def test_five_wrong_passwords_lock_the_account_for_that_address_even_for_the_right_one(self, api, crew_member):
        assert [get_token(api, password=f"guess-{n}").status_code for n in range(4)] == [400] * 4
        fifth = get_token(api, password="guess-4")
        assert (fifth.status_code, error_code(fifth)) == (429, "login_locked")
        assert int(fifth["Retry-After"]) == 300
        right = get_token(api)
        wrong = get_token(api, password="guess-5")
        assert right.status_code == wrong.status_code == 429
        assert right.json() == wrong.json()
        assert "분 후 다시 시도하세요" in right.json()["error"]["message"]
        assert 0 < int(right["Retry-After"]) <= 300
        # Another address is not locked out (the account's owner is not shut out by an attacker).
        assert get_token(api, address="10.0.0.2").status_code == 200
        with time_machine.travel(timezone.now() + timedelta(seconds=301)):
            assert get_token(api).status_code == 200

    def test_a_success_clears_the_failures(self, api, crew_member):
        for n in range(4):
            get_token(api, password=f"guess-{n}")
        assert get_token(api).status_code == 200
        assert [get_token(api, password=f"again-{n}").status_code for n in range(4)] == [400] * 4

    def test_failures_older_than_the_window_do_not_count(self, api, crew_member):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for n in range(4):
                get_token(api, password=f"guess-{n}")
            clock.shift(timedelta(seconds=901))
            assert get_token(api, password="guess-4").status_code == 400

    def test_the_login_page_locks_too_and_says_so(self, client, crew_member):
        for n in range(4):
            page_login(client, password=f"guess-{n}")
        locked = page_login(client, password="guess-4")
        assert locked.status_code == 429
        assert int(locked["Retry-After"]) == 300
        right = page_login(client)
        assert right.status_code == 429
        text = right.content.decode()
        assert "로그인 실패가 너무 많아 잠시 잠겼습니다. 5분 후 다시 시도하세요." in text
        assert "Too many failed" not in text
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert "Too many failed sign-ins: try again in 5 minutes." in page_login(client).content.decode()
        del client.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert "_auth_user_id" not in client.session
        with time_machine.travel(timezone.now() + timedelta(seconds=301)):
            signed_in = page_login(client)
        assert signed_in.status_code == 302
        assert client.session["_auth_user_id"] == str(crew_member.pk)

    def test_a_missing_password_is_not_a_failure(self, client, crew_member):
        for _ in range(6):
            assert page_login(client, password="").status_code == 200
        assert page_login(client).status_code == 302


class TestTokens:
    def test_the_answer_has_the_token_and_when_it_expires(self, api, crew_member, settings):
        before = timezone.now()
        answer = get_token(api).json()
        assert set(answer) == {"token", "expires_at"}
        expires_at = timezone.datetime.fromisoformat(answer["expires_at"])
        lifetime = expires_at - before
        assert timedelta(hours=settings.API_TOKEN_TTL_HOURS) - timedelta(minutes=1) < lifetime
        assert lifetime <= timedelta(hours=settings.API_TOKEN_TTL_HOURS) + timedelta(minutes=1)

    def test_a_token_left_unused_for_its_lifetime_stops_working(self, api, crew_member, settings):
        token = get_token(api).json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        lifetime = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        with time_machine.travel(timezone.now() + lifetime + timedelta(minutes=1)):
            expired = api.get(ME)
        assert (expired.status_code, error_code(expired)) == (401, "authentication_failed")
        assert api.get(ME).status_code == 401  # and it does not come back

    def test_a_token_in_use_keeps_working_past_its_first_lifetime(self, api, crew_member, settings):
        """A truck that syncs every day must not meet a 401 on day 31 (its scans would wait
        in its outbox until someone configured a new token)."""
        token = get_token(api).json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        lifetime = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        start = timezone.now()
        for day in range(0, lifetime.days * 2, 7):
            with time_machine.travel(start + timedelta(days=day)):
                assert api.get(ME).status_code == 200, f"day {day}"

    def test_each_sign_in_is_a_new_token_and_logging_one_out_leaves_the_other(self, api, crew_member):
        truck = get_token(api).json()["token"]
        phone = get_token(api).json()["token"]
        assert truck != phone
        api.credentials(HTTP_AUTHORIZATION=f"Token {truck}")
        assert api.post(LOGOUT).status_code == 204
        assert api.get(ME).status_code == 401
        assert api.post(LOGOUT).status_code == 401
        api.credentials(HTTP_AUTHORIZATION=f"Token {phone}")
        assert api.get(ME).json()["username"] == "collector"

    def test_logout_needs_a_token(self, api, crew_member):
        assert api.post(LOGOUT).status_code == 401

    def test_the_login_page_logout_ends_the_session_and_leaves_tokens_alone(self, api, client, crew_member):
        token = get_token(api).json()["token"]
        assert page_login(client).status_code == 302
        assert client.post("/logout/").status_code == 302
        assert "_auth_user_id" not in client.session
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get(ME).status_code == 200

    @pytest.mark.parametrize("header", ["Token \xff\xfe", "Token " + "a" * 5000, "Token a b", "Token"])
    def test_a_malformed_token_is_refused_cleanly(self, api, db, header):
        api.credentials(HTTP_AUTHORIZATION=header)
        response = api.get(ME)
        assert (response.status_code, error_code(response)) == (401, "authentication_failed")

    @pytest.mark.parametrize(
        "body",
        [{"username": "collector"}, {"username": ["a"], "password": "b"}, {"username": "a" * 151, "password": "b"}],
    )
    def test_a_malformed_sign_in_is_a_400(self, api, crew_member, body):
        response = api.post(TOKEN, body, format="json")
        assert response.status_code == 400
        assert set(response.json()["error"]) == {"code", "message", "fields"}
