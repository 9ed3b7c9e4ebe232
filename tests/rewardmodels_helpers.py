"""Helpers the reward-model tests share: projects with labelled items, made the way imports make them."""
import json

from apps.datasets.models import Item
from apps.datasets.services import import_file
from apps.projects.services import project_update


def import_rows(project, rows) -> dict[str, Item]:
    data = "\n".join(json.dumps(row) for row in rows).encode()
    batch = import_file(project=project, user=None, data=data, filename="rows.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors[:3]
    return {item.external_id: item for item in Item.objects.filter(project=project)}


def voted(external_id, *preferences, prompt=None, responses=None):
    """A pair row whose labels are the given canonical preferences, one annotator each (v1, v2, …)."""
    return {"id": external_id, "prompt": prompt or f"Question {external_id}?",
            "responses": responses or [f"{external_id} answer one", f"{external_id} answer two"],
            "labels": [{"annotator": f"v{i + 1}", "preference": p} for i, p in enumerate(preferences)]}


def five_point(project, overlap=5):
    project_update(project, overlap=overlap, preference_scale="five")
    return project


ARITHMETIC = [(a, b) for a in range(2, 9) for b in range(3, 7)]


def arithmetic_rows(count: int, *, overlap_labels: int = 1) -> list[dict]:
    """Pairs of a correct and a wrong worked sum; the correct one is preferred by every annotator."""
    rows = []
    for n, (a, b) in enumerate(ARITHMETIC[:count]):
        right, wrong = f"{a} + {b} = {a + b}. The answer is {a + b}.", f"{a} + {b} = {a + b + 3}. The answer is {a + b + 3}."
        first_right = n % 2 == 0
        responses = [right, wrong] if first_right else [wrong, right]
        preference = 1 if first_right else -1
        rows.append({"id": f"sum{n}", "prompt": f"What is {a} + {b}?", "responses": responses,
                     "labels": [{"annotator": f"v{i + 1}", "preference": preference} for i in range(overlap_labels)]})
    return rows


class Enqueued:
    """Stands in for Celery in tests that are not about the worker: records what would be sent."""

    def __init__(self, monkeypatch, *, fail: bool = False):
        from kombu.exceptions import OperationalError

        from worker.tasks import rewardmodels as tasks

        self.calls: list[tuple[str, list]] = []

        def fake(name):
            def apply_async(args=None, **kwargs):
                if fail:
                    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
                self.calls.append((name, list(args or [])))

                class Result:
                    id = f"task-{len(self.calls)}"
                return Result()
            return apply_async

        for name in ("train", "rescore", "evaluate"):
            monkeypatch.setattr(getattr(tasks, name), "apply_async", fake(name))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def make_version(project, *, store, number_hint="", metrics=None, kind="outcome"):
    """A succeeded run with a registered version whose (empty) files folder exists in ``store``."""
    from apps.rewardmodels import services
    from apps.rewardmodels.models import RunStatus, TrainingRun

    run = TrainingRun.objects.create(project=project, kind=kind, status=RunStatus.RUNNING, parameters={})
    path = f"{project.slug}-run{run.pk}{number_hint}"
    (store / path).mkdir(parents=True)
    return services.run_succeed(run.pk, path=path, metrics=metrics or {"pairwise_accuracy": 0.7})
