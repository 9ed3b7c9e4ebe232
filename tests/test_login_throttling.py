"""Failed logins are limited per username and client address; the page says why and when to retry."""
import pytest
from django.test import override_settings

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def attempt(client, username, password, address="198.51.100.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_after_five_failures_even_the_right_password_is_refused(client, lead):
    for _ in range(5):
        assert attempt(client, "lead", "wrong").status_code == 200
    response = attempt(client, "lead", PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed login attempts. Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address(client, lead):
    for _ in range(5):
        attempt(client, "lead", "wrong", address="198.51.100.1")
    assert attempt(client, "lead", PASSWORD, address="198.51.100.2").status_code == 302


def test_lockout_is_per_username_and_ignores_case(client, lead, annotator):
    for _ in range(5):
        attempt(client, "LEAD", "wrong")
    assert attempt(client, "lead", PASSWORD).status_code == 429
    assert attempt(client, "annotator", PASSWORD).status_code == 302


def test_a_success_clears_the_count(client, lead):
    for _ in range(4):
        attempt(client, "lead", "wrong")
    assert attempt(client, "lead", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "lead", "wrong")
    assert attempt(client, "lead", PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_alike(client, db):
    for _ in range(5):
        attempt(client, "nobody", "x")
    assert attempt(client, "nobody", "x").status_code == 429


@override_settings(LOGIN_FAILURES_PER_ADDRESS=8)
def test_one_address_spraying_many_usernames_is_stopped(client, lead):
    for i in range(8):
        attempt(client, f"user{i}", "x")
    assert attempt(client, "lead", PASSWORD).status_code == 429
    assert attempt(client, "lead", PASSWORD, address="198.51.100.9").status_code == 302


@override_settings(LOGIN_THROTTLE_SECONDS=60)
def test_the_window_ends(client, lead, monkeypatch):
    import time

    for _ in range(5):
        attempt(client, "lead", "wrong")
    assert "Try again in 1 minute," in attempt(client, "lead", PASSWORD).content.decode()
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert attempt(client, "lead", PASSWORD).status_code == 302


@pytest.mark.parametrize("field", ["username", "password"])
def test_empty_fields_do_not_count_as_failures(client, lead, field):
    for _ in range(6):
        client.post(LOGIN, {"username": "lead", "password": "wrong", field: ""}, REMOTE_ADDR="198.51.100.1")
    assert attempt(client, "lead", PASSWORD).status_code == 302


def test_an_unreachable_cache_fails_open_with_a_warning(client, lead, caplog):
    """Redis down (CACHE_URL points at a port nobody listens on): logins still work, nothing is counted."""
    import socket

    with socket.socket() as probe:  # a free port: nothing answers there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    with override_settings(CACHES=down), caplog.at_level("WARNING", logger="apps.accounts.throttling"):
        for _ in range(6):
            assert attempt(client, "lead", "wrong").status_code == 200
        assert attempt(client, "lead", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session
    assert any("cache is unavailable" in record.getMessage() for record in caplog.records)
