"""The model store: one folder per model version, written atomically (torch via transformers).

Layout of ``store_dir/name``::

    metadata.json            format, kind, config, metrics, ensemble_size, groups, files (sha256)
    tokenizer/               tokenizer files
    member-0/ ... member-K/  config.json + model.safetensors of each ensemble member

``save`` writes everything into a hidden temporary folder inside ``store_dir`` (same filesystem),
fsyncs every file and folder, then ``os.replace``s it to ``store_dir/name``: a reader sees either no
folder called ``name`` or a complete one. A crash leaves at most a ``.tmp-*`` folder, which no
loader reads and ``remove_stale_temporaries`` deletes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

__all__ = ["save", "load", "read_metadata", "remove_stale_temporaries", "FORMAT_VERSION", "TEMP_PREFIX"]

FORMAT_VERSION = 1
TEMP_PREFIX = ".tmp-"
METADATA = "metadata.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            _fsync_path(Path(dirpath) / f)
        _fsync_path(Path(dirpath))


def _write_files(result, tmp: Path) -> dict:
    result.tokenizer.save_pretrained(str(tmp / "tokenizer"))
    for k, model in enumerate(result.members):
        model.save_pretrained(str(tmp / f"member-{k}"), safe_serialization=True)
    files = {
        str(p.relative_to(tmp)): _sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()
    }
    metadata = {
        "format": FORMAT_VERSION,
        "kind": result.config.kind,
        "config": result.config.to_dict(),
        "metrics": result.metrics,
        "ensemble_size": len(result.members),
        "train_groups": list(result.train_groups),
        "heldout_groups": list(result.heldout_groups),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    (tmp / METADATA).write_text(json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8")
    return metadata


def save(result, store_dir: Path | str, name: str) -> Path:
    """Write ``result`` to ``store_dir/name`` atomically and return that path.

    Refuses (FileExistsError) when ``name`` is already there; ``name`` must be a plain folder name.
    """
    store = Path(store_dir)
    if not name or "/" in name or "\\" in name or name.startswith(".") or name in ("..",):
        raise ValueError(f"bad model name {name!r}")
    store.mkdir(parents=True, exist_ok=True)
    final = store / name
    if final.exists():
        raise FileExistsError(final)
    tmp = store / f"{TEMP_PREFIX}{name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_files(result, tmp)
        _fsync_tree(tmp)
        if final.exists():
            raise FileExistsError(final)
        os.replace(tmp, final)
        _fsync_path(store)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def read_metadata(path: Path | str) -> dict:
    return json.loads((Path(path) / METADATA).read_text(encoding="utf-8"))


def load(path: Path | str, *, device: str = "auto", autocast=None, verify: bool = False):
    """A Scorer over the model version at ``path`` (``verify`` re-checks every file's sha256)."""
    from .config import TrainConfig
    from .modeling import load_model, load_tokenizer
    from .scoring import Scorer

    path = Path(path)
    meta = read_metadata(path)
    if meta.get("format") != FORMAT_VERSION:
        raise ValueError(f"unknown model store format {meta.get('format')!r}")
    if verify:
        for rel, digest in meta["files"].items():
            if _sha256(path / rel) != digest:
                raise ValueError(f"{rel} does not match its checksum")
    config = TrainConfig.from_dict(meta["config"])
    tokenizer = load_tokenizer(str(path / "tokenizer"))
    members = [load_model(meta["kind"], path / f"member-{k}") for k in range(int(meta["ensemble_size"]))]
    return Scorer(meta["kind"], members, tokenizer, max_length=config.max_length,
                  step_separator=config.step_separator, device=device, autocast=autocast, metadata=meta)


def remove_stale_temporaries(store_dir: Path | str, older_than_s: float = 3600.0) -> list[Path]:
    """Delete temporary folders left by crashed saves (older than ``older_than_s``)."""
    store = Path(store_dir)
    removed = []
    if not store.is_dir():
        return removed
    now = time.time()
    for p in store.iterdir():
        if p.name.startswith(TEMP_PREFIX) and p.is_dir() and now - p.stat().st_mtime >= older_than_s:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed
