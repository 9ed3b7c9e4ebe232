"""schemathesis against the live OpenAPI schema (/api/schema/): every operation, as an annotator, a lead and a
project admin finds no 5xx and no response that breaks the schema.

The schema is loaded through the WSGI app (no server), inside the test's database transaction. Path ``slug``
parameters point at the fixture project, so calls reach the views instead of stopping at a 404. Examples are
few and derandomized to keep it fast and repeatable; raise ``MAX_EXAMPLES`` locally to dig deeper.
"""
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.services import token_create
from apps.datasets.services import import_native_rows

MAX_EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("annotator", "lead", "padmin")


@pytest.fixture
def contract_world(settings, project, users):
    """Tokens by role over a project with labelled items; the WSGI app kept on the test's DB connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.ALLOWED_HOSTS = ["*"]
    # As Django's test client does: the WSGI handler would close the connection, and the test transaction, after
    # each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    rows = [{"id": f"c{i}", "prompt": f"Q{i}", "responses": [f"a{i}", f"b{i}"],
             "labels": [{"annotator": "ext-rater", "preference": 1}]} for i in range(4)]
    import_native_rows(project=project, user=users["lead"], rows=rows)
    yield {role: token_create(user=users[role], name="contract")[1] for role in ROLES}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load_schema():
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    from schemathesis.config import SchemathesisConfig

    # Generated examples only (the exhaustive coverage phase takes minutes on this API).
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
    with override_settings(ALLOWED_HOSTS=["*"]):  # the WSGI test client calls itself "localhost"
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=config)


schema = _load_schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, contract_world, project):
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = project.slug
    for role in ROLES:
        response = case.call(headers={"Authorization": f"Token {contract_world[role]}"})
        case.validate_response(response, checks=CHECKS)


def test_the_schema_lists_every_api_route(contract_world, client):
    """Every /api/ route of the URL resolver is an operation of the schema (the docs pages aside)."""
    from tests.test_permissions_matrix import resolver_routes

    paths = set(json.loads(client.get("/api/schema/?format=json").content)["paths"])
    documented = {p.replace("{", "<").replace("}", ">") for p in paths}
    api_routes = {"/" + r for r in resolver_routes() if r.startswith("api/") and r not in ("api/schema/", "api/docs/")}
    import re

    plain = {re.sub(r"<(?:\w+:)?\w+>", "<p>", r) for r in api_routes}
    documented = {re.sub(r"<\w+>", "<p>", p) for p in documented}
    assert plain <= documented, sorted(plain - documented)
