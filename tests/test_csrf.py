"""CSRF is enforced on every form and on session-authenticated API writes; token-authenticated API calls need none."""
import pytest
from django.test import Client

from apps.accounts.services import token_create
from tests.conftest import PASSWORD
from tests.test_permissions_matrix import MATRIX, World, url_for

WRITES = [(key, method) for key, route in MATRIX.items() for method in route.methods if method != "GET"]


@pytest.fixture
def world(project, users):
    return World(project, users)


@pytest.mark.parametrize("key, method", WRITES, ids=[f"{m} /{k}" for k, m in WRITES])
def test_a_write_without_the_csrf_token_is_refused(world, key, method):
    route = MATRIX[key]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["staff"])  # allowed everywhere: only the missing token can refuse it
    url = url_for(key, route, world, "staff")
    if route.api:
        response = getattr(client, method.lower())(url, data="{}", content_type="application/json")
    else:
        response = client.post(url, {})
    assert response.status_code == 403, f"{method} /{key}: {response.status_code}"
    text = response.content.decode()
    assert "CSRF" in text


def test_the_login_form_needs_the_token(db, lead):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "lead", "password": PASSWORD}).status_code == 403
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_form_with_the_token_goes_through(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["lead"])
    html = client.get("/accounts/profile/").content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post("/accounts/tokens/new/", {"name": "ok", "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "Token" in response.content.decode()


def test_every_page_with_a_post_form_embeds_the_token(world):
    client = Client()
    client.force_login(world.users["staff"])
    for key, route in MATRIX.items():
        if route.api or "GET" not in route.methods:
            continue
        response = client.get(url_for(key, route, world, "staff"))
        html = response.content.decode() if not response.streaming else ""
        forms = html.lower().count('method="post"')
        assert html.count('name="csrfmiddlewaretoken"') >= forms, f"/{key}: a POST form without the CSRF token"


def test_token_authenticated_api_needs_no_csrf(world):
    _token, key = token_create(user=world.users["lead"], name="script")
    client = Client(enforce_csrf_checks=True)
    response = client.patch("/api/projects/helpfulness/", data='{"overlap": 3}', content_type="application/json",
                            HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
