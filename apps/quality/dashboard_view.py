"""The dashboard's figures (``selectors.project_dashboard``) laid out for the pages: formatted values with
their reasons when undefined, the annotator table sorted by any column, the heatmap and trend charts as SVG.

Plain functions over the dashboard dict: no queries here.
"""
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.safestring import SafeString

from . import charts
from .adjudication import aggregate_summary

FLAG_NAMES = {
    "too_fast": "too fast",
    "position_bias": "picks the left side",
    "length_bias": "picks the longer response",
    "tie_rate": "many ties",
    "low_gold": "low gold accuracy",
}
DEFAULT_SORT = ("labels", "desc")
RELIABLE, TENTATIVE = 0.8, 0.667  # Krippendorff's thresholds for reliable and tentative conclusions
MAX_TREND_ANNOTATORS = 8


@dataclass
class Figure:
    """One coefficient for display: ``text`` is the value, or "not defined" with ``reason`` beside it."""

    text: str
    value: float | None = None
    reason: str = ""
    note: str = ""

    @property
    def defined(self) -> bool:
        return self.value is not None


def number(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def percent(value, digits: int = 0) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def stat(data: dict | None, digits: int = 3) -> Figure:
    if not data:
        return Figure("not defined", reason="not computed")
    value = data.get("value")
    if value is None:
        return Figure("not defined", reason=data.get("reason") or "not defined")
    n = data.get("n_units")
    return Figure(number(value, digits), value, note=f"{n} items" if n else "")


def share(data: dict | None) -> Figure:
    """A stat whose value is a share, as a percentage."""
    figure = stat(data)
    if figure.defined:
        figure.text = percent(figure.value, 1)
    return figure


def age_text(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"
    return f"{seconds // 86400} d ago"


def interval_text(interval: dict | None) -> str:
    """ "95 % CI 0.412 – 0.618 (2 min ago)", or why there is none."""
    if not interval:
        return ""
    if interval.get("low") is None or interval.get("high") is None:
        return f"interval: {interval.get('reason') or 'not computed'}"
    confidence = round(100 * (interval.get("confidence") or 0.95))
    age = age_text(interval.get("age_seconds"))
    return f"{confidence} % CI {number(interval['low'])} – {number(interval['high'])}" + (f" ({age})" if age else "")


def with_interval(data: dict | None, interval: dict | None) -> Figure:
    figure = stat(data)
    figure.note = interval_text(interval)
    return figure


@dataclass
class Card:
    key: str
    label: str
    value: Figure
    notes: list[str] = field(default_factory=list)


def gold_figure(gold: dict) -> Figure:
    if not gold or not gold.get("total"):
        return Figure("not defined", reason="no labels on gold items yet")
    figure = Figure(percent(gold.get("accuracy"), 1), gold.get("accuracy"))
    detail = f"{gold['correct']} of {gold['total']} correct"
    if gold.get("low") is not None and gold.get("high") is not None:
        detail += f" · 95 % CI {percent(gold['low'])} – {percent(gold['high'])}"
    if not gold.get("enough"):
        figure.reason = gold.get("reason") or "too few gold items to judge"
    figure.note = detail
    return figure


HEADLINE_NAMES = {
    "preference": "Krippendorff's α, ordinal, on preference strength",
    "rank_pair": "Krippendorff's α, nominal, on the pairs implied by the rankings",
    "step": "Krippendorff's α, nominal, on step ratings",
}


def model_figure(model: dict | None) -> tuple[Figure, list[str]]:
    """The active reward model's agreement with the human majority, and notes that put the humans' agreement
    with each other beside it (both from the model's last rescoring)."""
    model = model or {}
    value = model.get("model_vs_majority")
    if value is None:
        return Figure("not defined", reason=model.get("reason") or "no active model"), []
    figure = Figure(percent(value, 1), value, note=f"{model.get('model_pairs', 0):,} decided pairs")
    human = model.get("human_vs_human")
    notes = [f"Humans with each other: {percent(human, 1)} ({model.get('human_pairs', 0):,} pairs)"
             if human is not None else "Humans with each other: not defined"]
    notes.append(f"Model v{model.get('version')}" + (f", scored {_day(model['rescored_at'])}"
                                                       if model.get("rescored_at") else ""))
    return figure, notes


def cards(data: dict) -> list[Card]:
    head = data["headline"]
    model, model_notes = model_figure(data.get("model"))
    items = head.get("items") or 0
    complete = head.get("items_complete") or 0
    alpha = with_interval(head.get("alpha"), head.get("alpha_interval"))
    return [
        Card("labels", "Labels", Figure(f"{head.get('labels', 0):,}", head.get("labels")),
             [f"{head.get('annotators', 0)} annotator{'s' if head.get('annotators') != 1 else ''}"]),
        Card("items_complete", "Items complete", Figure(f"{complete:,} / {items:,}", complete),
             [f"{percent(complete / items) if items else '—'} have all {data['project']['overlap']} labels",
              f"{head.get('items_labelled', 0):,} have at least one"]),
        Card("alpha", "Agreement (α)", alpha, [HEADLINE_NAMES.get(head.get("metric"), head.get("metric", ""))]),
        Card("model", "Model vs human majority", model, model_notes),
        Card("gold", "Gold accuracy", gold_figure(head.get("gold_accuracy") or {}), []),
    ]


def preference_rows(block: dict | None) -> list[tuple[str, Figure]]:
    if not block:
        return []
    intervals = block.get("intervals") or {}

    def paired(name):
        return with_interval(block[name], intervals.get(f"preference_{name}"))

    return [
        ("Krippendorff's α, ordinal (strength)", paired("alpha_ordinal")),
        ("α on direction (A / tie / B)", paired("alpha_direction")),
        ("Gwet's AC2, quadratic weights", paired("ac2_quadratic")),
        ("Percent agreement", share(block["percent_agreement"])),
        ("Tie rate", share(block["tie_rate"])),
        ("Fleiss' κ (direction; items with the same number of labels)", stat(block["fleiss_kappa"])),
    ]


def ranking_rows(block: dict | None) -> list[tuple[str, Figure]]:
    if not block:
        return []
    w = stat(block.get("kendall_w"))
    if block.get("chance_w") is not None:
        w.note = f"chance level {number(block['chance_w'], 2)}"
    return [
        ("Krippendorff's α on the implied pairs (nominal)", with_interval(block["alpha_pairs"], block.get("interval"))),
        ("Gwet's AC1 on the implied pairs", stat(block.get("ac1_pairs"))),
        ("Percent agreement on the implied pairs", share(block.get("percent_agreement_pairs"))),
        ("Mean pairwise Kendall τ-b", stat(block.get("mean_tau_b"))),
        ("Kendall's W", w),
    ]


def steps_rows(block: dict | None) -> list[tuple[str, Figure]]:
    if not block:
        return []
    return [
        ("α on step ratings (nominal)", with_interval(block["alpha_nominal"], block.get("interval"))),
        ("Gwet's AC1 on step ratings", stat(block["ac1"])),
        ("α on wrong vs not wrong", stat(block["alpha_wrong_vs_not"])),
        ("First wrong step: α (nominal)", stat(block["first_wrong_alpha"])),
        ("First wrong step: exact agreement", share(block["first_wrong_exact"])),
        ("First wrong step: within one step", share(block["first_wrong_within_one"])),
        ("Has an error: α", stat(block["has_error_alpha"])),
        ("Final answer: α", stat(block["final_answer_alpha"])),
        ("Final answer: AC1", stat(block["final_answer_ac1"])),
        ("Error category: α", stat(block["category_alpha"])),
        ("Error category: AC1", stat(block.get("category_ac1"))),
    ]


@dataclass
class DimensionRow:
    name: str
    scale: str
    ordinal: Figure
    interval_alpha: Figure
    ac2: Figure
    agreement: Figure
    fleiss: Figure
    units: int


def dimension_rows(rows: list[dict]) -> list[DimensionRow]:
    return [
        DimensionRow(
            row["name"], f"{row['scale_min']}–{row['scale_max']}" if row.get("scale_min") is not None else "",
            with_interval(row["alpha_ordinal"], row.get("interval")), stat(row["alpha_interval"]),
            stat(row["ac2_quadratic"]), share(row["percent_agreement"]), stat(row["fleiss_kappa"]),
            row.get("n_units") or 0,
        )
        for row in rows
    ]


# --- annotators --------------------------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    title: str
    numeric: bool = True


COLUMNS = [
    Column("username", "Annotator", "Username", numeric=False),
    Column("labels", "Labels", "Current labels in this project"),
    Column("gold", "Gold accuracy", "Share of gold items answered as the answer key says"),
    Column("loo", "Agrees with others", "Agreement with the majority of the other annotators (leave-one-out)"),
    Column("left", "Left picks", "Share of decisive picks for the response shown on the left (50 % = no bias)"),
    Column("longer", "Longer picks", "Share of picks for the longer response"),
    Column("ties", "Tie rate", "Share of tie answers, against the project's rate"),
    Column("time", "Median time", "Median active time per label"),
    Column("ds", "Reliability (DS)", "Dawid-Skene estimate of how often this annotator is right"),
    Column("cohen", "Mean κ", "Mean Cohen's κ with each other annotator"),
    Column("flags", "Flags", "Raised flags"),
]
SORT_KEYS = {
    "username": lambda r: r["username"].lower(),
    "labels": lambda r: r["labels"],
    "gold": lambda r: r["gold"].get("accuracy"),
    "loo": lambda r: r["loo_agreement"].get("rate"),
    "left": lambda r: r["left_share"].get("share"),
    "longer": lambda r: r["longer_share"].get("share"),
    "ties": lambda r: r["tie_rate"].get("rate"),
    "time": lambda r: r["active_time"].get("median_s"),
    "ds": lambda r: r.get("dawid_skene_reliability"),
    "cohen": lambda r: r.get("cohen_mean"),
    "flags": lambda r: len(r.get("flagged") or []),
}


def seconds_text(value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} s" if value < 60 else f"{int(value) // 60} min {int(value) % 60} s"


def _binomial(data: dict) -> Figure:
    if data.get("share") is None:
        return Figure("—", reason=data.get("reason") or "")
    figure = Figure(percent(data["share"]), data["share"])
    detail = f"{data.get('successes', 0)} of {data.get('trials', 0)}"
    if data.get("q_value") is not None:
        detail += f" · q = {number(data['q_value'], 3)}"
    figure.note = detail
    return figure


@dataclass
class AnnotatorRow:
    username: str
    labels: int
    cells: dict
    flags: list[tuple[str, str]]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def _annotator_row(row: dict) -> AnnotatorRow:
    gold = row.get("gold") or {}
    loo = row.get("loo_agreement") or {}
    ties = row.get("tie_rate") or {}
    active = row.get("active_time") or {}
    tie = Figure(percent(ties.get("rate")), ties.get("rate"), reason=ties.get("reason") or "")
    if ties.get("baseline") is not None:
        tie.note = f"project {percent(ties['baseline'])}"
    loo_figure = Figure(percent(loo.get("rate")), loo.get("rate"), reason=loo.get("reason") or "")
    if loo.get("compared"):
        loo_figure.note = f"{loo.get('agreed', 0)} of {loo['compared']}"
    time = Figure(seconds_text(active.get("median_s")), active.get("median_s"), reason=active.get("reason") or "")
    if active.get("n"):
        time.note = f"{active['n']} timed"
    cells = {
        "labels": Figure(f"{row['labels']:,}", row["labels"], note=percent(row.get("share_of_labels"))),
        "gold": gold_figure(gold),
        "loo": loo_figure,
        "left": _binomial(row.get("left_share") or {}),
        "longer": _binomial(row.get("longer_share") or {}),
        "ties": tie,
        "time": time,
        "ds": Figure(number(row.get("dawid_skene_reliability")), row.get("dawid_skene_reliability")),
        "cohen": Figure(number(row.get("cohen_mean")), row.get("cohen_mean")),
    }
    flags = [(key, FLAG_NAMES.get(key, key)) for key in row.get("flagged") or []]
    return AnnotatorRow(row["username"], row["labels"], cells, flags)


def sort_annotators(rows: list[dict], sort: str, direction: str) -> tuple[list[dict], str, str]:
    """Rows sorted by the column ``sort`` (unknown: most labels first); values not defined go last either way."""
    if sort not in SORT_KEYS:
        sort, direction = DEFAULT_SORT
    direction = "asc" if direction == "asc" else "desc"
    key = SORT_KEYS[sort]
    defined = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    defined.sort(key=lambda r: r["username"].lower())
    defined.sort(key=key, reverse=direction == "desc")  # stable: equal values stay in name order
    missing.sort(key=lambda r: r["username"].lower())
    return defined + missing, sort, direction


@dataclass
class HeaderCell:
    column: Column
    href: str
    sorted: str  # "ascending", "descending" or ""


def headers(sort: str, direction: str, window: str = "") -> list[HeaderCell]:
    """The annotator table's column headers, each a link that sorts by it (keeping the trends' window)."""
    keep = f"&window={window}" if window and window != "auto" else ""
    out = []
    for column in COLUMNS:
        if column.key == sort:
            next_direction = "asc" if direction == "desc" else "desc"
            state = "ascending" if direction == "asc" else "descending"
        else:
            next_direction = "asc" if not column.numeric else "desc"
            state = ""
        out.append(HeaderCell(column, f"?sort={column.key}&dir={next_direction}{keep}", state))
    return out


# --- charts ------------------------------------------------------------------------------------------------


def _day(value) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).strftime("%b %d %H:%M")
    except ValueError:
        return str(value)


def heatmap_svg(heatmap: dict) -> SafeString | None:
    people = heatmap.get("annotators") or []
    cells = heatmap.get("cells") or []
    if len(people) < 2 or not cells:
        return None
    names = [p["username"] if isinstance(p, dict) else str(p) for p in people]
    values, reasons, counts = [], [], []
    for i, row in enumerate(cells):
        values.append([]), reasons.append([]), counts.append([])
        for j, cell in enumerate(row):
            if i == j:
                values[i].append(None), reasons[i].append("same annotator"), counts[i].append(0)
            elif not cell:
                values[i].append(None), reasons[i].append("no shared items"), counts[i].append(0)
            else:
                values[i].append(cell.get("value")), reasons[i].append(cell.get("reason") or "")
                counts[i].append(cell.get("n") or 0)
    return charts.heatmap(names, values, low=0.0, high=1.0, reasons=reasons, counts=counts,
                          title=f"Pairwise {heatmap.get('measure') or 'agreement'}")


def dimension_trend_chart(data: dict) -> SafeString | None:
    """Ordinal α of each rubric dimension per time window (one line per dimension)."""
    points = (data.get("trends") or {}).get("points") or []
    keys = list(dict.fromkeys(k for p in points for k in (p.get("dimensions") or {})))
    if not points or not keys:
        return None
    names = {row["key"]: row["name"] for row in data.get("dimensions") or []}
    series = [charts.Series(names.get(key, key), [((p.get("dimensions") or {}).get(key) or {}).get("value")
                                                 for p in points]) for key in keys]
    low = min([v for s in series for v in s.values if v is not None] + [0.0])
    return charts.line_chart(charts.LineChart(
        [_day(p.get("start")) for p in points], series, y_min=low, y_max=1.0,
        title="α per rubric dimension (ordinal)", reference=[(RELIABLE, "reliable"), (TENTATIVE, "tentative")],
    ))


@dataclass
class WindowChoice:
    key: str
    label: str
    href: str
    current: bool


WINDOW_LABELS = {"auto": "auto", "hour": "hour", "day": "day", "week": "week"}


def window_choices(trends: dict, sort: str, direction: str) -> list[WindowChoice]:
    """Links that show the trends by another time window, keeping the annotator table's order."""
    chosen = trends.get("chosen") or "auto"
    out = []
    for key in trends.get("choices") or []:
        label = WINDOW_LABELS.get(key, key)
        if key == "auto" and trends.get("window"):
            label = f"auto ({trends['window']})" if chosen == "auto" else label
        out.append(WindowChoice(key, label, f"?sort={sort}&dir={direction}&window={key}", key == chosen))
    return out


def trend_charts(data: dict) -> list[SafeString]:
    points = (data.get("trends") or {}).get("points") or []
    out = []
    if points:
        x = [_day(p.get("start")) for p in points]
        alpha = [((p.get("alpha") or {}).get("value")) for p in points]
        ties = [p.get("tie_rate") for p in points]
        series = [charts.Series("α", alpha)]
        if any(t is not None for t in ties):
            series.append(charts.Series("tie rate", ties))
        low = min([v for s in series for v in s.values if v is not None] + [0.0])
        out.append(charts.line_chart(charts.LineChart(
            x, series, y_min=low, y_max=1.0, title="Agreement over time",
            reference=[(RELIABLE, "reliable"), (TENTATIVE, "tentative")],
        )))
        dimensions = dimension_trend_chart(data)
        if dimensions is not None:
            out.append(dimensions)
        out.append(charts.line_chart(charts.LineChart(
            x, [charts.Series("labels", [p.get("labels") for p in points])], y_min=0, title="Labels per window",
        )))
    people = [r for r in data.get("annotators") or [] if r.get("trend")][:MAX_TREND_ANNOTATORS]
    if people:
        starts = sorted({p.get("start") for r in people for p in r["trend"] if p.get("start")})
        series = []
        for row in people:
            by_start = {}
            for point in row["trend"]:
                value = point.get("loo_agreement")
                by_start[point.get("start")] = value.get("rate") if isinstance(value, dict) else value
            series.append(charts.Series(row["username"], [by_start.get(s) for s in starts]))
        out.append(charts.line_chart(charts.LineChart(
            [_day(s) for s in starts], series, y_min=0.0, y_max=1.0, title="Agreement with the others, per annotator",
        )))
    return out


# --- the whole board ---------------------------------------------------------------------------------------


@dataclass
class Board:
    data: dict
    cards: list[Card]
    preference: list[tuple[str, Figure]]
    ranking: list[tuple[str, Figure]]
    steps: list[tuple[str, Figure]]
    dimensions: list[DimensionRow]
    flags: list[dict]
    annotators: list[AnnotatorRow]
    headers: list[HeaderCell]
    sort: str
    direction: str
    heatmap: SafeString | None
    trends: list[SafeString]
    heavy: dict
    heavy_text: str
    windows: list[WindowChoice] = field(default_factory=list)


def flag_rows(rows: list[dict]) -> list[dict]:
    return [{"name": row["name"], "rate": percent(row.get("rate"), 1), "alpha": stat(row.get("alpha_nominal")),
             "ac1": stat(row.get("ac1"))} for row in rows if row.get("rate")]


def heavy_text(heavy: dict) -> str:
    if not heavy.get("available"):
        return f"Intervals, heatmap, trends and Dawid-Skene: {heavy.get('reason') or 'not computed yet'}."
    text = f"Heavy statistics computed {age_text(heavy.get('age_seconds'))}"
    if heavy.get("duration_ms") is not None:
        text += f" in {heavy['duration_ms']} ms"
    if heavy.get("labels_seen") is not None:
        text += f", on {heavy['labels_seen']:,} labels"
    return text + (" (being refreshed: labels have arrived since)." if heavy.get("stale") else ".")


def build(data: dict, *, sort: str = "", direction: str = "") -> Board:
    annotators, sort, direction = sort_annotators(list(data.get("annotators") or []), sort, direction)
    heavy = data.get("heavy") or {}
    trends = data.get("trends") or {}
    return Board(
        data=data, cards=cards(data), preference=preference_rows(data.get("preference")),
        ranking=ranking_rows(data.get("ranking")), steps=steps_rows(data.get("steps")),
        dimensions=dimension_rows(data.get("dimensions") or []), flags=flag_rows(data.get("flags") or []),
        annotators=[_annotator_row(r) for r in annotators], headers=headers(sort, direction, trends.get("chosen", "")),
        sort=sort, direction=direction, heatmap=heatmap_svg(data.get("heatmap") or {}), trends=trend_charts(data),
        heavy=heavy, heavy_text=heavy_text(heavy), windows=window_choices(trends, sort, direction),
    )


# --- the disagreement queue --------------------------------------------------------------------------------


def queue_row(row: dict, adjudicated: set[int], prompt: str = "") -> dict:
    """A queue row with its figures formatted, its values spread ("-1 ×2, 1 ×1"), prompt, status, and its majority
    beside its Dawid-Skene label (``aggregate``)."""
    values = row.get("values") or {}
    spread = ", ".join(f"{value} ×{count}" for value, count in sorted(values.items(), key=lambda kv: _as_number(kv[0])))
    return {**row, "split_text": percent(row.get("split")), "distance_text": number(row.get("distance"), 2),
            "values_text": spread, "adjudicated": row["item_id"] in adjudicated, "prompt": prompt,
            "aggregate": aggregate_summary(row.get("kind", ""), row)}


def _as_number(text):
    try:
        return (0, float(text))
    except (TypeError, ValueError):
        return (1, str(text))
