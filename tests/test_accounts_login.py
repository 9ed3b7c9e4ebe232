"""Login and logout pages."""
import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, make_user

LOGIN = "/accounts/login/"


@pytest.mark.django_db
def test_login_page_renders_a_styled_form_with_csrf(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("accounts:login") == LOGIN
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "<h1>Log in</h1>" in html
    assert "/admin/" not in html


def test_good_credentials_log_in_and_go_to_the_project_list(client, lead):
    response = client.post(LOGIN, {"username": "lead", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").wsgi_request.user == lead


def test_login_honours_a_local_next(client, lead):
    response = client.post(LOGIN, {"username": "lead", "password": PASSWORD, "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"


def test_login_ignores_a_foreign_next(client, lead):
    response = client.post(LOGIN, {"username": "lead", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_bad_password_shows_a_clear_error_and_does_not_log_in(client, lead):
    response = client.post(LOGIN, {"username": "lead", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Wrong username or password" in html
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_error(client, db):
    response = client.post(LOGIN, {"username": "nobody", "password": "x"})
    assert "Wrong username or password" in response.content.decode()


def test_empty_form_shows_field_errors(client, db):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.content.decode().count("This field is required.") == 2


def test_inactive_user_cannot_log_in(client, db):
    make_user("gone", is_active=False)
    response = client.post(LOGIN, {"username": "gone", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_external_user_cannot_log_in_even_if_active_with_a_password(client, db):
    make_user("ext-rater", is_external=True, is_active=True)
    response = client.post(LOGIN, {"username": "ext-rater", "password": PASSWORD})
    assert response.status_code == 200
    assert "imported annotator and cannot log in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logged_in_user_visiting_login_is_sent_on(client, lead):
    client.force_login(lead)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_is_post_only_and_returns_to_login(client, lead):
    client.force_login(lead)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_base_page_has_the_logout_form_for_a_logged_in_user(client, lead):
    client.force_login(lead)
    html = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html


@pytest.mark.parametrize("path", ["/", "/accounts/profile/", "/projects/new/"])
def test_anonymous_pages_redirect_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"
