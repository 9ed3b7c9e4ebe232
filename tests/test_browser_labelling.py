"""An annotator logs in and labels three items with the keyboard alone, in headless Chromium.

Playwright's Python package drives Debian's /usr/bin/chromium (``playwright install`` cannot
download here) against pytest-django's live server.
"""
import json

import pytest
from django.urls import reverse

from apps.datasets.services import import_file
from apps.labeling.judgements import preference_to_canonical, to_canonical
from apps.labeling.models import Assignment, Label
from tests.browser import browser  # noqa: F401  (the Chromium fixture)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Per item: the preference key (1 = A, 2 = Tie, 3 = B on this scale) and the rubric digits in Tab
# order (accuracy A, accuracy B, coherence A, coherence B).
KEYS = [("1", "4352"), ("3", "2514"), ("2", "3333")]
SHOWN_PREFERENCE = {"1": 1, "2": 0, "3": -1}


def test_annotator_labels_three_items_with_the_keyboard(live_server, browser, project, annotator):
    rows = [{"id": f"r{i}", "prompt": f"What is {i} + $x^2$?", "responses": [f"first {i}", f"second {i}"]}
            for i in range(4)]
    import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(), filename="x.jsonl",
                fmt="native")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", annotator.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("labeling:home"))
    page.click(f"a[href='{reverse('labeling:work', args=[project.slug])}']")

    seen = []
    for preference_key, scores in KEYS:
        form = page.locator("form.label-form[data-ready='1']")
        form.wait_for()
        assignment_id = int(form.locator("input[name=assignment_id]").input_value())
        assert assignment_id not in seen
        seen.append(assignment_id)
        page.wait_for_timeout(30)  # some active time to measure
        page.keyboard.press(preference_key)
        for digit in scores:
            page.keyboard.press("Tab")
            page.keyboard.press(digit)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "id => !document.querySelector(`form.label-form input[name=assignment_id][value='${id}']`)",
            arg=str(assignment_id),
        )
    page.locator(f"form.label-form[data-ready='1'] input[name=assignment_id]:not([value='{seen[-1]}'])").wait_for(
        state="attached"
    )
    assert page.locator("[data-count=mine]").inner_text() == "3"
    assert page.locator(".katex").count() > 0  # the prompt's math was typeset
    assert errors == []

    labels = {label.assignment_id: label for label in Label.objects.filter(annotator=annotator)}
    assert sorted(labels) == sorted(seen)
    for assignment_id, (preference_key, scores) in zip(seen, KEYS):
        label, order = labels[assignment_id], Assignment.objects.get(pk=assignment_id).shown_order
        digits = [int(d) for d in scores]
        assert label.preference == preference_to_canonical(SHOWN_PREFERENCE[preference_key], order)
        assert label.scores == {"accuracy": to_canonical(digits[:2], order),
                                "coherence": to_canonical(digits[2:], order)}
        assert label.active_ms > 0 and label.source == "ui" and label.shown_order == order
