"""An annotator rates the steps of two items with the keyboard alone, in headless Chromium: moving with
J/K and arrows, rating with 1/2/3 and + 0 −, picking an error category with E and a digit, answering
the final-answer question with Y/N, and Enter submitting only once every required step is rated."""
import json

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, Role
from apps.datasets.services import import_file
from apps.labeling.models import Label
from tests.conftest import PASSWORD
from tests.browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    {"id": "a", "prompt": "What is $2 + 3 \\cdot 4$?",
     "responses": [{"steps": ["$3 \\cdot 4 = 12$", "$2 + 12 = 15$", "So the answer is $15$.", "# Answer\n\n15"]}]},
    {"id": "b", "prompt": "Is $91$ prime?",
     "responses": [{"steps": ["$91 = 7 \\cdot 13$", "So $91$ is not prime.", "# Answer\n\nno"]}]},
]


def wait_ready(page, previous=None):
    form = page.locator("form.label-form[data-ready='1']")
    if previous is not None:
        page.locator(f"form.label-form[data-ready='1'] input[name=assignment_id]:not([value='{previous}'])").wait_for(
            state="attached")
    form.wait_for()
    return int(form.locator("input[name=assignment_id]").input_value())


def test_annotator_rates_the_steps_of_two_items_with_the_keyboard(live_server, browser, step_project,  # noqa: F811
                                                                 annotator):
    Membership.objects.create(user=annotator, project=step_project, role=Role.ANNOTATOR)
    batch = import_file(project=step_project, user=None, data="\n".join(map(json.dumps, ROWS)).encode(),
                        filename="s.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", annotator.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("labeling:work", args=[step_project.slug]))

    # Item a: steps 1 and 3 correct, step 2 wrong (a calculation error), step 4 neutral; the answer is wrong.
    first = wait_ready(page)
    assert "2+12=15" in page.locator(".step-list").inner_text()  # the queue gives the oldest item first
    page.wait_for_timeout(30)
    page.keyboard.press("1")                      # step 1: +1, moves to step 2
    page.keyboard.press("3")                      # step 2: −1, opens its category picker
    assert page.locator(".step.picking").count() == 1
    page.keyboard.press("Enter")                  # not ready: the category is missing, nothing is sent
    assert "error category of step 2" in page.locator(".step-hint").inner_text()
    page.keyboard.press("1")                      # picks "calculation error", moves to step 3
    assert page.locator("[data-first-wrong]").inner_text() == "step 2"
    page.keyboard.press("+")                      # step 3: +1
    page.keyboard.press("Enter")                  # step 4 is still unrated: refused in the page
    assert "Rate step 4 first" in page.locator(".step-hint").inner_text()
    page.keyboard.press("0")                      # step 4: neutral
    page.keyboard.press("k")                      # back up to step 3 and down again with the arrow
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")                  # the final answer is still missing
    assert "final answer" in page.locator(".step-hint").inner_text()
    page.keyboard.press("n")
    page.keyboard.press("Enter")
    second = wait_ready(page, previous=first)
    assert second != first

    # Item b: E marks step 2 wrong and opens its picker; Esc closes a picker without choosing.
    assert page.locator(".step-list .katex").count() > 0  # the steps' math was typeset
    page.keyboard.press("2")                      # step 1: neutral
    page.keyboard.press("e")                      # step 2: wrong, picker open
    page.keyboard.press("3")                      # "unsupported or hallucinated claim"
    page.keyboard.press("j")                      # already moved on: step 3
    page.keyboard.press("-")                      # step 3: −1, picker
    page.keyboard.press("Escape")                 # close it without choosing
    page.keyboard.press("e")                      # reopen on the same step
    page.keyboard.press("2")                      # "logical error"
    page.keyboard.press("y")
    page.keyboard.press("Enter")
    page.locator(".all-done").wait_for()
    assert page.locator("[data-count=mine]").inner_text() == "2"
    assert errors == []

    labels = {label.assignment_id: label for label in Label.objects.filter(annotator=annotator)}
    a, b = labels[first], labels[second]
    assert a.step_ratings == [1, -1, 1, 0] and a.first_wrong_step == 1
    assert a.step_notes == [None, {"category": "calculation error", "comment": "", "correction": ""}, None, None]
    assert (a.final_answer_correct, a.finish_reason, a.source) == (False, "found_error", "ui") and a.active_ms > 0
    assert b.step_ratings == [0, -1, -1]
    assert [note and note["category"] for note in b.step_notes] == [None, "unsupported or hallucinated claim",
                                                                      "logical error"]
    assert (b.final_answer_correct, b.finish_reason) == (True, "found_error")
