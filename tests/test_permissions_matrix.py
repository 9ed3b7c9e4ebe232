"""Who may reach what: every page and API route × anonymous, another project's member, annotator, lead,
project admin and site staff.

The routes come from the URL resolver, so a new route that is not in ``MATRIX`` below fails
``test_every_route_is_in_the_matrix``: add it with its access level. Access levels:

- ``public``: anyone, logged in or not.
- ``user``: any logged-in user (their own things only). Anonymous: login redirect (pages) or 401 (API).
- ``member`` / ``lead`` / ``admin``: that role or above in the project (site staff count as admins). No
  role in the project: 404, the same as a project that does not exist; a role below: 403.
- ``auditor``: site staff and project admins (the audit trail). Others: 403.
- ``staff``: site staff only (login redirect or 403 for others).
- ``creator``: who may create projects: site staff and anyone who leads or administers a project (the
  outsider leads their own). Others: 403.

Allowed calls must not be refused (no 401/403/404, no 5xx); every call runs in a rolled-back transaction,
so a DELETE or POST allowed for one role does not change what the next role sees.
"""
import json
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.models import Membership
from apps.accounts.services import token_create
from apps.datasets.models import ImportBatch, Item
from apps.datasets.services import import_native_rows
from apps.labeling.judgements import Judgement
from apps.labeling.models import Label
from apps.labeling.services import next_assignment, submit_label
from apps.projects.services import current_rubric
from tests.conftest import make_user

ROLES = ["anonymous", "outsider", "annotator", "lead", "padmin", "staff"]
GOLD_MARK = "GOLD-ANSWER-RATIONALE-7731"
OTHER_LABEL_MARK = "SOMEONE-ELSES-RATIONALE-5521"


@dataclass(frozen=True)
class Route:
    access: str
    methods: tuple[str, ...] = ("GET",)
    objects: dict = field(default_factory=dict)  # URL kwarg -> which World object fills it
    api: bool = False
    query: str = ""  # a query string the route needs to do its job


def with_query(route: Route, query: str) -> Route:
    return Route(route.access, route.methods, route.objects, route.api, query)


def api(access, methods=("GET",), **objects):
    return Route(access, tuple(methods), objects, api=True)


def page(access, methods=("GET",), **objects):
    return Route(access, tuple(methods), objects, api=False)


MATRIX = {
    # accounts
    "api/me/": api("user"),
    "api/tokens/": api("user", ["GET", "POST"]),
    "api/tokens/<int:token_id>/": api("user", ["DELETE"], token_id="token"),
    "accounts/login/": page("public"),
    "accounts/logout/": page("public", ["POST"]),  # anonymous: just back to the login page
    "accounts/profile/": page("user"),
    "accounts/tokens/new/": page("user", ["POST"]),
    "accounts/tokens/<int:token_id>/revoke/": page("user", ["POST"], token_id="token"),
    # projects
    "api/projects/": api("user", ["GET"]),
    "api/projects/<slug:slug>/": api("member", ["GET"]),
    "api/projects/<slug:slug>/#patch": api("lead", ["PATCH"]),
    "api/projects/<slug:slug>/#delete": api("admin", ["DELETE"]),
    "api/projects/<slug:slug>/rubric/": api("member"),
    "api/projects/<slug:slug>/rubric/#put": api("lead", ["PUT"]),
    "api/projects/<slug:slug>/rubric/versions/": api("member"),
    "api/projects/<slug:slug>/rubric/versions/<int:number>/": api("member", number="rubric_number"),
    "api/projects/<slug:slug>/members/": api("member"),
    "api/projects/<slug:slug>/members/#post": api("lead", ["POST"]),
    "api/projects/<slug:slug>/members/<path:username>/": api("lead", ["PATCH", "DELETE"], username="member_name"),
    "": page("user"),
    "projects/new/": page("creator", ["GET", "POST"]),
    "projects/<slug:slug>/": page("member"),
    "projects/<slug:slug>/edit/": page("lead", ["GET", "POST"]),
    "projects/<slug:slug>/rubric/": page("lead", ["GET", "POST"]),
    "projects/<slug:slug>/rubric/row/": with_query(page("lead"), "dims-TOTAL_FORMS=2"),
    "projects/<slug:slug>/rubric/versions/<int:number>/": page("member", number="rubric_number"),
    "projects/<slug:slug>/members/": page("lead", ["GET", "POST"]),
    "projects/<slug:slug>/members/<path:username>/role/": page("lead", ["POST"], username="member_name"),
    "projects/<slug:slug>/members/<path:username>/remove/": page("lead", ["POST"], username="member_name"),
    # datasets
    "api/projects/<slug:slug>/imports/": api("lead", ["GET", "POST"]),
    "api/projects/<slug:slug>/imports/<int:pk>/": api("lead", pk="batch"),
    "api/projects/<slug:slug>/items/": api("lead"),
    "api/projects/<slug:slug>/items/<int:pk>/": api("lead", pk="item"),
    "api/projects/<slug:slug>/items/<int:pk>/labels/": api("lead", pk="item"),
    "api/projects/<slug:slug>/exports/<str:export_format>/": api("lead", export_format="export_format"),
    "projects/<slug:slug>/import/": page("lead", ["GET", "POST"]),
    "projects/<slug:slug>/imports/<int:pk>/": page("lead", pk="batch"),
    "projects/<slug:slug>/items/": page("lead"),
    "projects/<slug:slug>/items/<int:pk>/": page("lead", pk="item"),
    "projects/<slug:slug>/export/": page("lead"),
    "projects/<slug:slug>/export/download/": page("lead"),
    # labelling
    "api/projects/<slug:slug>/assignments/": api("lead"),
    "api/projects/<slug:slug>/labels/": api("lead"),
    "api/projects/<slug:slug>/assignments/next/": api("member", ["POST"]),
    "api/projects/<slug:slug>/assignments/<int:pk>/submit/": api("member", ["POST"], pk="assignment"),
    "api/projects/<slug:slug>/assignments/<int:pk>/skip/": api("member", ["POST"], pk="assignment"),
    "api/projects/<slug:slug>/labels/mine/": api("member"),
    "api/projects/<slug:slug>/labels/mine/<int:pk>/": api("member", ["GET", "PATCH", "PUT"], pk="label"),
    "label/": page("user"),
    "projects/<slug:slug>/label/": page("member", ["GET", "POST"]),
    "projects/<slug:slug>/label/skip/": page("member", ["POST"]),
    "projects/<slug:slug>/label/mine/": page("member"),
    "projects/<slug:slug>/label/mine/<int:label_id>/": page("member", ["GET", "POST"], label_id="label"),
    # quality: pages and adjudication
    "projects/<slug:slug>/quality/": page("lead"),
    "projects/<slug:slug>/quality/live/": page("lead"),
    "projects/<slug:slug>/quality/disagreements/": page("lead"),
    "projects/<slug:slug>/quality/items/<int:item_id>/": page("lead", ["GET", "POST"], item_id="item"),
    "api/projects/<slug:slug>/adjudications/": api("lead", ["GET", "POST"]),
    "api/projects/<slug:slug>/adjudications/<int:pk>/": api("lead", pk="adjudication"),
    "api/projects/<slug:slug>/agreement/": api("lead"),
    "api/projects/<slug:slug>/disagreements/": api("lead"),
    # reward models: leads read, admins act
    "projects/<slug:slug>/models/": page("lead"),
    "projects/<slug:slug>/models/runs/": page("lead"),
    "projects/<slug:slug>/models/runs/new/": page("admin", ["GET", "POST"]),
    "projects/<slug:slug>/models/runs/<int:run_id>/": page("lead", run_id="training_run"),
    "projects/<slug:slug>/models/runs/<int:run_id>/cancel/": page("admin", ["POST"], run_id="training_run"),
    "projects/<slug:slug>/models/versions/<int:number>/promote/": page("admin", ["POST"], number="model_version"),
    "projects/<slug:slug>/models/versions/<int:number>/scores/": page("lead", number="model_version"),
    "projects/<slug:slug>/models/rollback/": page("admin", ["POST"]),
    "projects/<slug:slug>/models/policy/": page("admin", ["POST"]),
    "api/projects/<slug:slug>/models/runs/": api("lead"),
    "api/projects/<slug:slug>/models/runs/#post": api("admin", ["POST"]),
    "api/projects/<slug:slug>/models/runs/<int:run_id>/": api("lead", run_id="training_run"),
    "api/projects/<slug:slug>/models/runs/<int:run_id>/cancel/": api("admin", ["POST"], run_id="training_run"),
    "api/projects/<slug:slug>/models/versions/": api("lead"),
    "api/projects/<slug:slug>/models/versions/<int:number>/": api("lead", number="model_version"),
    "api/projects/<slug:slug>/models/versions/<int:number>/promote/": api("admin", ["POST"], number="model_version"),
    "api/projects/<slug:slug>/models/versions/<int:number>/scores/": api("lead", number="model_version"),
    "api/projects/<slug:slug>/models/rollback/": api("admin", ["POST"]),
    "api/projects/<slug:slug>/models/scores/": api("lead"),
    "api/projects/<slug:slug>/models/policy/": api("lead"),
    "api/projects/<slug:slug>/models/policy/#patch": api("admin", ["PATCH"]),
    # audit
    "api/audit/events/": api("auditor"),
    "api/audit/events/export/": api("auditor"),
    "audit/": page("auditor"),
    "audit/export/": page("auditor"),
    # the API's own description
    "api/schema/": api("public"),
    "api/docs/": api("public"),
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def resolver_routes() -> set[str]:
    """Every route of the site except Django's admin (staff only, Django's own permission checks)."""
    return {route for route in _walk(get_resolver().url_patterns) if not route.startswith("admin/")}


def test_every_route_is_in_the_matrix():
    listed = {key.split("#")[0] for key in MATRIX}
    missing = sorted(resolver_routes() - listed)
    assert not missing, (
        f"routes not in the permission matrix: {missing}. Add each to MATRIX in tests/test_permissions_matrix.py "
        "with its access level (and to tests/test_api_contract.py's lists if it is an API operation)."
    )
    stale = sorted(listed - resolver_routes())
    assert not stale, f"MATRIX lists routes that no longer exist: {stale}"


# --- the world: one project with items, labels, a gold item; another team's project beside it -------------------


class World:
    def __init__(self, project, users):
        self.project, self.users = project, users
        rows = [{"id": f"i{i}", "prompt": f"Question {i}", "responses": [f"A{i}", f"B{i}"]} for i in range(8)]
        rows.append({"id": "g", "prompt": "Gold question", "responses": ["right", "wrong"],
                     "gold": {"preference": 1, "rationale": GOLD_MARK}})
        rows.append({"id": "x", "prompt": "Labelled elsewhere", "responses": ["c", "d"],
                     "labels": [{"annotator": "vendor-rater", "preference": 1, "rationale": OTHER_LABEL_MARK}]})
        self.batch = import_native_rows(project=project, user=users["lead"], rows=rows)
        assert self.batch.status == "accepted", self.batch.errors
        self.item = Item.objects.filter(project=project).order_by("pk").first()
        self.other = project.__class__.objects.exclude(pk=project.pk).get()
        self.other_batch = import_native_rows(project=self.other, user=users["outsider"],
                                              rows=[{"id": "o", "prompt": "Theirs", "responses": ["e", "f"]}])
        self.other_item = Item.objects.get(project=self.other)
        self.other_assignment = next_assignment(project=self.other, user=users["outsider"])
        self.other_label = self._label(self.other, users["outsider"], rationale=OTHER_LABEL_MARK)
        self.tokens = {name: token_create(user=user, name="matrix") for name, user in users.items()}
        self._labels = {}

    @staticmethod
    def _label(project, user, rationale=""):
        assignment = next_assignment(project=project, user=user)
        rubric = current_rubric(project)
        scores = {d.key: [3, 3] for d in rubric.dimensions.all()}
        return submit_label(project=project, user=user, assignment_id=assignment.pk,
                            judgement=Judgement(preference=1, scores=scores, rationale=rationale),
                            rubric_version_id=rubric.pk)

    def label_of(self, role):
        if role not in self._labels:
            user = self.users.get(role)
            self._labels[role] = self._label(self.project, user) if role in ("annotator", "lead", "padmin", "staff") \
                else self.other_label
        return self._labels[role]

    def value(self, what, role):
        if what == "token":
            token = self.tokens.get(role, self.tokens["outsider"])[0]
            return token.pk
        if what == "rubric_number":
            return 1
        if what == "member_name":
            return "annotator"
        if what == "batch":
            return self.batch.pk
        if what == "item":
            return self.item.pk
        if what == "export_format":
            return "trl"
        if what == "label":
            return self.label_of(role).pk if role != "anonymous" else self.other_label.pk
        if what == "adjudication":
            from apps.quality.adjudication import adjudicate
            if not hasattr(self, "_adjudication"):
                scores = {d.key: [3, 3] for d in current_rubric(self.project).dimensions.all()}
                self._adjudication = adjudicate(project=self.project, user=self.users["lead"], item_id=self.item.pk,
                                                judgement=Judgement(preference=1, scores=scores))
            return self._adjudication.pk
        if what in ("training_run", "model_version"):
            from apps.rewardmodels.models import ModelVersion, RunStatus, TrainingRun
            if not hasattr(self, "_model_version"):
                run = TrainingRun.objects.create(project=self.project, kind="outcome", status=RunStatus.SUCCEEDED)
                self._model_version = ModelVersion.objects.create(project=self.project, kind="outcome", number=1,
                                                                  run=run, path="absent")
                self._training_run = TrainingRun.objects.create(project=self.project, kind="outcome")
            return self._training_run.pk if what == "training_run" else self._model_version.number
        if what == "assignment":
            if role in ("annotator", "lead", "padmin", "staff"):
                return next_assignment(project=self.project, user=self.users[role]).pk
            return self.other_assignment.pk
        raise KeyError(what)


@pytest.fixture
def world(project, users):
    return World(project, users)


def url_for(route_key: str, route: Route, world: World, role: str, slug: str | None = None) -> str:
    url = "/" + route_key.split("#")[0]
    url = url.replace("<slug:slug>", slug or world.project.slug)
    for name, what in route.objects.items():
        converter = next(part for part in url.split("<")[1:] if part.split(">")[0].endswith(":" + name))
        url = url.replace("<" + converter.split(">")[0] + ">", str(world.value(what, role)))
    assert "<" not in url, f"{route_key}: say in MATRIX which object fills each URL kwarg"
    return url + ("?" + route.query if route.query else "")


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def call(client: Client, method: str, url: str, is_api: bool, body: dict | None = None):
    """One request in a transaction that is rolled back afterwards (the body is read inside it)."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif is_api:
            response = getattr(client, method.lower())(url, data=json.dumps(body or {}),
                                                       content_type="application/json")
        else:
            response = client.post(url, {})
        if response.streaming:
            response.content_bytes = b"".join(response.streaming_content)
        else:
            response.content_bytes = response.content
        transaction.set_rollback(True)
    return response


def allowed(access: str, role: str) -> bool:
    return {
        "public": True,
        "user": role != "anonymous",
        "member": role in ("annotator", "lead", "padmin", "staff"),
        "lead": role in ("lead", "padmin", "staff"),
        "admin": role in ("padmin", "staff"),
        "auditor": role in ("padmin", "staff"),
        "staff": role == "staff",
        "creator": role in ("outsider", "lead", "padmin", "staff"),
    }[access]


def expected_denial(route: Route, role: str) -> set[int]:
    if role == "anonymous":
        return {401} if route.api else {302}
    if route.access in ("member", "lead", "admin") and role == "outsider":
        return {404}  # no role in the project: as if it did not exist
    return {403}


CASES = [(key, method) for key, route in MATRIX.items() for method in route.methods]


@pytest.mark.parametrize("key, method", CASES, ids=[f"{m} /{k}" for k, m in CASES])
def test_route_access_by_role(world, key, method):
    route = MATRIX[key]
    seen = {}
    for role in ROLES:
        response = call(client_for(role, world), method, url_for(key, route, world, role), route.api)
        status = response.status_code
        seen[role] = status
        assert status < 500, f"{method} /{key} as {role}: {status}"
        if allowed(route.access, role):
            assert status not in (401, 403, 404, 405), f"{method} /{key} as {role} refused: {status}"
            if status == 302 and route.access != "public":
                assert not response["Location"].startswith("/accounts/login/"), f"{method} /{key} as {role}"
        else:
            assert status in expected_denial(route, role), f"{method} /{key} as {role}: {status} ({seen})"
            if status == 302:
                assert response["Location"].startswith("/accounts/login/?next=")


PROJECT_ROUTES = [(k, m) for k, m in CASES if "<slug:slug>" in k]


@pytest.mark.parametrize("key, method", PROJECT_ROUTES, ids=[f"{m} /{k}" for k, m in PROJECT_ROUTES])
def test_another_project_answers_like_a_missing_one(world, key, method):
    """A member of another project gets the same answer for this project as for one that does not exist."""
    route = MATRIX[key]
    client = client_for("outsider", world)
    real = call(client, method, url_for(key, route, world, "outsider"), route.api)
    missing = call(client, method, url_for(key, route, world, "outsider", slug="no-such-project"), route.api)
    assert real.status_code == missing.status_code == 404
    if route.api:
        assert json.loads(real.content_bytes) == json.loads(missing.content_bytes)


# A valid body, so that the answer depends on the object, not on the input.
BODIES = {"submit": {"preference": 1}, "skip": {"reason": "other"}}

OBJECT_ROUTES = [
    ("api/projects/<slug:slug>/imports/<int:pk>/", "other_batch"),
    ("api/projects/<slug:slug>/items/<int:pk>/", "other_item"),
    ("api/projects/<slug:slug>/items/<int:pk>/labels/", "other_item"),
    ("projects/<slug:slug>/imports/<int:pk>/", "other_batch"),
    ("projects/<slug:slug>/items/<int:pk>/", "other_item"),
    ("api/projects/<slug:slug>/labels/mine/<int:pk>/", "other_label"),
    ("projects/<slug:slug>/label/mine/<int:label_id>/", "other_label"),
    ("api/projects/<slug:slug>/assignments/<int:pk>/submit/", "other_assignment"),
    ("api/projects/<slug:slug>/assignments/<int:pk>/skip/", "other_assignment"),
]


@pytest.mark.parametrize("key, theirs", OBJECT_ROUTES)
def test_another_projects_object_answers_like_a_missing_one(world, key, theirs):
    """The lead asks for another project's object by id through their own project: a plain 404."""
    route = MATRIX[key]
    method = "GET" if "GET" in route.methods else route.methods[0]
    client = client_for("lead", world)
    base = url_for(key, route, world, "lead")
    own_id = str(world.value(next(iter(route.objects.values())), "lead"))
    other_id = str(getattr(world, theirs).pk)
    body = BODIES.get(key.rstrip("/").rsplit("/", 1)[-1])
    real = call(client, method, base.replace(f"/{own_id}/", f"/{other_id}/"), route.api, body)
    missing = call(client, method, base.replace(f"/{own_id}/", "/987654321/"), route.api, body)
    assert real.status_code == missing.status_code == 404
    if route.api:
        assert json.loads(real.content_bytes) == json.loads(missing.content_bytes)


def test_a_token_of_another_user_cannot_be_revoked(world):
    other_token = world.tokens["lead"][0]
    client = client_for("annotator", world)
    real = call(client, "DELETE", f"/api/tokens/{other_token.pk}/", True)
    missing = call(client, "DELETE", "/api/tokens/987654321/", True)
    assert real.status_code == missing.status_code == 404
    assert client.post(f"/accounts/tokens/{other_token.pk}/revoke/").status_code == 302
    other_token.refresh_from_db()
    assert other_token.revoked_at is None


def test_a_label_of_another_member_is_not_editable_or_readable(world):
    theirs = world.label_of("lead")
    client = client_for("annotator", world)
    for method in ("GET", "PATCH"):
        assert call(client, method, f"/api/projects/helpfulness/labels/mine/{theirs.pk}/", True).status_code == 404
    assert call(client, "GET", f"/projects/helpfulness/label/mine/{theirs.pk}/", False).status_code == 404


def test_an_annotator_never_sees_others_labels_or_gold_answers(world):
    """Every route an annotator may GET (and the next-item call, item after item) hides other people's labels
    on items they have not labelled, and gold answers."""
    client = client_for("annotator", world)
    seen = []
    for key, route in MATRIX.items():
        if "GET" in route.methods and allowed(route.access, "annotator"):
            seen.append(call(client, "GET", url_for(key, route, world, "annotator"), route.api).content_bytes)
    for _ in range(12):  # walk the queue through every item, gold and the one labelled by someone else
        with transaction.atomic():
            response = client.post("/api/projects/helpfulness/assignments/next/")
            seen.append(response.content)
            page = client.get("/projects/helpfulness/label/")
            seen.append(page.content)
        if response.status_code == 204:
            break
        assignment = response.json()
        client.post(f"/api/projects/helpfulness/assignments/{assignment['id']}/skip/",
                    data={"reason": "next"}, content_type="application/json")
    text = b"\n".join(seen).decode()
    assert GOLD_MARK not in text
    assert OTHER_LABEL_MARK not in text
    assert '"gold_answer"' not in text and '"is_gold"' not in text


def test_the_lead_does_see_them_so_the_check_above_can_fail(world):
    client = client_for("lead", world)
    gold = Item.objects.get(project=world.project, external_id="g")
    labelled = Label.objects.get(item__project=world.project, rationale=OTHER_LABEL_MARK).item
    assert GOLD_MARK in call(client, "GET", f"/api/projects/helpfulness/items/{gold.pk}/", True).content_bytes.decode()
    body = call(client, "GET", f"/api/projects/helpfulness/items/{labelled.pk}/labels/", True).content_bytes.decode()
    assert OTHER_LABEL_MARK in body
    assert OTHER_LABEL_MARK in call(client, "GET", "/api/projects/helpfulness/labels/", True).content_bytes.decode()


def test_staff_flag_without_membership_is_admin_but_a_plain_user_is_nobody(world, db):
    nobody = make_user("nobody")
    client = Client()
    client.force_login(nobody)
    assert client.get("/projects/helpfulness/").status_code == 404
    assert client.get("/api/projects/").json()["count"] == 0
    assert not Membership.objects.filter(user=nobody).exists()
    staff = world.users["staff"]
    assert not Membership.objects.filter(user=staff, project=world.project).exists()
    assert Client().get("/").status_code == 302
    client.force_login(staff)
    assert client.get("/projects/helpfulness/members/").status_code == 200
    assert ImportBatch.objects.filter(project=world.project).exists()
