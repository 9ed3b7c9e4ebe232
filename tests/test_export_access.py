"""The export page, its download and the API: streamed attachments, leads and admins only, clear errors."""
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from export_fixtures import import_rows

from apps.accounts.services import token_create

ROWS = [
    {"id": "a", "prompt": "Name a prime.", "responses": [{"text": "7", "model": "m-a"}, {"text": "8", "model": "m-b"}],
     "labels": [{"annotator": "v1", "preference": 1}, {"annotator": "v2", "preference": 1}]},
]
TRL_LINE = '{"prompt": "Name a prime.", "chosen": "7", "rejected": "8", "margin": 1.0}\n'


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def test_page_offers_every_format_and_links_to_downloads(client, project, lead):
    client.force_login(lead)
    page = client.get(reverse("datasets:export", args=[project.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    download = reverse("datasets:export_download", args=[project.slug])
    assert f'action="{download}"' in html
    for key in ("labels", "trl", "ranking_pairs", "fastchat"):
        assert f'href="{download}?format={key}"' in html
        assert f"/api/projects/{project.slug}/exports/{key}/" in html
    for name in ("format", "gold", "margin", "conversational", "current_only", "aggregate"):
        assert f'name="{name}"' in html
    assert '<option value="dawid-skene">' in html


def test_project_pages_link_to_the_export_page(client, project, lead):
    client.force_login(lead)
    url = reverse("datasets:export", args=[project.slug])
    assert f'href="{url}"' in client.get(reverse("projects:detail", args=[project.slug])).content.decode()
    assert f'href="{url}"' in client.get(reverse("datasets:items", args=[project.slug])).content.decode()


def test_download_streams_an_attachment(client, project, lead):
    import_rows(project, ROWS)
    client.force_login(lead)
    url = reverse("datasets:export_download", args=[project.slug])
    response = client.get(url, {"format": "trl", "margin": "on", "gold": "include", "conversational": "auto"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{project.slug}-trl.jsonl"'
    assert body(response) == TRL_LINE


def test_download_with_a_bad_format_shows_the_form_again(client, project, lead):
    client.force_login(lead)
    url = reverse("datasets:export_download", args=[project.slug])
    response = client.get(url, {"format": "xml"})
    assert response.status_code == 400
    assert "Select a valid choice. xml is not one of the available choices." in response.content.decode()
    assert client.get(url).status_code == 400  # no format at all


@pytest.mark.parametrize("name", ["datasets:export", "datasets:export_download"])
def test_roles_on_export_pages(client, project, annotator, outsider, project_admin, staff, name):
    url = reverse(name, args=[project.slug]) + "?format=labels"
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(annotator)
    assert client.get(url).status_code == 403
    for user in (project_admin, staff):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_api_streams_each_format_with_query_options(api, project, lead):
    import_rows(project, ROWS)
    api.force_authenticate(lead)
    response = api.get(f"/api/projects/{project.slug}/exports/trl/", {"margin": "true"},
                       HTTP_ACCEPT="application/jsonl")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{project.slug}-trl.jsonl"'
    assert body(response) == TRL_LINE
    battles = [json.loads(line) for line in body(api.get(f"/api/projects/{project.slug}/exports/fastchat/")).splitlines()]
    assert [(b["judge"], b["model_a"], b["winner"]) for b in battles] == [("ext-v1", "m-a", "model_a"),
                                                                          ("ext-v2", "m-a", "model_a")]
    labels = body(api.get(f"/api/projects/{project.slug}/exports/labels/", {"current_only": "true"}))
    assert [json.loads(line)["annotator"] for line in labels.splitlines()] == ["ext-v1", "ext-v2"]


def test_the_aggregate_option_reaches_the_export_from_the_form_and_the_api(client, api, project, lead):
    import_rows(project, ROWS)  # no Dawid-Skene labels yet: the majority decides
    client.force_login(lead)
    url = reverse("datasets:export_download", args=[project.slug])
    response = client.get(url, {"format": "trl", "margin": "on", "aggregate": "dawid-skene"})
    assert response.status_code == 200 and body(response) == TRL_LINE
    assert client.get(url, {"format": "trl", "aggregate": "mean"}).status_code == 400
    api.force_authenticate(lead)
    response = api.get(f"/api/projects/{project.slug}/exports/trl/", {"margin": "true", "aggregate": "dawid-skene"})
    assert response.status_code == 200 and body(response) == TRL_LINE
    bad = api.get(f"/api/projects/{project.slug}/exports/trl/", {"aggregate": "mean"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Option 'aggregate' must be one of majority, dawid-skene, got 'mean'."


def test_api_with_a_personal_token(api, project, lead):
    import_rows(project, ROWS)
    _, key = token_create(user=lead, name="export script")
    response = api.get(f"/api/projects/{project.slug}/exports/trl/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and body(response).count("\n") == 1


def test_api_errors_name_the_problem(api, project, lead):
    api.force_authenticate(lead)
    unknown = api.get(f"/api/projects/{project.slug}/exports/xml/")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == (
        "Unknown export format 'xml'; the formats are labels, trl, ranking_pairs, fastchat, step_labels, "
        "trl_stepwise, prm800k.")
    bad = api.get(f"/api/projects/{project.slug}/exports/trl/", {"gold": "maybe"})
    assert bad.status_code == 400
    assert bad.json()["error"] == {
        "code": "invalid", "message": "Option 'gold' must be one of include, exclude, got 'maybe'.",
        "details": ["Option 'gold' must be one of include, exclude, got 'maybe'."],
    }


def test_roles_on_the_export_api(api, project, annotator, outsider, project_admin, staff):
    url = f"/api/projects/{project.slug}/exports/labels/"
    assert api.get(url).status_code == 401
    api.force_authenticate(outsider)
    assert api.get(url).status_code == 404
    assert api.get("/api/projects/no-such-project/exports/labels/").status_code == 404
    api.force_authenticate(annotator)
    assert api.get(url).status_code == 403
    assert api.get(f"/api/projects/{project.slug}/exports/xml/").status_code == 403  # role first, then format
    for user in (project_admin, staff):
        api.force_authenticate(user)
        assert api.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_streams_outside_a_transaction(client, project, lead):
    """As in production (autocommit): the server-side cursor outlives the view and still reads every row."""
    import_rows(project, ROWS)
    client.force_login(lead)
    response = client.get(reverse("datasets:export_download", args=[project.slug]), {"format": "labels"})
    assert [json.loads(line)["annotator"] for line in body(response).splitlines()] == ["ext-v1", "ext-v2"]


def test_export_is_documented_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/projects/{slug}/exports/{export_format}/"]["get"]
    assert list(operation["responses"]["200"]["content"]) == ["application/jsonl"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["export_format"]["schema"]["enum"] == ["fastchat", "labels", "prm800k", "ranking_pairs",
                                                                 "step_labels", "trl", "trl_stepwise"]
    assert {"gold", "margin", "conversational", "current_only", "slug"} <= set(params)
