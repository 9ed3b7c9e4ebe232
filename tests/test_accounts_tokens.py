"""API tokens: created on the profile page or the API, shown once, stored as a digest, revocable."""
import hashlib

import pytest

from apps.accounts.models import ApiToken
from apps.accounts.services import token_create
from tests.conftest import login, make_user


def test_creating_a_token_on_the_page_shows_the_key_once(client, lead):
    login(client, lead)
    response = client.post("/accounts/tokens/new/", {"name": "labelling script"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=lead)
    key = html.split('id="new-token-key" class="token-key" value="')[1].split('"')[0]
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert key.startswith("ap_") and len(key) > 30
    assert "will not be shown again" in html
    assert token.name == "labelling script"
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:10]
    # Never again: the profile lists the prefix only.
    later = client.get("/accounts/profile/").content.decode()
    assert key not in later
    assert f"{token.prefix}…" in later


def test_the_database_holds_only_the_digest(lead):
    token, key = token_create(user=lead, name="x")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in [str(v) for v in row.values()]
    assert row["digest"] == hashlib.sha256(key.encode()).hexdigest()


def test_token_name_too_long_is_a_field_error(client, lead):
    response = login(client, lead).post("/accounts/tokens/new/", {"name": "x" * 101})
    assert response.status_code == 400
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_create_page_needs_post_and_login(client, lead):
    assert client.post("/accounts/tokens/new/", {"name": "x"}).status_code == 302
    assert login(client, lead).get("/accounts/tokens/new/").status_code == 405


def test_profile_lists_tokens_with_state(client, lead):
    token, _ = token_create(user=lead, name="old one")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-02T00:00Z")
    token_create(user=lead, name="new one")
    html = login(client, lead).get("/accounts/profile/").content.decode()
    assert "old one" in html and "new one" in html
    assert "revoked 2026-01-02" in html
    assert html.count("Revoke</button>") == 1


def test_revoking_on_the_page(client, lead):
    token, _ = token_create(user=lead, name="x")
    response = login(client, lead).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token_on_the_page(client, lead, annotator):
    token, _ = token_create(user=lead, name="x")
    login(client, annotator).post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


# --- API


def test_api_create_returns_the_key_once_and_list_never_does(api, lead):
    api.force_authenticate(lead)
    response = api.post("/api/tokens/", {"name": "ci"}, format="json")
    body = response.json()
    assert response.status_code == 201
    assert body["name"] == "ci" and body["is_active"] is True and body["key"].startswith(body["prefix"])
    listing = api.get("/api/tokens/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["id"] == body["id"]
    assert "key" not in listing["results"][0]
    assert ApiToken.objects.get().digest == hashlib.sha256(body["key"].encode()).hexdigest()


def test_api_token_authenticates_and_records_last_use(api, lead):
    token, key = token_create(user=lead, name="x")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "lead"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api_revoke_then_token_gets_401(api, lead):
    token, key = token_create(user=lead, name="x")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(f"/api/tokens/{token.pk}/").status_code == 204
    response = api.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked token."


def test_api_revoking_twice_is_harmless(api, lead):
    token, _ = token_create(user=lead, name="x")
    api.force_authenticate(lead)
    assert api.delete(f"/api/tokens/{token.pk}/").status_code == 204
    assert api.delete(f"/api/tokens/{token.pk}/").status_code == 204


def test_api_cannot_see_or_revoke_another_users_token(api, lead, annotator):
    token, _ = token_create(user=lead, name="x")
    api.force_authenticate(annotator)
    assert api.get("/api/tokens/").json()["count"] == 0
    response = api.delete(f"/api/tokens/{token.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_wrong_key_is_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token ap_not-a-real-key")
    assert api.get("/api/me/").status_code == 401


def test_inactive_users_token_is_401(api, db):
    user = make_user("leaver")
    _, key = token_create(user=user, name="x")
    user.is_active = False
    user.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/me/").status_code == 401


@pytest.mark.parametrize("method", ["get", "post"])
def test_api_tokens_anonymous_is_401(api, db, method):
    assert getattr(api, method)("/api/tokens/").status_code == 401


def test_api_malformed_json_is_400_in_the_error_shape(api, lead):
    api.force_authenticate(lead)
    response = api.post("/api/tokens/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize(
    "body, field",
    [({"name": "x" * 101}, "name"), ({"name": "ok", "scopes": ["all"]}, "scopes")],
)
def test_api_bad_token_body_is_400_naming_the_field(api, lead, body, field):
    api.force_authenticate(lead)
    response = api.post("/api/tokens/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not ApiToken.objects.exists()


def test_api_token_name_defaults(api, lead):
    api.force_authenticate(lead)
    assert api.post("/api/tokens/", {}, format="json").json()["name"] == "API token"
