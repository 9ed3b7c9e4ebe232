"""Step marking rules through the labelling service: required steps in both modes, the first wrong step,
error categories from the project's taxonomy, the final answer and the finish reason."""
import json

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import Membership, Role
from apps.datasets.services import import_file
from apps.labeling import services
from apps.labeling.judgements import Judgement
from apps.labeling.models import Label
from apps.labeling.step_marks import first_wrong, required_steps
from apps.projects.models import DEFAULT_ERROR_CATEGORIES
from apps.projects.services import current_rubric

STEPS = ["$2 \\cdot 2 = 4$", "$4 + 2 = 8$", "So the answer is 8.", "# Answer\n\n8"]


@pytest.fixture
def assignment(step_project, annotator):
    row = {"prompt": "What is $2+2\\cdot 2$?", "responses": [{"steps": STEPS}]}
    batch = import_file(project=step_project, user=None, data=json.dumps(row).encode(), filename="s.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    Membership.objects.create(user=annotator, project=step_project, role=Role.ANNOTATOR)
    return services.next_assignment(project=step_project, user=annotator)


def submit(project, user, assignment, **given):
    return services.submit_label(project=project, user=user, assignment_id=assignment.pk,
                                 judgement=Judgement(**given), rubric_version_id=current_rubric(project).pk)


def refused(project, user, assignment, **given) -> dict:
    with pytest.raises(ValidationError) as caught:
        submit(project, user, assignment, **given)
    assert not Label.objects.exists()
    return caught.value.message_dict


WRONG = {"category": "calculation error", "comment": "", "correction": ""}


@pytest.mark.parametrize("ratings, first", [
    ([1, 1, 0, 1], None), ([1, -1, 1, -1], 1), ([-1, None, None, None], 0), ([None, 0, -1, 1], 2), ([], None),
])
def test_first_wrong_step_is_the_first_minus_one(ratings, first):
    assert first_wrong(ratings) == first
    assert Label(step_ratings=ratings).first_wrong_step == first


@pytest.mark.parametrize("ratings, stop, needed", [
    ([1, -1, None, None], True, 2), ([1, -1, None, None], False, 4), ([1, 1, 1, 1], True, 4), ([-1, 1, 1, 1], True, 1),
])
def test_required_steps_depend_on_the_mode(ratings, stop, needed):
    assert required_steps(ratings, stop_at_first_error=stop) == needed


def test_the_default_taxonomy_is_the_issue_list(step_project):
    assert step_project.error_categories == list(DEFAULT_ERROR_CATEGORIES) == [
        "calculation error", "logical error", "unsupported or hallucinated claim", "misread the problem",
        "incomplete", "irrelevant"]


def test_every_step_is_required_without_stop_at_first_error(step_project, annotator, assignment):
    errors = refused(step_project, annotator, assignment, step_ratings=[1, -1, None, 1],
                     step_notes=[None, WRONG, None, None], final_answer_correct=False)
    assert errors == {"step_ratings": ["Rate every step. Not rated yet: step 3."]}
    label = submit(step_project, annotator, assignment, step_ratings=[1, -1, 0, 1],
                   step_notes=[None, WRONG, None, None], final_answer_correct=False)
    assert label.step_ratings == [1, -1, 0, 1] and label.first_wrong_step == 1
    assert label.finish_reason == "found_error" and label.final_answer_correct is False


def test_stop_at_first_error_needs_steps_up_to_it_and_stores_the_rest_null(step_project, annotator, assignment):
    step_project.stop_at_first_error = True
    step_project.save()
    errors = refused(step_project, annotator, assignment, step_ratings=[None, -1, None, None],
                     step_notes=[None, WRONG, None, None])
    assert errors == {"step_ratings": ["Rate every step up to the first wrong one. Not rated yet: step 1."]}
    note = {"category": "", "comment": "fine", "correction": ""}
    label = submit(step_project, annotator, assignment, step_ratings=[1, -1, 1, 0],
                   step_notes=[None, WRONG, note, note])
    assert label.step_ratings == [1, -1, None, None]
    assert label.step_notes == [None, WRONG, None, None]
    # Stopped at the error: the final answer was not read, so it is not asked.
    assert label.final_answer_correct is None and label.finish_reason == "found_error"


def test_stop_at_first_error_without_an_error_needs_every_step(step_project, annotator, assignment):
    step_project.stop_at_first_error = True
    step_project.save()
    errors = refused(step_project, annotator, assignment, step_ratings=[1, 1, 1, None], final_answer_correct=True)
    assert "Not rated yet: step 4." in errors["step_ratings"][0]
    label = submit(step_project, annotator, assignment, step_ratings=[1, 1, 0, 1], final_answer_correct=True)
    assert label.step_ratings == [1, 1, 0, 1] and label.first_wrong_step is None
    assert label.finish_reason == "solution_complete" and label.step_notes == [None] * 4


def test_a_wrong_step_needs_a_category_of_the_project(step_project, annotator, assignment):
    base = {"step_ratings": [1, -1, 1, 1], "final_answer_correct": True}
    assert refused(step_project, annotator, assignment, **base) == {
        "step_notes": ["Step 2 is marked wrong: choose its error category."]}
    other = {"category": "typo", "comment": "", "correction": ""}
    assert refused(step_project, annotator, assignment, **base, step_notes=[None, other, None, None]) == {
        "step_notes": ["Step 2: “typo” is not one of this project's error categories."]}
    assert refused(step_project, annotator, assignment, **base, step_notes=[WRONG, WRONG, None, None]) == {
        "step_notes": ["Step 1 is not marked wrong: only a wrong step takes an error category."]}
    step_project.error_categories = ["typo", "arithmetic"]
    step_project.save()
    full = {"category": "typo", "comment": "  says 8 ", "correction": "$4 + 2 = 6$"}
    label = submit(step_project, annotator, assignment, **base, step_notes=[None, full, {"comment": "ok"}, None])
    assert label.step_notes == [None, {"category": "typo", "comment": "says 8", "correction": "$4 + 2 = 6$"},
                                {"category": "", "comment": "ok", "correction": ""}, None]


def test_final_answer_follows_the_project_setting(step_project, annotator, assignment):
    ratings = {"step_ratings": [1, 1, 1, 1]}
    assert refused(step_project, annotator, assignment, **ratings) == {
        "final_answer_correct": ["Say whether the final answer is correct."]}
    step_project.final_answer = "off"
    step_project.save()
    assert refused(step_project, annotator, assignment, **ratings, final_answer_correct=True) == {
        "final_answer_correct": ["This project does not ask whether the final answer is correct."]}
    step_project.final_answer = "optional"
    step_project.save()
    assert submit(step_project, annotator, assignment, **ratings).final_answer_correct is None


def test_bad_problem_and_give_up_need_no_steps(step_project, annotator, assignment):
    label = submit(step_project, annotator, assignment, step_ratings=[1, None, None, None], finish_reason="give_up")
    assert label.step_ratings == [1, None, None, None] and label.finish_reason == "give_up"
    assert label.final_answer_correct is None


def test_finish_reason_must_fit_the_marks(step_project, annotator, assignment):
    given = {"step_ratings": [1, 1, 1, 1], "final_answer_correct": True}
    assert refused(step_project, annotator, assignment, **given, finish_reason="found_error") == {
        "finish_reason": ["“Found an error” needs a step marked wrong (−1)."]}
    assert "finish_reason" in refused(step_project, annotator, assignment, **given, finish_reason="solution")


def test_notes_need_one_entry_per_step(step_project, annotator, assignment):
    errors = refused(step_project, annotator, assignment, step_ratings=[1, 1, 1, 1], step_notes=[None],
                     final_answer_correct=True)
    assert errors == {"step_notes": ["Give one note (or null) per step: 4."]}


def test_step_fields_are_refused_on_pair_items(project, annotator):
    row = {"prompt": "p", "responses": ["a", "b"]}
    import_file(project=project, user=None, data=json.dumps(row).encode(), filename="p.jsonl", fmt="native")
    assignment = services.next_assignment(project=project, user=annotator)
    scores = {"accuracy": [3, 3], "coherence": [3, 3]}
    errors = refused(project, annotator, assignment, preference=1, scores=scores, finish_reason="give_up",
                     final_answer_correct=True)
    assert set(errors) == {"finish_reason", "final_answer_correct"}
