"""A lead keeps the quality dashboard open in headless Chromium and watches the headline alpha change when
an annotator's label arrives elsewhere (the labelling service, from the test thread), without reloading.

Playwright's Python package drives Debian's /usr/bin/chromium against pytest-django's live server; the
page polls its live fragment (htmx), here every second instead of five.
"""

import pytest
from django.urls import reverse
from export_fixtures import annotators, import_rows, label

from apps.labeling import services
from apps.labeling.judgements import Judgement
from apps.projects.services import project_update
from tests.browser import browser  # noqa: F401  (the Chromium fixture)
from tests.conftest import PASSWORD

SCORES = {"accuracy": [4, 2], "coherence": [4, 2]}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_headline_alpha_follows_a_label_submitted_elsewhere(live_server, browser, settings, project, lead):
    settings.QUALITY_DASHBOARD_POLL_SECONDS = 1
    project_update(project, overlap=3, randomize_sides=False)
    rows = [{"id": f"i{k}", "prompt": f"Q{k}", "responses": [f"a{k}", f"b{k}"]} for k in range(3)]
    items = import_rows(project, rows)
    first, second, third = annotators(project, "first", "second", "third")
    for k, (a, b) in enumerate([(1, 1), (-1, -1), (1, -1)]):
        label(items[f"i{k}"], first, preference=a, shown_order=[0, 1], scores=SCORES)
        label(items[f"i{k}"], second, preference=b, shown_order=[0, 1], scores=SCORES)

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", lead.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("quality:dashboard", args=[project.slug]))
    alpha = page.locator("[data-figure=alpha]")
    before = alpha.inner_text()
    assert before not in ("", "not defined")
    assert page.locator("[data-figure=labels]").inner_text() == "6"
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    # A third annotator takes the next item (i0, where the others agree on 1) through the labelling
    # services, as the workbench would, and disagrees.
    assignment = services.next_assignment(project=project, user=third)
    assert assignment.item_id == items["i0"].pk and assignment.shown_order == [0, 1]
    services.submit_label(project=project, user=third, assignment_id=assignment.pk,
                          judgement=Judgement(preference=-1, scores=SCORES),
                          rubric_version_id=project.rubric_versions.get().pk)

    page.wait_for_function("() => document.querySelector('[data-figure=labels]').textContent.trim() === '7'",
                           timeout=15_000)
    assert alpha.inner_text() != before
    assert page.evaluate("window.loadedOnce") is True
    assert errors == []
