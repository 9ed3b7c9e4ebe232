"""Django admin: every model of accounts, projects, datasets and labeling is registered and opens."""
import hashlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import token_create
from apps.datasets.models import ImportBatch, Item, ItemResponse, Prompt, Response
from apps.labeling.models import Assignment, Label
from tests.conftest import login

APPS = ("accounts", "projects", "datasets", "labeling")
MODELS = [m for label in APPS for m in apps.get_app_config(label).get_models()]


@pytest.fixture
def data(project, lead, annotator):
    token_create(user=lead, name="script")
    batch = ImportBatch.objects.create(project=project, filename="a.jsonl", file_sha256="0" * 64, status="accepted")
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "2+2?"}], content_hash="p")
    first = Response.objects.create(project=project, prompt=prompt, text="4", model_name="m1", content_hash="r1")
    second = Response.objects.create(project=project, prompt=prompt, text="5", model_name="m2", content_hash="r2")
    item = Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash="i", external_id="ex-1",
                               import_batch=batch)
    ItemResponse.objects.create(item=item, response=first, position=0)
    ItemResponse.objects.create(item=item, response=second, position=1)
    assignment = Assignment.objects.create(
        project=project, item=item, annotator=annotator, shown_order=[1, 0], expires_at=timezone.now()
    )
    Label.objects.create(item=item, annotator=annotator, preference=1, rubric_version=project.rubric_versions.get(),
                         assignment=assignment, shown_order=[1, 0])


def test_every_model_is_registered():
    assert MODELS
    assert [m.__name__ for m in MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_search_add_and_change_open(client, staff, data, model):
    login(client, staff)
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    changelist = client.get(base)
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert client.get(base, {"q": "a"}).status_code == 200
    assert client.get(base + "add/").status_code == 200
    obj = model.objects.first()
    assert client.get(f"{base}{obj.pk}/change/").status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_admin_has_list_display_search_and_filters(model):
    model_admin = admin.site._registry[model]
    assert model_admin.list_display != ("__str__",)
    assert model_admin.search_fields
    assert model_admin.list_filter


def test_api_token_digest_is_read_only(client, staff, data):
    token = ApiToken.objects.get()
    html = login(client, staff).get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert 'name="digest"' not in html
    assert token.digest in html


def test_adding_a_token_in_the_admin_shows_the_key_once_and_stores_the_digest(client, staff, lead):
    response = login(client, staff).post("/admin/accounts/apitoken/add/", {"user": lead.pk, "name": "from admin"})
    html = response.content.decode()
    token = ApiToken.objects.get(name="from admin")
    key = html.split('id="new-token-key" value="')[1].split('"')[0]
    assert response.status_code == 200
    assert (token.user, token.prefix) == (lead, key[:10])
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert not [e for e in LogEntry.objects.all() if key in (e.change_message + e.object_repr)]


def test_user_admin_filters_external_users(client, staff, data):
    response = login(client, staff).get("/admin/accounts/user/", {"is_external__exact": "1"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_non_staff_cannot_open_the_admin(client, lead):
    assert login(client, lead).get("/admin/projects/project/").status_code == 302
