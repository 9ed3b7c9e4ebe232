"""Oversized and malformed uploads and request bodies get a clear 4xx and change nothing."""
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from apps.datasets.models import ImportBatch, Item
from apps.labeling.models import Label
from tests.conftest import login

GOOD = b'{"id": "a", "prompt": "Q", "responses": ["x", "y"]}\n'


def items(project):
    return Item.objects.filter(project=project).count()


def upload_page(client, content, name="rows.jsonl"):
    return client.post("/projects/helpfulness/import/", {"file": SimpleUploadedFile(name, content), "format": ""})


def upload_api(api, content, name="rows.jsonl"):
    return api.post("/api/projects/helpfulness/imports/", {"file": SimpleUploadedFile(name, content)},
                    format="multipart")


@override_settings(IMPORT_MAX_BYTES=2000)
def test_oversized_file_on_the_page_is_refused_with_the_limit(client, project, lead):
    response = upload_page(login(client, lead), GOOD * 100)
    assert response.status_code == 400
    assert "the limit is 2.0\xa0KB" in response.content.decode()
    assert items(project) == 0 and not ImportBatch.objects.exists()


@override_settings(IMPORT_MAX_BYTES=2000)
def test_oversized_file_on_the_api_is_a_400_in_the_error_shape(api, project, lead):
    api.force_authenticate(lead)
    response = upload_api(api, GOOD * 100)
    assert response.status_code == 400
    assert "limit is 2.0\xa0KB" in response.json()["error"]["message"]
    assert items(project) == 0


@pytest.mark.parametrize("content, reason", [
    (os.urandom(4096).replace(b"\n", b"") + b"\x00\xff", "UTF-8"),
    ("é".join(["x"] * 50).encode("latin-1"), "UTF-8"),
    ('{"id": "a", "prompt": "Q", "responses": ["x", "y"]}'.encode("utf-16"), ""),
    (b"", "empty"),
    (b'{"id": "a", "prompt": "Q", "responses": ["x", "y"]' * 3, ""),
    (b"[1, 2, 3]\n", ""),
    (b'{"id": "a", "prompt": "Q", "responses": ["x", "y"], "priority": 1e999}\n', ""),
])
def test_garbage_files_are_rejected_whole(api, project, lead, content, reason):
    api.force_authenticate(lead)
    response = upload_api(api, content)
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] in ("import_rejected", "invalid")
    text = json.dumps(error)
    assert reason in text
    assert items(project) == 0


def test_garbage_on_the_page_shows_the_report_not_an_error_page(client, project, lead):
    response = upload_page(login(client, lead), b"\x89PNG\r\n\x1a\n" + os.urandom(2000), name="photo.png")
    assert response.status_code == 302
    report = client.get(response["Location"])
    assert report.status_code == 200 and "rejected" in report.content.decode().lower()
    assert items(project) == 0


@pytest.mark.parametrize("body", [b"{", b"not json", b"\xff\xfe\x00", b"[]", b"42", b'"text"', b"null",
                                  b'{"preference": "' + b"9" * 5000 + b'"}'])
def test_malformed_json_bodies_are_400_in_the_error_shape(api, project, annotator, body):
    api.force_authenticate(annotator)
    assignment = api.post("/api/projects/helpfulness/assignments/next/")
    url = "/api/projects/helpfulness/assignments/999/submit/"
    if assignment.status_code == 200:
        url = f"/api/projects/helpfulness/assignments/{assignment.json()['id']}/submit/"
    response = api.post(url, data=body, content_type="application/json")
    assert response.status_code in (400, 404), response.content[:300]
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert not Label.objects.exists()


@pytest.mark.parametrize("url, method", [
    ("/api/projects/", "post"), ("/api/projects/helpfulness/", "patch"), ("/api/projects/helpfulness/rubric/", "put"),
    ("/api/projects/helpfulness/members/", "post"), ("/api/tokens/", "post"),
])
def test_malformed_json_on_every_kind_of_write(api, project, lead, url, method):
    api.force_authenticate(lead)
    response = getattr(api, method)(url, data=b'{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_wrong_content_type_is_415(api, project, lead):
    api.force_authenticate(lead)
    response = api.patch("/api/projects/helpfulness/", data=b"overlap=3", content_type="text/plain")
    assert response.status_code == 415
    assert "error" in response.json()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_json_body_is_refused_before_it_is_parsed(api, project, lead):
    api.force_authenticate(lead)
    body = json.dumps({"description": "x" * 5000}).encode()
    response = api.patch("/api/projects/helpfulness/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    project.refresh_from_db()
    assert project.description == ""


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_form_post_is_refused(client, project, lead):
    response = login(client, lead).post("/projects/helpfulness/edit/", {"name": "x" * 5000})
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.name == "Helpfulness"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=50)
def test_a_form_with_too_many_fields_is_refused(client, project, lead):
    data = {f"f{i}": "x" for i in range(200)}
    response = login(client, lead).post("/projects/helpfulness/rubric/", data)
    assert response.status_code == 400


def test_a_text_field_over_its_length_is_a_field_error(api, project, lead):
    api.force_authenticate(lead)
    response = api.patch("/api/projects/helpfulness/", {"name": "n" * 10_000}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["error"]["details"]


def test_a_nul_byte_in_text_is_refused_not_a_500(api, project, lead):
    api.force_authenticate(lead)
    response = api.patch("/api/projects/helpfulness/", {"description": "a\x00b"}, format="json")
    assert response.status_code == 400
