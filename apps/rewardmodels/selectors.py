"""Reads for reward models: runs, versions, scores, and what the model pages show (and the quality dashboard's
model-vs-human agreement), and a version's scores as a download (``score_lines``: JSON lines or CSV, streamed)."""
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Func, IntegerField, QuerySet

from apps.core.streaming import chunked
from apps.datasets.models import Item, Response

from .models import ModelVersion, RetrainPolicy, Score, TrainingRun

COMPARED_METRICS = (
    ("pairwise_accuracy", "Held-out pairwise accuracy"),
    ("ece", "Calibration error (ECE)"),
    ("n_heldout", "Held-out examples"),
    ("step_accuracy", "Step accuracy"),
    ("first_error_accuracy", "First-error accuracy"),
)


@dataclass(frozen=True)
class RunFilters:
    status: str = ""  # a RunStatus value
    kind: str = ""  # a ModelKind value


class JSONArrayLength(Func):
    """The length of a JSON array column, counted by the database (PostgreSQL jsonb, SQLite json)."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="json_array_length", **extra)


def runs_of(project, filters: RunFilters = RunFilters()) -> QuerySet[TrainingRun]:
    """The project's training runs, newest first, narrowed by ``filters``; ``labels_used`` counted in the
    query, so that a list does not read every run's label ids."""
    runs = (TrainingRun.objects.filter(project=project).select_related("requested_by", "version")
            .defer("snapshot_label_ids", "log").annotate(labels_used=JSONArrayLength("snapshot_label_ids"))
            .order_by("-created_at", "-id"))
    if filters.status:
        runs = runs.filter(status=filters.status)
    if filters.kind:
        runs = runs.filter(kind=filters.kind)
    return runs


def run_get(project, run_id: int) -> TrainingRun | None:
    if not 0 < run_id < 2**63:
        return None
    return TrainingRun.objects.filter(project=project, pk=run_id).select_related("requested_by", "version").first()


@dataclass(frozen=True)
class VersionFilters:
    kind: str = ""  # a ModelKind value
    active: bool | None = None  # None: every version; True: the active ones (one per kind); False: the others


def versions_of(project, filters: VersionFilters = VersionFilters()) -> QuerySet[ModelVersion]:
    """The project's model versions, newest first, narrowed by ``filters``."""
    versions = ModelVersion.objects.filter(project=project).select_related("run", "promoted_by").defer(
        "run__snapshot_label_ids", "run__log").order_by("-number")
    if filters.kind:
        versions = versions.filter(kind=filters.kind)
    if filters.active is not None:
        versions = versions.filter(is_active=filters.active)
    return versions


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


NO_ACTIVE_MODEL = "no active model: promote a version on the Models page"
NOT_RESCORED = "the active model has not scored the responses yet"
NO_DECIDED_PAIRS = "no pair the humans decided has scores from the model"


def model_human_agreement(project) -> dict:
    """The active model's agreement with the human majority beside the humans' agreement with each other, as the
    model's last rescoring of the project found them (``priorities.agreement``: over the pairs the humans decided,
    the share where the model gives the chosen side the higher reward; over every two annotators of an item, the
    share of their pair votes with the same direction). One query.

    ``{available, version, kind, rescored_at, model_vs_majority, model_pairs, human_vs_human, human_pairs,
    reason}``: ``model_vs_majority`` is ``None`` with ``reason`` saying why when it is not defined."""
    from .services import kind_for

    version = (ModelVersion.objects.filter(project=project, kind=kind_for(project), is_active=True)
               .only("number", "kind", "rescored_at", "rescore_summary").first())
    out = {"available": False, "version": None, "kind": kind_for(project), "rescored_at": None,
           "model_vs_majority": None, "model_pairs": 0, "human_vs_human": None, "human_pairs": 0,
           "reason": NO_ACTIVE_MODEL}
    if version is None:
        return out
    out.update(version=version.number, reason=NOT_RESCORED)
    agreement = (version.rescore_summary or {}).get("agreement")
    if version.rescored_at is None or not agreement:
        return out
    out.update({key: agreement.get(key) for key in ("model_vs_majority", "human_vs_human")},
               model_pairs=agreement.get("model_pairs") or 0, human_pairs=agreement.get("human_pairs") or 0,
               rescored_at=version.rescored_at.isoformat(), available=True,
               reason=None if agreement.get("model_vs_majority") is not None else NO_DECIDED_PAIRS)
    return out


# --- a version's scores as a download -----------------------------------------------------------------------

SCORE_FORMATS = {"jsonl": "application/jsonl; charset=utf-8", "csv": "text/csv; charset=utf-8"}
SCORE_COLUMNS = ["response_id", "model_name", "prompt", "response", "reward", "std", "step_scores", "first_wrong"]
SCORE_CHUNK = 2000


def scores_for_export(version: ModelVersion):
    """The version's scores, one dict per scored response in response id order, read through a cursor:
    ``{response_id, model_name, prompt (message list), response (text), reward, std, step_scores, first_wrong}``."""
    rows = (Score.objects.filter(version_id=version.pk).order_by("response_id")
            .values_list("response_id", "response__model_name", "response__prompt__messages", "response__text",
                         "reward", "std", "step_scores", "first_wrong"))
    for row in rows.iterator(chunk_size=SCORE_CHUNK):
        yield dict(zip(SCORE_COLUMNS, row))


def _prompt_text(messages) -> str:
    """The question a CSV row shows: the last user turn (the JSON lines keep the whole message list)."""
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return str(message.get("content", ""))
    return ""


def _safe_cell(value: str) -> str:
    # A text cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def score_lines(version: ModelVersion, fmt: str) -> Iterator[str]:
    """The version's scores as text, a line at a time: JSON lines (``prompt`` as the message list), or CSV with a
    header row (``prompt`` as the last user turn, ``step_scores`` as a JSON list, empty cells for nulls)."""
    if fmt not in SCORE_FORMATS:
        raise ValueError(f"unknown score format {fmt!r}; the formats are {', '.join(SCORE_FORMATS)}")
    if fmt == "jsonl":
        for row in scores_for_export(version):
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SCORE_COLUMNS)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in scores_for_export(version):
        row["prompt"] = _prompt_text(row["prompt"])
        row["step_scores"] = json.dumps(row["step_scores"]) if row["step_scores"] is not None else ""
        writer.writerow([
            _safe_cell(row[c] or "") if c in ("model_name", "prompt", "response") else
            ("" if row[c] is None else row[c]) for c in SCORE_COLUMNS
        ])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def score_chunks(version: ModelVersion, fmt: str) -> Iterator[str]:
    """``score_lines`` gathered into chunks, for an HTTP response."""
    return chunked(score_lines(version, fmt))


def score_filename(version: ModelVersion, fmt: str) -> str:
    return f"{version.project.slug}-model-v{version.number}-scores.{fmt}"
