"""schemathesis against the live OpenAPI schema (/api/schema/): every operation, as an annotator, a lead, a project
admin and site staff, finds no 5xx and no response that breaks the schema.

The schema is loaded through the WSGI app (no server), inside the test's database transaction. The world is one
project with everything the operations act on: items with labels and disagreements, a gold item, an import, an
adjudication, per role a submitted (and edited) label, an open assignment and a spare token, two model versions
(one active and scored, one promotable), a finished training run with a log. Every path parameter is pinned to
one of those objects (``PINS``; a new path parameter without a pin fails ``test_every_path_parameter_is_pinned``),
so a generated call reaches its real handler (submit, skip, edit, adjudicate, promote, cancel, …) instead of
stopping at a 404; integer ``item`` / ``version`` filters and ``page`` are pinned the same way so lists come back
non-empty, and generated label bodies get scores that fit the rubric (``BODY_PINS``), so the rest of the generated
body, not a missing dimension, decides the answer.
Each call runs in a savepoint rolled back afterwards, so every call and role starts from the same world.

Two phases per operation: schemathesis's coverage phase (positive cases: each field's boundaries, enums,
optional fields left out; JSON bodies only where an operation also takes the same fields as a form, the form and
multipart twins being DRF's own parsers) and a few derandomized generated examples, positive and negative, in
every media type. ``test_valid_calls_conform`` then sends one known-valid call per write operation (bodies that fit
this project's rubric, which generated data rarely does), so success bodies (201s, edited labels, promoted
versions) are checked against the schema too. Set ``CONTRACT_EXAMPLES`` / ``CONTRACT_COVERAGE=all`` to dig deeper.
"""
import json
import os
import re

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from rewardmodels_helpers import make_version
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.services import token_create
from apps.datasets.models import Item, ItemResponse
from apps.datasets.services import import_native_rows
from apps.labeling.judgements import Judgement
from apps.labeling.services import edit_label, next_assignment, submit_label
from apps.projects.services import current_rubric
from apps.quality.adjudication import adjudicate
from apps.rewardmodels import services as models
from apps.rewardmodels.models import RunStatus, TrainingRun
from tests.conftest import make_user

MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "4"))
COVERAGE_MODE = os.environ.get("CONTRACT_COVERAGE", "positive")  # "all" adds the negative coverage cases
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("annotator", "lead", "padmin", "staff")
RANK = {"annotator": 1, "lead": 2, "padmin": 3, "staff": 3}
LEVEL = {"user": 0, "member": 1, "lead": 2, "admin": 3}


class ContractWorld:
    """The objects the pinned path parameters point at (see the module docstring)."""

    def __init__(self, project, users):
        self.project, self.users = project, users
        rows = [{"id": f"c{i}", "prompt": f"Question {i}?", "responses": [f"first answer {i}", f"second answer {i}"]}
                for i in range(10)]
        rows[0]["labels"] = [{"annotator": "ext-a", "preference": 1, "rationale": "A is right"},
                             {"annotator": "ext-b", "preference": -1, "rationale": "B is right"}]
        rows[1]["labels"] = [{"annotator": "ext-a", "preference": 1}, {"annotator": "ext-b", "preference": 1}]
        rows.append({"id": "g", "prompt": "Gold?", "responses": ["right", "wrong"], "gold": {"preference": 1}})
        self.batch = import_native_rows(project=project, user=users["lead"], rows=rows)
        assert self.batch.status == "accepted", self.batch.errors
        self.item = Item.objects.get(project=project, external_id="c0")  # labelled, disputed, adjudicated
        rubric = current_rubric(project)
        self.scores = {d.key: [3, 4] for d in rubric.dimensions.all()}
        self.adjudication = adjudicate(project=project, user=users["lead"], item_id=self.item.pk,
                                       judgement=Judgement(preference=1, scores=self.scores), note="A holds up")
        self.labels, self.assignments, self.tokens, self.spare_tokens = {}, {}, {}, {}
        for role in ROLES:
            user = users[role]
            assignment = next_assignment(project=project, user=user)
            label = submit_label(project=project, user=user, assignment_id=assignment.pk,
                                 judgement=Judgement(preference=1, scores=self.scores, rationale="first"),
                                 rubric_version_id=rubric.pk)
            self.labels[role] = edit_label(project=project, user=user, label_id=label.pk, rubric_version_id=rubric.pk,
                                           judgement=Judgement(preference=-1, scores=self.scores, rationale="edited"))
            self.assignments[role] = next_assignment(project=project, user=user)
            assert self.assignments[role] is not None
            self.tokens[role] = token_create(user=user, name="contract")[1]
            self.spare_tokens[role] = token_create(user=user, name="spare")[0]
        self.newcomer = make_user("newcomer")  # no role yet: members can be added
        # Two model versions: v1 promoted first, v2 active and scored; a rollback and a promotion of v1 both work.
        store = django_settings.MODEL_STORE
        self.earlier = make_version(project, store=store, number_hint="a")
        models.version_promote(self.earlier)
        self.active = make_version(project, store=store, number_hint="b",
                                   metrics={"pairwise_accuracy": 0.75, "ece": 0.05, "n_heldout": 4})
        TrainingRun.objects.filter(pk=self.active.run_id).update(log="epoch 1 loss 0.69\nepoch 2 loss 0.52\n")
        models.version_promote(self.active)
        response_ids = ItemResponse.objects.filter(item__project=project).values_list("response_id", flat=True)
        models.scores_replace(self.active, [{"response_id": rid, "reward": (rid % 7) / 3.0, "std": 0.1}
                                            for rid in response_ids])
        models.rescore_apply(self.active)
        self.run = self.active.run

    def live_run(self) -> int:
        """A queued run to cancel, made inside the call's savepoint (a live run would make starting one a 400)."""
        return TrainingRun.objects.create(project=self.project, kind="outcome", status=RunStatus.QUEUED).pk


# Path (as in the schema) → parameter → what fills it, for the calling role. ``slug`` is the project everywhere.
PINS = {
    "/api/tokens/{token_id}/": {"token_id": lambda w, role: w.spare_tokens[role].pk},
    "/api/projects/{slug}/members/{username}/": {"username": lambda w, role: "annotator"},
    "/api/projects/{slug}/rubric/versions/{number}/": {"number": lambda w, role: 1},
    "/api/projects/{slug}/imports/{id}/": {"id": lambda w, role: w.batch.pk},
    "/api/projects/{slug}/items/{id}/": {"id": lambda w, role: w.item.pk},
    "/api/projects/{slug}/items/{id}/labels/": {"id": lambda w, role: w.item.pk},
    "/api/projects/{slug}/assignments/{id}/submit/": {"id": lambda w, role: w.assignments[role].pk},
    "/api/projects/{slug}/assignments/{id}/skip/": {"id": lambda w, role: w.assignments[role].pk},
    "/api/projects/{slug}/labels/mine/{id}/": {"id": lambda w, role: w.labels[role].pk},
    "/api/projects/{slug}/adjudications/{id}/": {"id": lambda w, role: w.adjudication.pk},
    "/api/projects/{slug}/models/runs/{run_id}/": {"run_id": lambda w, role: w.run.pk},
    "/api/projects/{slug}/models/runs/{run_id}/cancel/": {"run_id": lambda w, role: w.live_run()},
    "/api/projects/{slug}/models/versions/{number}/": {"number": lambda w, role: w.active.number},
    "/api/projects/{slug}/models/versions/{number}/promote/": {"number": lambda w, role: w.earlier.number},
    "/api/projects/{slug}/models/versions/{number}/scores/": {"number": lambda w, role: w.active.number},
}
# Integer query filters pinned to real objects (when the generated value is an integer at all), and page 1.
QUERY_PINS = {"item": lambda w: w.item.pk, "version": lambda w: w.active.number, "page": lambda w: 1}
# Body fields pinned when generated with the right type: the item adjudicated, rubric scores that fit this project's
# rubric (generated ones never do), so the rest of the generated body decides what the service says.
BODY_PINS = {
    "/api/projects/{slug}/adjudications/": {"item": (int, lambda w: w.item.pk), "scores": (dict, lambda w: w.scores)},
    "/api/projects/{slug}/assignments/{id}/submit/": {"scores": (dict, lambda w: w.scores)},
    "/api/projects/{slug}/labels/mine/{id}/": {"scores": (dict, lambda w: w.scores)},
}
ENUM_PATH_PARAMETERS = {"export_format"}  # the schema lists every value: generated ones are all real


def pinned_path(case, world, role) -> dict:
    params = dict(case.path_parameters or {})
    if "{slug}" in case.operation.path:
        params["slug"] = world.project.slug
    for name, value in PINS.get(case.operation.path, {}).items():
        params[name] = value(world, role)
    return params


def pinned_query(case, world) -> dict | None:
    if not case.query:
        return case.query
    query = dict(case.query)
    for name, value in QUERY_PINS.items():
        given = query.get(name)
        # The coverage phase sends query values as the strings that go on the wire.
        if (isinstance(given, int) and not isinstance(given, bool)) or (isinstance(given, str) and given.isdigit()):
            query[name] = value(world)
    return query


def pinned_body(case, world):
    pins = BODY_PINS.get(case.operation.path)
    if not pins or not isinstance(case.body, dict):
        return case.body
    body = dict(case.body)
    for name, (kind, value) in pins.items():
        if isinstance(body.get(name), kind) and not isinstance(body[name], bool):
            body[name] = value(world)
    return body


def is_coverage(case) -> bool:
    return case.meta is not None and case.meta.phase.name == "coverage"


def json_twin(case) -> bool:
    """A form or multipart body of an operation that takes the same fields as JSON: the coverage phase's
    boundary cases repeat each field once per media type, and the parsers are DRF's own."""
    media_types = case.operation.get_request_payload_content_types()
    return case.media_type not in (None, "application/json") and "application/json" in media_types


def call_as(case, world, role):
    """The case as ``role``, pinned, in a savepoint rolled back afterwards (the body is read inside it)."""
    generated = case.path_parameters, case.query, case.body
    with transaction.atomic():
        case.path_parameters = pinned_path(case, world, role)
        case.query = pinned_query(case, world)
        case.body = pinned_body(case, world)
        try:
            response = case.call(headers={"Authorization": f"Token {world.tokens[role]}"})
            case.validate_response(response, checks=CHECKS)
        finally:
            case.path_parameters, case.query, case.body = generated
            transaction.set_rollback(True)
    return response


@pytest.fixture
def contract_world(settings, project, users):
    """The world, with the WSGI app kept on the test's DB connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.ALLOWED_HOSTS = ["*"]
    # As Django's test client does: the WSGI handler would close the connection, and the test transaction, after
    # each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield ContractWorld(project, users)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load_schema():
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"generation": {"mode": COVERAGE_MODE}}}})
    with override_settings(ALLOWED_HOSTS=["*"]):  # the WSGI test client calls itself "localhost"
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=config)


schema = _load_schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, contract_world):
    if is_coverage(case) and json_twin(case):
        return
    for role in ROLES:
        call_as(case, contract_world, role)


def test_every_path_parameter_is_pinned():
    """A new path parameter needs a pin in PINS, or its calls would mostly test the 404 path."""
    unpinned = []
    for path in schema.raw_schema["paths"]:
        for name in re.findall(r"{(\w+)}", path):
            if name != "slug" and name not in ENUM_PATH_PARAMETERS and name not in PINS.get(path, {}):
                unpinned.append(f"{path} {{{name}}}")
    assert not unpinned, unpinned


# --- one valid call per write operation (and a few filtered reads), checked the same way ---------------------

def _valid_calls(world):
    """(who may, method, path, path parameters beyond the pins, query, body): bodies that fit the fixture
    project's rubric and objects."""
    scores = world.scores
    judgement = {"preference": 1, "scores": scores, "rationale": "clear", "flags": [], "active_ms": 1200}
    dimensions = [{"key": "accuracy", "name": "Accuracy", "scale_min": 1, "scale_max": 5,
                   "anchors": {"1": "wrong", "5": "right"}}]
    exports = "/api/projects/{slug}/exports/{export_format}/"
    return [
        ("user", "post", "/api/tokens/", {}, None, {"name": "ci"}),
        ("user", "delete", "/api/tokens/{token_id}/", {}, None, None),
        ("lead", "post", "/api/projects/", {}, None, {"name": "Another one", "overlap": 3}),  # creators only
        ("lead", "patch", "/api/projects/{slug}/", {}, None, {"description": "Now with *more* items", "overlap": 3}),
        ("admin", "delete", "/api/projects/{slug}/", {}, None, None),
        ("lead", "put", "/api/projects/{slug}/rubric/", {}, None,
         {"guidelines": "Prefer the accurate one.", "dimensions": dimensions, "note": "one dimension"}),
        ("lead", "post", "/api/projects/{slug}/members/", {}, None, {"username": "newcomer", "role": "annotator"}),
        ("lead", "patch", "/api/projects/{slug}/members/{username}/", {}, None, {"role": "lead"}),
        ("lead", "delete", "/api/projects/{slug}/members/{username}/", {}, None, None),
        ("member", "post", "/api/projects/{slug}/assignments/next/", {}, None, None),
        ("member", "post", "/api/projects/{slug}/assignments/{id}/submit/", {}, None, judgement),
        ("member", "post", "/api/projects/{slug}/assignments/{id}/skip/", {}, None, {"reason": "unclear"}),
        ("member", "get", "/api/projects/{slug}/labels/mine/{id}/", {}, None, None),
        ("member", "put", "/api/projects/{slug}/labels/mine/{id}/", {}, None, judgement),
        ("member", "patch", "/api/projects/{slug}/labels/mine/{id}/", {}, None, {"rationale": "on reflection"}),
        ("lead", "get", "/api/projects/{slug}/assignments/", {}, {"status": "live"}, None),
        ("lead", "get", "/api/projects/{slug}/labels/", {}, {"versions": "all", "annotator": "annotator"}, None),
        ("lead", "get", "/api/projects/{slug}/items/", {}, {"kind": "pair", "gold": "no", "q": "Question"}, None),
        ("lead", "get", "/api/projects/{slug}/items/{id}/labels/", {}, None, None),
        ("lead", "get", "/api/projects/{slug}/adjudications/", {}, {"item": world.item.pk, "current": True}, None),
        ("lead", "post", "/api/projects/{slug}/adjudications/", {}, None,
         {"item": world.item.pk, "preference": -1, "scores": scores, "note": "B after all"}),
        ("lead", "get", "/api/projects/{slug}/disagreements/", {}, None, None),
        ("lead", "get", "/api/projects/{slug}/agreement/", {}, None, None),
        ("admin", "post", "/api/projects/{slug}/models/runs/", {}, None, {"epochs": 1, "ensemble_size": 1}),
        ("admin", "post", "/api/projects/{slug}/models/runs/{run_id}/cancel/", {}, None, None),
        ("admin", "post", "/api/projects/{slug}/models/versions/{number}/promote/", {}, None, None),
        ("admin", "post", "/api/projects/{slug}/models/rollback/", {}, None, None),
        ("lead", "get", "/api/projects/{slug}/models/scores/", {}, {"version": world.active.number,
                                                                      "item": world.item.pk}, None),
        ("admin", "patch", "/api/projects/{slug}/models/policy/", {}, None,
         {"enabled": True, "every_n_labels": 100, "auto_promote": False}),
        *[("lead", "get", exports, {"export_format": fmt}, None, None)
          for fmt in ("labels", "trl", "ranking_pairs", "fastchat")],
    ]


def test_valid_calls_conform(contract_world):
    for level, method, path, path_parameters, query, body in _valid_calls(contract_world):
        operation = schema[path][method.upper()]
        for role in ROLES:
            case = operation.Case(path_parameters=path_parameters, query=query,
                                  **({"body": body, "media_type": "application/json"} if body is not None else {}))
            response = call_as(case, contract_world, role)
            where = f"{method.upper()} {path} {path_parameters or ''} as {role}: {response.status_code}"
            if RANK[role] >= LEVEL[level]:
                assert response.status_code < 300, f"{where} {response.content[:300]!r}"
            else:
                assert response.status_code == 403, where


def test_the_schema_lists_every_api_route(contract_world, client):
    """Every /api/ route of the URL resolver is an operation of the schema (the docs pages aside)."""
    from tests.test_permissions_matrix import resolver_routes

    paths = set(json.loads(client.get("/api/schema/?format=json").content)["paths"])
    documented = {p.replace("{", "<").replace("}", ">") for p in paths}
    api_routes = {"/" + r for r in resolver_routes() if r.startswith("api/") and r not in ("api/schema/", "api/docs/")}
    plain = {re.sub(r"<(?:\w+:)?\w+>", "<p>", r) for r in api_routes}
    documented = {re.sub(r"<\w+>", "<p>", p) for p in documented}
    assert plain <= documented, sorted(plain - documented)


# What this run found: a 5xx, or a response breaking the schema; each call is now a clear 4xx or a valid 2xx.
def _no_uploader(world):
    from apps.datasets.models import ImportBatch

    ImportBatch.objects.filter(pk=world.batch.pk).update(uploaded_by=None)  # imported by a command


def _no_rubric_version(world):
    from apps.labeling.models import Label

    Label.objects.filter(item=world.item).update(rubric_version=None)  # imported into a project without a rubric


REGRESSIONS = [  # (role, method, path, query, body, prepare, status)
    ("padmin", "patch", "/api/projects/{slug}/models/policy/", None, {"parameters": True}, None, 400),  # was a 500
    ("padmin", "patch", "/api/projects/{slug}/models/policy/", None, {"parameters": ["epochs"]}, None, 400),
    ("padmin", "patch", "/api/projects/{slug}/models/policy/", None, {"parameters": {"base_model": "m\x00"}}, None,
     400),  # was a 500: PostgreSQL stores no NUL
    ("padmin", "patch", "/api/projects/{slug}/models/policy/", None, {"parameters": {"epochs": 2}}, None, 200),
    ("lead", "get", "/api/projects/{slug}/items/", {"q": "a\x00b", "kind": "steps"}, None, None, 200),  # was a 500
    ("padmin", "get", "/api/audit/events/", {"actor": "\x00", "action": "a\x00", "project": "\x00"}, None, None,
     200),  # was a 500
    ("padmin", "delete", "/api/projects/{slug}/", None, None, None, 204),  # was a 409 with adjudications or models
    ("padmin", "post", "/api/projects/{slug}/models/runs/{run_id}/cancel/", None, None, None, 200),  # requested_by
    ("lead", "get", "/api/projects/{slug}/models/versions/{number}/", None, None, None, 200),  # promoted_by null
    ("lead", "get", "/api/projects/{slug}/imports/{id}/", None, None, _no_uploader, 200),  # uploaded_by null
    ("lead", "get", "/api/projects/{slug}/items/{id}/labels/", None, None, _no_rubric_version, 200),  # rubric_version
]


@pytest.mark.parametrize("role, method, path, query, body, prepare, status", REGRESSIONS,
                         ids=[f"{m} {p} {q or ''}{b or ''}" for _r, m, p, q, b, _f, _s in REGRESSIONS])
def test_what_this_run_found_stays_fixed(contract_world, role, method, path, query, body, prepare, status):
    if prepare:
        prepare(contract_world)
    case = schema[path][method.upper()].Case(
        query=query, **({"body": body, "media_type": "application/json"} if body is not None else {}))
    assert call_as(case, contract_world, role).status_code == status
