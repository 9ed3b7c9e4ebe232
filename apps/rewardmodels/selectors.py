"""Reads for reward models: runs, versions, scores, and what the model pages show."""
from django.db.models import QuerySet

from apps.datasets.models import Item, Response

from .models import ModelVersion, RetrainPolicy, Score, TrainingRun

COMPARED_METRICS = (
    ("pairwise_accuracy", "Held-out pairwise accuracy"),
    ("ece", "Calibration error (ECE)"),
    ("n_heldout", "Held-out examples"),
    ("step_accuracy", "Step accuracy"),
    ("first_error_accuracy", "First-error accuracy"),
)


def runs_of(project) -> QuerySet[TrainingRun]:
    return (TrainingRun.objects.filter(project=project).select_related("requested_by", "version")
            .defer("snapshot_label_ids", "log").order_by("-created_at", "-id"))


def run_get(project, run_id: int) -> TrainingRun | None:
    if not 0 < run_id < 2**63:
        return None
    return TrainingRun.objects.filter(project=project, pk=run_id).select_related("requested_by", "version").first()


def versions_of(project) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(project=project).select_related("run", "promoted_by").defer(
        "run__snapshot_label_ids", "run__log").order_by("-number")


def version_get(project, number: int) -> ModelVersion | None:
    if not 0 < number < 2**31:
        return None
    return versions_of(project).filter(number=number).first()


def active_version(project, kind: str) -> ModelVersion | None:
    return versions_of(project).filter(kind=kind, is_active=True).first()


def policy_get(project) -> RetrainPolicy | None:
    return RetrainPolicy.objects.filter(project=project).first()


def scores_of(project, *, version_number: int | None = None, item_id: int | None = None) -> QuerySet[Score]:
    scores = Score.objects.filter(version__project=project).select_related("version")
    if version_number is not None:
        scores = scores.filter(version__number=version_number)
    if item_id is not None:
        scores = scores.filter(response__slots__item_id=item_id, response__slots__item__project=project)
    return scores.order_by("version__number", "response_id")


def metric_table(versions: list[ModelVersion]) -> list[dict]:
    """Rows of metrics (only those any version has), one value per version, side by side."""
    rows = []
    for key, name in COMPARED_METRICS:
        values = [v.metrics.get(key) for v in versions]
        if any(value is not None for value in values):
            rows.append({"key": key, "name": name, "values": values})
    for group, name in (("accuracy_by_source", "Accuracy, source"), ("accuracy_by_dimension", "Accuracy, dimension")):
        keys = sorted({k for v in versions for k in (v.metrics.get(group) or {})})
        for key in keys:
            rows.append({"key": f"{group}.{key}", "name": f"{name} {key}",
                         "values": [(v.metrics.get(group) or {}).get(key) for v in versions]})
    return rows


def annotator_table(version: ModelVersion | None) -> list[dict]:
    """Model-vs-annotator accuracy beside each annotator's agreement with the others (held-out)."""
    if version is None:
        return []
    model = version.metrics.get("model_vs_annotator") or {}
    humans = version.metrics.get("annotator_vs_others") or {}
    return [{"annotator": name, "model": model.get(name), "others": humans.get(name)}
            for name in sorted(set(model) | set(humans))]


def loved_rejected_rows(version: ModelVersion | None) -> list[dict]:
    """The dashboard's "model loves, humans reject" rows, with the texts (20 rows at most)."""
    if version is None:
        return []
    rows = list(version.rescore_summary.get("loved_rejected") or [])
    ids = {r["chosen_response_id"] for r in rows} | {r["rejected_response_id"] for r in rows}
    texts = dict(Response.objects.filter(pk__in=ids, project=version.project).values_list("id", "text"))
    prompts = dict(Item.objects.filter(pk__in={r["item_id"] for r in rows}, project=version.project)
                   .values_list("id", "prompt__messages"))
    for row in rows:
        row["chosen_text"] = texts.get(row["chosen_response_id"], "")
        row["rejected_text"] = texts.get(row["rejected_response_id"], "")
        messages = prompts.get(row["item_id"]) or []
        row["prompt_text"] = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    return rows


def shift_rows(version: ModelVersion | None) -> list[dict]:
    if version is None:
        return []
    examples = list((version.rescore_summary.get("shift") or {}).get("examples") or [])
    texts = dict(Response.objects.filter(pk__in=[e["response_id"] for e in examples], project=version.project)
                 .values_list("id", "text"))
    return [{**e, "text": texts.get(e["response_id"], "")} for e in examples]


def scores_for_export(version_id: int):
    rows = (Score.objects.filter(version_id=version_id).order_by("response_id")
            .values("response_id", "reward", "std", "step_scores", "first_wrong", "response__text",
                    "response__prompt__messages"))
    for row in rows.iterator(chunk_size=2000):
        yield {"response_id": row["response_id"], "prompt": row["response__prompt__messages"],
               "response": row["response__text"], "reward": row["reward"], "std": row["std"],
               "step_scores": row["step_scores"], "first_wrong": row["first_wrong"]}
