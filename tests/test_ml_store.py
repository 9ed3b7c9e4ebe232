"""The model store (worker.ml.store): atomic saves, round trip, crashes leave nothing visible."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.ml_helpers import small_base_model
from worker.ml import store
from worker.ml.config import TrainConfig
from worker.ml.training import TrainResult

ITEMS = [([{"role": "user", "content": "What is 2 + 2?"}], "2 + 2 = 4."),
         ([{"role": "user", "content": "Name a fruit."}], "An apple is a fruit that grows on trees.")]


@pytest.fixture(scope="module")
def result():
    """An untrained two-member ensemble: real weights and tokenizer, no training time."""
    from worker.ml.modeling import build_model, load_tokenizer

    base = small_base_model()
    tok = load_tokenizer(base)
    config = TrainConfig(base_model=base, max_length=64, ensemble_size=2)
    members = [build_model("outcome", base, tok, seed).eval() for seed in (0, 1)]
    return TrainResult(config, members, tok, {"pairwise_accuracy": 0.75, "n_heldout": 4}, ["g1", "g2"], ["g3"], ["log"])


def test_save_then_load_scores_the_same(result, tmp_path):
    path = store.save(result, tmp_path, "v1")
    assert path == tmp_path / "v1"
    assert sorted(p.name for p in path.iterdir()) == ["member-0", "member-1", "metadata.json", "tokenizer"]
    assert (path / "member-0" / "model.safetensors").is_file()
    meta = store.read_metadata(path)
    assert meta["kind"] == "outcome" and meta["ensemble_size"] == 2
    assert meta["metrics"]["pairwise_accuracy"] == 0.75
    assert meta["heldout_groups"] == ["g3"]
    assert TrainConfig.from_dict(meta["config"]) == result.config
    assert "member-1/model.safetensors" in meta["files"]
    loaded = store.load(path, verify=True)
    assert loaded.kind == "outcome" and loaded.ensemble_size == 2
    before = result.scorer().score_responses(ITEMS)
    after = loaded.score_responses(ITEMS)
    for (m1, s1), (m2, s2) in zip(before, after):
        assert m1 == pytest.approx(m2, abs=1e-5) and s1 == pytest.approx(s2, abs=1e-5)
    assert all(std > 0 for _, std in after)  # two different heads


def test_existing_version_is_never_overwritten(result, tmp_path):
    store.save(result, tmp_path, "v1")
    stamp = (tmp_path / "v1" / "metadata.json").read_bytes()
    with pytest.raises(FileExistsError):
        store.save(result, tmp_path, "v1")
    assert (tmp_path / "v1" / "metadata.json").read_bytes() == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(store.TEMP_PREFIX)]


@pytest.mark.parametrize("name", ["", "../escape", ".hidden", "a/b"])
def test_bad_names_are_refused(result, tmp_path, name):
    with pytest.raises(ValueError):
        store.save(result, tmp_path, name)


def test_error_during_save_leaves_nothing(result, tmp_path, monkeypatch):
    def boom(_root):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_fsync_tree", boom)
    with pytest.raises(OSError):
        store.save(result, tmp_path, "v2")
    assert list(tmp_path.iterdir()) == []


def test_killed_process_mid_save_leaves_no_visible_version(result, tmp_path):
    """A worker killed between writing the files and the rename: only a hidden temp folder stays."""
    base = small_base_model()
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from worker.ml import store
        from worker.ml.config import TrainConfig
        from worker.ml.modeling import build_model, load_tokenizer
        from worker.ml.training import TrainResult
        tok = load_tokenizer({base!r})
        res = TrainResult(TrainConfig(base_model={base!r}), [build_model("outcome", {base!r}, tok, 0)], tok, {{}})
        store._fsync_tree = lambda root: os._exit(9)   # dies after the files are written, before os.replace
        store.save(res, {str(tmp_path)!r}, "v3")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 9, proc.stderr[-2000:]
    assert not (tmp_path / "v3").exists()
    leftovers = list(tmp_path.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.startswith(store.TEMP_PREFIX + "v3-")
    assert (leftovers[0] / "member-0" / "model.safetensors").exists()  # it really was mid-save
    assert store.remove_stale_temporaries(tmp_path, older_than_s=0) == leftovers
    assert list(tmp_path.iterdir()) == []


def test_tampered_file_fails_verification(result, tmp_path):
    path = store.save(result, tmp_path, "v4")
    with open(path / "member-0" / "model.safetensors", "r+b") as fh:
        fh.seek(-4, os.SEEK_END)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(ValueError):
        store.load(path, verify=True)


def test_unknown_format_is_refused(result, tmp_path):
    path = store.save(result, tmp_path, "v5")
    meta = json.loads((path / "metadata.json").read_text())
    meta["format"] = 99
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError):
        store.load(path)
