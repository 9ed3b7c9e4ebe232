"""The import page, its report and the item browser, through the views."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.datasets.models import ImportBatch, Item

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
]


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def upload(client, project, content: bytes, name="items.jsonl", fmt=""):
    return client.post(
        reverse("datasets:import", args=[project.slug]),
        {"file": SimpleUploadedFile(name, content), "format": fmt},
    )


GOOD = [
    {"id": "a1", "prompt": "What is 2+2?", "responses": ["4", "5"]},
    {"id": "a2", "prompt": "Capital of France?", "responses": ["Paris", "Lyon"], "gold": {"preference": 1}},
]


@pytest.fixture
def lead_client(client, lead, project):
    client.force_login(lead)
    return client


def test_lead_uploads_a_file_and_reads_the_report(lead_client, project):
    response = upload(lead_client, project, jsonl(GOOD))
    batch = ImportBatch.objects.get(project=project)
    assert response.status_code == 302
    assert response.url == reverse("datasets:import_report", args=[project.slug, batch.pk])
    page = lead_client.get(response.url)
    assert page.status_code == 200
    assert "Imported: 2 new items" in page.content.decode()
    assert Item.objects.filter(project=project).count() == 2


def test_a_rejected_file_shows_each_bad_line_and_imports_nothing(lead_client, project):
    content = jsonl(GOOD[:1]) + b"\n{not json\n" + jsonl([{"id": "x", "prompt": "", "responses": ["a", "b"]}])
    response = upload(lead_client, project, content)
    page = lead_client.get(response.url).content.decode()
    assert "Rejected: nothing was imported" in page
    batch = ImportBatch.objects.get(project=project)
    assert [e["line"] for e in batch.errors] == [2, 3]
    assert "invalid JSON" in page
    assert Item.objects.filter(project=project).count() == 0


def test_the_same_file_twice_adds_nothing_the_second_time(lead_client, project):
    upload(lead_client, project, jsonl(GOOD))
    response = upload(lead_client, project, jsonl(GOOD))
    assert "0 new items, 2 already in the project" in lead_client.get(response.url).content.decode()
    assert Item.objects.filter(project=project).count() == 2


def test_upload_form_without_a_file_is_a_400_with_a_message(lead_client, project):
    response = lead_client.post(reverse("datasets:import", args=[project.slug]), {"format": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_unknown_format_choice_is_a_400(lead_client, project):
    response = upload(lead_client, project, jsonl(GOOD), fmt="parquet")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_oversized_upload_is_refused_before_reading(lead_client, project, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(lead_client, project, b"x" * 101)
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_items_page_lists_and_filters_items(lead_client, project):
    upload(lead_client, project, jsonl(GOOD))
    page = lead_client.get(reverse("datasets:items", args=[project.slug])).content.decode()
    assert "What is 2+2?" in page and "Capital of France?" in page
    gold_only = lead_client.get(reverse("datasets:items", args=[project.slug]), {"gold": "yes"}).content.decode()
    assert "Capital of France?" in gold_only and "What is 2+2?" not in gold_only
    searched = lead_client.get(reverse("datasets:items", args=[project.slug]), {"q": "France"}).content.decode()
    assert "Capital of France?" in searched and "What is 2+2?" not in searched


def test_item_page_renders_prompt_turns_responses_and_gold(lead_client, project):
    upload(lead_client, project, jsonl([{
        "id": "chat",
        "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say **hi**"}],
        "responses": [{"text": "hi `there`", "model": "m1"}, {"text": "hello", "model": "m2"}],
        "gold": {"preference": -1},
    }]))
    item = Item.objects.get(project=project, external_id="chat")
    page = lead_client.get(reverse("datasets:item", args=[project.slug, item.pk])).content.decode()
    assert "Be brief." in page and "<strong>hi</strong>" in page
    assert "<code>there</code>" in page and "m1" in page and "m2" in page
    assert "gold" in page


def test_response_and_prompt_markup_is_shown_inert(lead_client, project):
    rows = [{"id": f"x{i}", "prompt": f"Prompt {payload}", "responses": [f"A {payload}", f"B {payload} ok"]}
            for i, payload in enumerate(XSS)]
    upload(lead_client, project, jsonl(rows))
    listing = lead_client.get(reverse("datasets:items", args=[project.slug])).content.decode()
    pages = [listing] + [
        lead_client.get(reverse("datasets:item", args=[project.slug, item.pk])).content.decode()
        for item in Item.objects.filter(project=project)
    ]
    for page in pages:
        assert "<script>alert(1)" not in page
        assert "<img src=x onerror" not in page
        assert "<svg onload" not in page
        assert '<a href="javascript:' not in page and "href='javascript:" not in page


@pytest.mark.parametrize("name", ["datasets:import", "datasets:items"])
def test_roles_on_project_data_pages(client, project, annotator, outsider, project_admin, staff, name):
    url = reverse(name, args=[project.slug])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(annotator)
    assert client.get(url).status_code == 403
    for user in (project_admin, staff):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_item_and_report_of_another_project_are_404(lead_client, project, outsider):
    from apps.projects.services import project_create
    from apps.datasets.services import import_file

    other = project_create(user=outsider, name="Elsewhere")
    batch = import_file(project=other, user=outsider, data=jsonl(GOOD), filename="f.jsonl", fmt="native")
    item = Item.objects.filter(project=other).first()
    assert lead_client.get(reverse("datasets:item", args=[other.slug, item.pk])).status_code == 404
    assert lead_client.get(reverse("datasets:item", args=[project.slug, item.pk])).status_code == 404
    assert lead_client.get(reverse("datasets:import_report", args=[project.slug, batch.pk])).status_code == 404
    assert lead_client.post(
        reverse("datasets:import", args=[other.slug]), {"file": SimpleUploadedFile("f.jsonl", jsonl(GOOD))}
    ).status_code == 404
