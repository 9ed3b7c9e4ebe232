"""Hostile text in projects, rubrics, usernames and token names renders inert on every page here."""
import re
from html.parser import HTMLParser

import pytest

from apps.accounts.models import Membership, Role
from apps.accounts.services import token_create
from apps.projects.services import DimensionSpec, project_create, rubric_update
from tests.conftest import login, make_user

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[x](javascript:alert(1))"
SVG = "<svg onload=alert(1)>"
A_JS = '<a href="javascript:alert(1)">click</a>'
ALL = " ".join([SCRIPT, IMG, MD_LINK, SVG, A_JS])

EVIL_USER = "<script>alert(1)</script>"


@pytest.fixture
def evil(lead, staff):
    project = project_create(
        user=lead, name=f"Evil {SCRIPT}", description=f"Desc {IMG} {MD_LINK}", guidelines=f"# Rules\n\n{ALL}",
        dimensions=[
            DimensionSpec("harm", f"Harm {SVG}", f"About {A_JS} {MD_LINK}", 1, 3, {"1": SCRIPT, "3": IMG}),
        ],
        slug="evil",
    )
    rubric_update(project, user=lead, guidelines=f"Second {ALL}", note=f"note {SVG}",
                  dimensions=[DimensionSpec("harm", f"Harm {IMG}", SCRIPT, 1, 3, {"2": A_JS})])
    user = make_user(EVIL_USER)
    Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
    token_create(user=lead, name=SCRIPT)
    return project


class _Tags(HTMLParser):
    """Every real tag of a page with its attributes (text, including escaped markup, is not a tag)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.script_text = [], []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def assert_inert(html: str, *, charts: bool = False):
    """No payload became markup: no script, event handler, SVG, image, frame, or javascript:/vbscript:/data: URL.
    ``charts``: the page draws its own SVG charts (the quality dashboard); only those SVGs may be there."""
    assert SCRIPT not in html and "<img src=x" not in html and "<svg onload" not in html.lower()
    parsed = _Tags(html)
    svgs = [a for t, a in parsed.tags if t == "svg"]
    if charts:
        assert all("chart" in (a.get("class") or "").split() for a in svgs), "an SVG that is not a chart"
    else:
        assert "<svg" not in html.lower() and not svgs
    assert not [t for t, _ in parsed.tags if t in ("img", "iframe", "object", "embed", "image")], "image or frame"
    assert not [(t, a) for t, a in parsed.tags if any(name.startswith("on") for name in a)], "event handler"
    urls = [v for _, a in parsed.tags for k, v in a.items() if k in ("href", "src", "action", "xlink:href") and v]
    bad = [u for u in urls if re.sub(r"[\x00-\x20]", "", u).lower().startswith(("javascript:", "vbscript:", "data:"))]
    assert not bad, f"script or data URL: {bad}"
    assert "alert" not in "".join(parsed.script_text)
    assert not [a for t, a in parsed.tags if t == "script" and "src" not in a], "inline script"


PAGES = [
    "/",
    "/projects/evil/",
    "/projects/evil/edit/",
    "/projects/evil/rubric/",
    "/projects/evil/rubric/versions/1/",
    "/projects/evil/rubric/versions/2/",
    "/projects/evil/members/",
    "/accounts/profile/",
]


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_payloads_inert(client, evil, lead, page):
    response = login(client, lead).get(page)
    assert response.status_code == 200
    assert_inert(response.content.decode())


def test_escaped_text_remains_where_text_is_shown(client, evil, lead):
    html = login(client, lead).get("/projects/evil/").content.decode()
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html  # the username
    assert "Harm &lt;img src=x onerror=alert(1)&gt;" in html
    assert '&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt;' in html  # in Markdown guidelines, as text


def test_markdown_link_with_javascript_is_not_a_link(client, evil, lead):
    html = login(client, lead).get("/projects/evil/rubric/versions/1/").content.decode()
    assert "[x](javascript:alert(1))" in html  # left as text


def test_annotator_view_is_inert_too(client, evil):
    user = evil.memberships.get(role=Role.ANNOTATOR).user
    html = login(client, user).get("/projects/evil/").content.decode()
    assert_inert(html)


def test_members_page_handles_a_hostile_username_in_urls(client, evil, lead):
    html = login(client, lead).get("/projects/evil/members/").content.decode()
    assert "/members/%3Cscript%3Ealert(1)%3C/script%3E/role/" in html
    response = client.post("/projects/evil/members/%3Cscript%3Ealert(1)%3C/script%3E/remove/")
    assert response.status_code == 302
    assert not evil.memberships.filter(user__username=EVIL_USER).exists()


def test_bad_input_echoed_in_forms_is_escaped(client, project, lead):
    response = login(client, lead).post("/projects/helpfulness/members/", {"username": SCRIPT, "role": "annotator"})
    html = response.content.decode()
    assert response.status_code == 400
    assert_inert(html)
    assert "No user named &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;." in html


def test_rubric_form_errors_echo_escaped(client, project, lead):
    from tests.conftest import rubric_form_data

    data = rubric_form_data(ALL, [{"key": "k", "name": SCRIPT, "anchors": f"9: {IMG}"}], initial=2)
    response = login(client, lead).post("/projects/helpfulness/rubric/", data)
    assert response.status_code == 400
    assert_inert(response.content.decode())


@pytest.mark.parametrize("page", ["/", "/accounts/profile/", "/projects/evil/"])
def test_pages_seen_by_the_hostile_user_are_inert(client, evil, page):
    user = evil.memberships.get(user__username=EVIL_USER).user
    response = login(client, user).get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_login_page_escapes_a_hostile_next(client, db):
    response = client.get("/accounts/login/", {"next": '"><script>alert(1)</script>'})
    assert_inert(response.content.decode())


def test_login_error_escapes_the_username(client, db):
    response = client.post("/accounts/login/", {"username": SCRIPT, "password": "x"})
    html = response.content.decode()
    assert_inert(html)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


# --- quality, adjudication and reward-model pages: hostile labels, rationales, usernames, model texts, run logs ---

# Markdown's own ways to smuggle a script or a fetch: every one must come out as text or a harmless link.
MD_TRICKS = "\n\n".join([
    MD_LINK, "[x](JaVaScRiPt:alert(1))", "[x](javascript&#58;alert(1))", "[x]( javascript:alert(1))",
    "<javascript:alert(1)>", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))", "[ref][r]\n\n[r]: javascript:alert(1)", "![x](javascript:alert(1))",
    "![pixel](https://tracker.example/p.gif)", "[![pixel](//tracker.example/p.gif)](https://evil.example)",
    '<a href="javascript:alert(1)">a</a>', "<svg><script>alert(1)</script></svg>",
])
HOSTILE = f"{ALL}\n\n{MD_TRICKS}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE_NAMES = (IMG, SVG)  # two more annotators beside EVIL_USER (SCRIPT)


@pytest.fixture
def hostile_quality(evil, lead, staff):
    """Items whose prompts, responses and model names are payloads, labelled in disagreement by annotators whose
    usernames are payloads with payload rationales; one item adjudicated with a payload note; heavy statistics
    (heatmap, trends) computed."""
    from export_fixtures import import_rows, label

    from apps.labeling.judgements import Judgement
    from apps.projects.services import project_update
    from apps.quality.adjudication import adjudicate
    from apps.quality.heavy import refresh_snapshot

    project_update(evil, overlap=3)
    items = import_rows(evil, [
        {"id": f"h{k}",
         "prompt": [{"role": "system", "content": HOSTILE}, {"role": "user", "content": f"{HOSTILE} {k}"}],
         "responses": [{"text": f"{HOSTILE} one", "model": SCRIPT}, {"text": f"{HOSTILE} two", "model": IMG}]}
        for k in range(4)
    ])
    people = [evil.memberships.get(user__username=EVIL_USER).user]
    for name in HOSTILE_NAMES:
        user = make_user(name)
        Membership.objects.create(user=user, project=evil, role=Role.ANNOTATOR)
        people.append(user)
    version = evil.rubric_versions.order_by("-number").first()
    for k, item in enumerate(items.values()):
        for person, preference in zip(people, (1, -1, 1 if k % 2 else -1)):
            label(item, person, preference=preference, shown_order=[0, 1], scores={"harm": [1, 3]},
                  rationale=HOSTILE, flags=["unsafe"], rubric_version=version, active_ms=4000)
    assert len(items) == 4
    adjudicate(project=evil, user=lead, item_id=items["h0"].pk,
               judgement=Judgement(preference=1, scores={"harm": [1, 2]}), note=HOSTILE)
    refresh_snapshot(evil)
    return items


def assert_shown_as_text(html: str):
    assert ESCAPED_SCRIPT in html, "the payload is not shown at all: the test would prove nothing"


@pytest.mark.parametrize("page, charts", [
    ("/projects/evil/quality/", True),
    ("/projects/evil/quality/live/", True),
    ("/projects/evil/quality/disagreements/", False),
])
def test_quality_pages_render_payloads_inert(client, hostile_quality, lead, page, charts):
    response = login(client, lead).get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert_inert(html, charts=charts)
    assert_shown_as_text(html)
    if charts:  # the hostile usernames are on the heatmap and in the annotator table, as text
        assert '<svg class="chart heatmap"' in html
        for name in (SCRIPT, IMG, SVG):
            assert f'data-annotator="{name.replace("<", "&lt;").replace(">", "&gt;")}"' in html


def test_disagreement_queue_lists_the_hostile_items(client, hostile_quality, lead):
    html = login(client, lead).get("/projects/evil/quality/disagreements/").content.decode()
    assert all(f'data-item="{item.pk}"' in html for item in hostile_quality.values())


def test_adjudication_page_renders_labels_rationales_and_history_inert(client, hostile_quality, lead):
    item = hostile_quality["h0"]
    login(client, lead)
    html = client.get(f"/projects/evil/quality/items/{item.pk}/").content.decode()
    assert_inert(html)
    assert_shown_as_text(html)
    assert html.count('class="label-card"') == 3 and 'data-version="1"' in html  # labels and history rendered
    assert "[x](javascript:alert(1))" in html  # Markdown link to javascript: left as text
    assert "Image: pixel" in html and "https://tracker.example/p.gif" in html  # remote image: a link, not loaded
    # A refused form echoes the hostile note and values back, escaped.
    response = client.post(f"/projects/evil/quality/items/{item.pk}/",
                           {"preference": SCRIPT, "note": HOSTILE, "score-harm-0": IMG})
    assert response.status_code == 400
    assert_inert(response.content.decode())


@pytest.fixture
def hostile_models(hostile_quality, evil, staff, settings):
    """An active model whose base model, metrics keys, run log, parameters and requester are payloads, scored so
    that the overview lists loved-but-rejected pairs and out-of-distribution responses (both payload texts); a
    failed run with a payload error, and a running one with a payload progress message."""
    from apps.datasets.models import ItemResponse
    from apps.rewardmodels import services
    from apps.rewardmodels.models import RunStatus, TrainingRun

    requester = evil.memberships.get(user__username=EVIL_USER).user
    trained_on = [pk for key in ("h0", "h2") for pk in hostile_quality[key].labels.values_list("id", flat=True)]
    run = TrainingRun.objects.create(project=evil, kind="outcome", status=RunStatus.RUNNING, requested_by=requester,
                                     parameters={"base_model": SCRIPT, "note": HOSTILE}, snapshot_label_ids=trained_on)
    (settings.MODEL_STORE / "evil-v1").mkdir(parents=True)
    metrics = {"pairwise_accuracy": 0.6, "model_vs_annotator": {SCRIPT: 0.5, IMG: 0.7},
               "annotator_vs_others": {SVG: 0.4}, "accuracy_by_source": {SCRIPT: 0.5}}
    version = services.run_succeed(run.pk, path="evil-v1", metrics=metrics, log_text=HOSTILE,
                                   base_model=f"{SCRIPT}{IMG}")
    services.version_promote(version)
    slots = {item.external_id: list(ItemResponse.objects.filter(item=item).order_by("position")
                                     .values_list("response_id", flat=True)) for item in hostile_quality.values()}
    # h1 and h3 (majority prefers response one): the model prefers response two by far; h0's labels trained it.
    rewards = {slots["h0"][0]: 0.0, slots["h0"][1]: 0.1, slots["h2"][0]: 0.05, slots["h2"][1]: 0.0,
               slots["h1"][0]: -40.0, slots["h1"][1]: 40.0, slots["h3"][0]: 0.0, slots["h3"][1]: 0.02}
    services.scores_replace(version, [{"response_id": rid, "reward": r, "std": 0.1} for rid, r in rewards.items()])
    summary = services.rescore_apply(version)
    assert summary["loved_rejected"] and summary["shift"]["examples"], summary
    failed = TrainingRun.objects.create(project=evil, kind="outcome", status=RunStatus.RUNNING)
    services.run_fail(failed.pk, error=HOSTILE, log_text=HOSTILE)
    running = TrainingRun.objects.create(project=evil, kind="outcome", status=RunStatus.RUNNING)
    services.run_progress(running.pk, step=1, total_steps=4, loss=0.7, eta_seconds=3, message=HOSTILE,
                          log_text=HOSTILE)
    return {"version": version, "run": run, "failed": failed, "running": running}


def test_models_overview_renders_model_texts_inert(client, hostile_models, staff):
    html = login(client, staff).get("/projects/evil/models/").content.decode()
    assert_inert(html)
    for section in ('id="loved-rejected"', 'id="shift"', 'id="versions"', 'id="agreement"'):
        start = html.index(section)
        part = html[start:html.index("</section>", start)]
        assert ESCAPED_SCRIPT in part, f"{section}: the payload is not shown"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in html  # the base model's name, as text


@pytest.mark.parametrize("which", ["run", "failed", "running"])
def test_run_pages_render_logs_errors_and_parameters_inert(client, hostile_models, staff, which):
    run = hostile_models[which]
    login(client, staff)
    html = client.get(f"/projects/evil/models/runs/{run.pk}/").content.decode()
    assert_inert(html)
    assert_shown_as_text(html)
    assert "[x](javascript:alert(1))" in html  # the log is shown as text, not rendered
    fragment = client.get(f"/projects/evil/models/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert_inert(fragment)
    assert_shown_as_text(fragment)


def test_runs_table_and_start_form_render_inert(client, hostile_models, staff):
    login(client, staff)
    runs = client.get("/projects/evil/models/runs/").content.decode()
    assert_inert(runs)
    assert_shown_as_text(runs)  # the running run's progress message and the requester's name
    form = client.post("/projects/evil/models/runs/new/", {"base_model": HOSTILE, "epochs": SCRIPT})
    assert form.status_code == 400
    assert_inert(form.content.decode())
