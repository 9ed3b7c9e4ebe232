"""The imports and items API: upload, reports, item content, roles."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.services import token_create
from apps.datasets.models import ImportBatch, Item

ROWS = [
    {"id": "p1", "prompt": "Name a prime.", "responses": [{"text": "7", "model": "m-a"}, {"text": "8", "model": "m-b"}],
     "labels": [{"annotator": "vendor", "preference": 1, "scores": {"accuracy": [5, 3]}}]},
    {"id": "p2", "prompt": "Name an even number.", "responses": ["2", "3"], "gold": {"preference": 1}},
]


def body(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def post_file(api, project, content, name="rows.jsonl", **extra):
    return api.post(
        f"/api/projects/{project.slug}/imports/",
        {"file": SimpleUploadedFile(name, content), **extra}, format="multipart",
    )


@pytest.fixture
def lead_api(api, lead):
    _, key = token_create(user=lead, name="script")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_upload_with_a_token_returns_the_report(lead_api, project):
    response = post_file(lead_api, project, body(ROWS), format="native")
    assert response.status_code == 201, response.json()
    report = response.json()
    assert (report["status"], report["items_created"], report["labels_created"]) == ("accepted", 2, 1)
    assert report["format"] == "native" and report["uploaded_by"] == "lead"
    listed = lead_api.get(f"/api/projects/{project.slug}/imports/").json()
    assert [b["id"] for b in listed["results"]] == [report["id"]]
    assert lead_api.get(f"/api/projects/{project.slug}/imports/{report['id']}/").json()["rows_read"] == 2


def test_rejected_file_is_a_400_in_the_error_shape_with_the_line_report(lead_api, project):
    content = body(ROWS) + b'\n{"id": "p3", "prompt": "x"}'
    response = post_file(lead_api, project, content)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert error["details"]["import"]["errors"][0]["line"] == 3
    assert "responses" in error["details"]["import"]["errors"][0]["reason"]
    assert Item.objects.filter(project=project).count() == 0


def test_imports_list_filters_by_status(lead_api, project):
    accepted = post_file(lead_api, project, body(ROWS), format="native").json()["id"]
    rejected = post_file(lead_api, project, b'{"id": "p3", "prompt": "x"}').json()["error"]["details"]["import"]["id"]
    imports = f"/api/projects/{project.slug}/imports/"

    def ids(**query):
        response = lead_api.get(imports, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [rejected, accepted]
    assert ids(status="accepted") == [accepted]
    assert ids(status="rejected") == [rejected]
    for bad in ("done", "ACCEPTED", "\x00"):
        response = lead_api.get(imports, {"status": bad})
        assert response.status_code == 400
        error = response.json()["error"]
        assert set(error) == {"code", "message", "details"} and "status" in error["details"]


def test_missing_file_and_bad_format_are_400s(lead_api, project):
    no_file = lead_api.post(f"/api/projects/{project.slug}/imports/", {}, format="multipart")
    assert no_file.status_code == 400 and no_file.json()["error"]["details"]["file"]
    bad_format = post_file(lead_api, project, body(ROWS), format="xml")
    assert bad_format.status_code == 400 and "format" in bad_format.json()["error"]["details"]
    json_body = lead_api.post(f"/api/projects/{project.slug}/imports/", {"file": "x"}, format="json")
    assert json_body.status_code == 415
    assert not ImportBatch.objects.exists()


def test_items_api_gives_content_gold_and_labels(lead_api, project):
    post_file(lead_api, project, body(ROWS))
    items = lead_api.get(f"/api/projects/{project.slug}/items/").json()
    assert items["count"] == 2
    first = next(i for i in items["results"] if i["external_id"] == "p1")
    assert first["prompt"] == [{"role": "user", "content": "Name a prime."}]
    assert [(r["position"], r["text"], r["model"]) for r in first["responses"]] == [(0, "7", "m-a"), (1, "8", "m-b")]
    gold = lead_api.get(f"/api/projects/{project.slug}/items/", {"gold": "yes"}).json()["results"]
    assert [(i["external_id"], i["gold_answer"]) for i in gold] == [("p2", {"preference": 1})]
    labels = lead_api.get(f"/api/projects/{project.slug}/items/{first['id']}/labels/").json()["results"]
    assert [(lab["annotator"], lab["preference"], lab["scores"], lab["source"]) for lab in labels] == [
        ("ext-vendor", 1, {"accuracy": [5, 3]}, "import")
    ]
    assert labels[0]["rubric_version"] == 1


@pytest.mark.parametrize("path", ["imports/", "items/"])
def test_roles_on_data_endpoints(api, project, annotator, outsider, project_admin, staff, path):
    url = f"/api/projects/{project.slug}/{path}"
    assert api.get(url).status_code in (401, 403)
    api.force_authenticate(outsider)
    assert api.get(url).status_code == 404
    api.force_authenticate(annotator)
    assert api.get(url).status_code == 403
    for user in (project_admin, staff):
        api.force_authenticate(user)
        assert api.get(url).status_code == 200


def test_annotator_cannot_upload_and_outsider_cannot_learn_the_project_exists(api, project, annotator, outsider):
    api.force_authenticate(annotator)
    assert post_file(api, project, body(ROWS)).status_code == 403
    api.force_authenticate(outsider)
    assert post_file(api, project, body(ROWS)).status_code == 404
    assert api.get("/api/projects/no-such-project/items/").status_code == 404
    assert not ImportBatch.objects.exists()
