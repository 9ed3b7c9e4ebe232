"""Splitting a solution into steps by the project's step_split setting."""
import json

import pytest

from apps.datasets.models import Item
from apps.datasets.selectors import item_responses
from apps.datasets.services import import_file
from apps.datasets.steps import split_steps

TEXT = "Intro line.\nStep 1: read.\n\nStep 2. think\nmore thinking\n\n**Step 3:** answer 42"


@pytest.mark.parametrize("mode, steps", [
    ("lines", ["Intro line.", "Step 1: read.", "Step 2. think", "more thinking", "**Step 3:** answer 42"]),
    ("paragraphs", ["Intro line.\nStep 1: read.", "Step 2. think\nmore thinking", "**Step 3:** answer 42"]),
    ("markers", ["Intro line.\nStep 1: read.", "Step 2. think\nmore thinking", "**Step 3:** answer 42"]),
])
def test_split_modes(mode, steps):
    assert split_steps(TEXT, mode) == steps


def test_markers_without_any_marker_is_one_step():
    assert split_steps("  just one block\nof text ", "markers") == ["just one block\nof text"]


def test_windows_line_endings():
    assert split_steps("a\r\n\r\nb", "paragraphs") == ["a", "b"]


def test_the_project_setting_is_used_on_import(step_project):
    step_project.step_split = "markers"
    step_project.save()
    data = json.dumps({"prompt": "p", "responses": [TEXT]}).encode()
    import_file(project=step_project, user=None, data=data, filename="s.jsonl")
    steps = item_responses(Item.objects.get(project=step_project))[0].steps
    assert steps == ["Intro line.\nStep 1: read.", "Step 2. think\nmore thinking", "**Step 3:** answer 42"]
