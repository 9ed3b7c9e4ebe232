"""Rescoring: the queue order follows the active model's doubt, disputes ask for more labels, dashboard figures."""
import pytest
from rewardmodels_helpers import Enqueued, five_point, import_rows, make_version, voted

from apps.datasets.models import Item
from apps.labeling.services import next_assignment
from apps.rewardmodels import services
from apps.rewardmodels.models import Score
from apps.rewardmodels.priorities import closeness, sigmoid, spread


@pytest.fixture
def store(settings, tmp_path):
    settings.MODEL_STORE = tmp_path / "store"
    return settings.MODEL_STORE


def responses_of(item):
    return [slot.response_id for slot in item.slots.order_by("position")]


def write_scores(version, rewards: dict[int, tuple[float, float]]):
    services.scores_replace(version, [{"response_id": rid, "reward": r, "std": s} for rid, (r, s) in rewards.items()])


@pytest.fixture
def items(project):
    five_point(project, overlap=2)
    return import_rows(project, [
        voted("sure"), voted("unsure"), voted("spread"),          # unlabelled: open in the queue
        voted("agree", 1, 1), voted("dispute", 1, 2),             # finished: humans prefer response one
    ])


def active(project, store, monkeypatch):
    Enqueued(monkeypatch)
    version = make_version(project, store=store)
    services.version_promote(version)
    return version


def test_priorities_follow_model_doubt_and_the_queue_serves_the_most_doubtful_first(project, items, store, monkeypatch,
                                                                                  annotator):
    version = active(project, store, monkeypatch)
    sure, unsure, spread_item = (responses_of(items[k]) for k in ("sure", "unsure", "spread"))
    write_scores(version, {sure[0]: (3.0, 0.0), sure[1]: (-3.0, 0.0), unsure[0]: (0.1, 0.0), unsure[1]: (0.0, 0.0),
                           spread_item[0]: (1.0, 0.9), spread_item[1]: (0.0, 0.9)})
    before = dict(Item.objects.filter(project=project).values_list("external_id", "priority"))
    summary = services.rescore_apply(version)
    after = dict(Item.objects.filter(project=project).values_list("external_id", "priority"))
    assert before != after
    assert after["sure"] == pytest.approx(closeness(sigmoid(6.0)), abs=1e-6)
    assert after["unsure"] == pytest.approx(closeness(sigmoid(0.1)), abs=1e-6)
    assert after["spread"] == pytest.approx(closeness(sigmoid(1.0)) + spread(0.9, 0.9), abs=1e-6)
    assert after["spread"] > after["unsure"] > after["sure"]
    assert summary["items_reprioritised"] == 3 and summary["applied_to_queue"]
    assignment = next_assignment(project=project, user=annotator)
    assert assignment.item.external_id == "spread"


def test_a_confident_dispute_of_a_finished_item_asks_for_one_more_label_within_the_cap(project, items, store, monkeypatch):
    version = active(project, store, monkeypatch)
    services.policy_update(project, extra_labels_cap=1, disagreement_threshold=0.8)
    agree, dispute = responses_of(items["agree"]), responses_of(items["dispute"])
    write_scores(version, {agree[0]: (2.0, 0.0), agree[1]: (0.0, 0.0), dispute[0]: (-2.0, 0.0), dispute[1]: (1.0, 0.0)})
    summary = services.rescore_apply(version)
    rows = {i.external_id: i for i in Item.objects.filter(project=project)}
    assert rows["dispute"].overlap == 3 and rows["dispute"].priority == pytest.approx(2 + sigmoid(3.0), abs=1e-6)
    assert rows["agree"].overlap == 2 and rows["agree"].priority == 0.0
    assert summary["extra_labels_requested"] == 1 and summary["items_disputed"] == 1
    # Rescoring again does not go beyond the project's overlap + cap (2 + 1).
    from apps.datasets.models import Item as ItemModel
    ItemModel.objects.filter(pk=rows["dispute"].pk).update(overlap=3)
    services.rescore_apply(version)
    assert Item.objects.get(pk=rows["dispute"].pk).overlap == 3


def test_a_mild_disagreement_does_not_ask_for_labels(project, items, store, monkeypatch):
    version = active(project, store, monkeypatch)
    dispute = responses_of(items["dispute"])
    write_scores(version, {dispute[0]: (0.0, 0.0), dispute[1]: (0.5, 0.0)})  # P(rejected better) = 0.62 < 0.8
    services.rescore_apply(version)
    assert Item.objects.get(pk=items["dispute"].pk).overlap == 2


def test_scores_of_a_version_that_is_not_active_leave_the_queue_alone(project, items, store, monkeypatch):
    Enqueued(monkeypatch)
    version = make_version(project, store=store)
    sure = responses_of(items["sure"])
    write_scores(version, {sure[0]: (0.0, 0.0), sure[1]: (0.0, 0.0)})
    summary = services.rescore_apply(version)
    assert not summary["applied_to_queue"]
    assert Item.objects.get(pk=items["sure"].pk).priority == 0.0


def test_dashboard_summary_agreement_loved_rejected_and_shift(project, items, store, monkeypatch):
    version = active(project, store, monkeypatch)
    agree, dispute = responses_of(items["agree"]), responses_of(items["dispute"])
    others = [rid for key in ("sure", "unsure", "spread") for rid in responses_of(items[key])]
    rewards = {agree[0]: (1.0, 0.0), agree[1]: (0.0, 0.0), dispute[0]: (0.0, 0.0), dispute[1]: (2.0, 0.0)}
    rewards.update({rid: (50.0, 0.0) for rid in others[:2]})
    rewards.update({rid: (0.5, 0.0) for rid in others[2:]})
    write_scores(version, rewards)
    version.run.snapshot_label_ids = list(items["agree"].labels.values_list("id", flat=True)) + list(
        items["dispute"].labels.values_list("id", flat=True))
    version.run.save()
    summary = services.rescore_apply(version)
    assert summary["agreement"] == {"model_vs_majority": 0.5, "model_pairs": 2, "human_vs_human": 1.0, "human_pairs": 2}
    [loved] = summary["loved_rejected"]
    assert loved["item_id"] == items["dispute"].pk and loved["rejected_response_id"] == dispute[1]
    assert summary["shift"]["n_outside"] == 2 and summary["shift"]["warning"]
    version.refresh_from_db()
    assert version.rescore_summary == summary and version.rescored_at is not None


def test_scores_are_replaced_as_a_whole(project, items, store):
    version = make_version(project, store=store)
    sure = responses_of(items["sure"])
    write_scores(version, {sure[0]: (1.0, 0.0), sure[1]: (2.0, 0.0)})
    write_scores(version, {sure[0]: (3.0, 0.1)})
    assert list(Score.objects.filter(version=version).values_list("response_id", "reward", "std")) == [(sure[0], 3.0, 0.1)]
