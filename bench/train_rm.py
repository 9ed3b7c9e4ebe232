"""Outcome reward-model training speed: our trainer (worker.ml) against TRL's RewardTrainer.

Both train the same base model (the packaged all-MiniLM-L6-v2), on the same pairs (the same token
ids), with the same batch size, max length, epochs, learning rate, warm-up and seed, in fp32 on
the CPU, one after the other in this process. Printed: pairs/s for each, their ratio, peak memory
(resident set size sampled while each side runs) and pairwise accuracy on the same held-out
prompts. The last line is one JSON object.

Data: real HH-RLHF pairs cannot be fetched here (no network at run time, no package ships them), so
the pairs come from bench/rm_pairs.py, a generator of HH-style multi-turn conversations whose two
answers differ in content only, with a quarter of the labels flipped (see its docstring).

TRL drops pairs longer than max_length instead of truncating them; pairs longer than that are left
out before the split so that both sides see exactly the same data. TRL runs with its defaults
(gradient checkpointing and dropout-off included) except fp32, no checkpoints and no reporting.
TRL is a benchmark-only extra: `make bench-train` installs requirements-bench.txt and runs this.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_rm.py [--pairs 1500] [--threads 2]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from rm_pairs import generate  # noqa: E402
from worker.ml.base_models import default_base_model  # noqa: E402
from worker.ml.batching import sorted_batches  # noqa: E402
from worker.ml.config import TrainConfig  # noqa: E402
from worker.ml.data import split_by_group  # noqa: E402
from worker.ml.encoding import Encoded, encode_responses  # noqa: E402
from worker.ml.evaluation import evaluate_outcome  # noqa: E402
from worker.ml.modeling import load_tokenizer, pad_batch  # noqa: E402
from worker.ml.training import train  # noqa: E402


class PeakRSS:
    """Highest resident set size (MiB) seen while the block runs, sampled every 20 ms."""

    def __enter__(self):
        self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _rss(self) -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def heldout_accuracy(model, tokenizer, pairs, chosen: list[Encoded], rejected: list[Encoded], *, with_types: bool):
    """Pairwise accuracy on held-out pairs, scored with the inputs the model was trained on."""
    model.eval()
    seqs = chosen + rejected
    if not with_types:
        seqs = [Encoded(s.input_ids) for s in seqs]
    rewards = [0.0] * len(seqs)
    with torch.inference_mode():
        for idx in sorted_batches([len(s) for s in seqs], 64):
            batch = pad_batch([seqs[i] for i in idx], tokenizer.pad_token_id, torch.device("cpu"))
            out = model(**batch).logits[:, 0].tolist()
            for i, r in zip(idx, out):
                rewards[i] = r
    n = len(pairs)
    return evaluate_outcome(pairs, rewards[:n], rewards[n:])["pairwise_accuracy"]


def run_ours(train_pairs, args):
    config = TrainConfig(kind="outcome", epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
                         max_length=args.max_length, heldout_share=0.0, seed=args.seed,
                         warmup_ratio=args.warmup_ratio, device="cpu")
    gc.collect()
    with PeakRSS() as mem:
        start = time.perf_counter()
        result = train(config, train_pairs)
        seconds = time.perf_counter() - start
    return result.members[0], seconds, mem.peak


def run_trl(train_chosen, train_rejected, args):
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging
    from trl import RewardConfig, RewardTrainer

    hf_logging.set_verbosity_error()
    tokenizer = load_tokenizer("")
    dataset = Dataset.from_dict({"chosen_ids": [e.input_ids for e in train_chosen],
                                 "rejected_ids": [e.input_ids for e in train_rejected]})
    steps = -(-len(train_chosen) // args.batch_size) * args.epochs
    gc.collect()
    with tempfile.TemporaryDirectory() as out, PeakRSS() as mem:
        start = time.perf_counter()
        torch.manual_seed(args.seed)
        model = AutoModelForSequenceClassification.from_pretrained(default_base_model(), num_labels=1,
                                                                   local_files_only=True)
        model.config.pad_token_id = tokenizer.pad_token_id
        config = RewardConfig(
            output_dir=out, per_device_train_batch_size=args.batch_size, num_train_epochs=args.epochs,
            learning_rate=args.lr, warmup_steps=int(steps * args.warmup_ratio), lr_scheduler_type="linear",
            max_length=args.max_length, bf16=False, fp16=False, use_cpu=True, seed=args.seed,
            save_strategy="no", report_to="none", logging_steps=10, disable_tqdm=True, dataloader_num_workers=0,
            gradient_checkpointing=not args.trl_no_gradient_checkpointing,
        )
        trainer = RewardTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer)
        trainer.train()
        seconds = time.perf_counter() - start
    return model, seconds, mem.peak, config.gradient_checkpointing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=1500)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--heldout-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--order", choices=["ours-first", "trl-first"], default="ours-first")
    ap.add_argument("--trl-no-gradient-checkpointing", action="store_true",
                    help="turn off TRL's default gradient checkpointing")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    tokenizer = load_tokenizer("")
    pairs = generate(args.pairs, seed=args.seed)
    chosen = encode_responses(tokenizer, [(p.prompt, p.chosen) for p in pairs], 100_000)
    rejected = encode_responses(tokenizer, [(p.prompt, p.rejected) for p in pairs], 100_000)
    keep = [i for i in range(len(pairs)) if max(len(chosen[i]), len(rejected[i])) <= args.max_length]
    lengths = sorted(max(len(chosen[i]), len(rejected[i])) for i in keep)
    pairs = [pairs[i] for i in keep]
    train_pairs, held_pairs, _, _ = split_by_group(pairs, args.heldout_share, args.seed)
    enc = lambda ps, side: encode_responses(tokenizer, [(p.prompt, getattr(p, side)) for p in ps], args.max_length)  # noqa: E731
    train_c, train_r = enc(train_pairs, "chosen"), enc(train_pairs, "rejected")
    held_c, held_r = enc(held_pairs, "chosen"), enc(held_pairs, "rejected")
    n_train = len(train_pairs) * args.epochs
    print(f"data: {len(pairs)} of {args.pairs} generated HH-style pairs fit {args.max_length} tokens "
          f"(longest side: median {lengths[len(lengths) // 2]}, max {lengths[-1]}); "
          f"{len(train_pairs)} train / {len(held_pairs)} held-out prompts")
    print(f"setup: MiniLM-L6, batch {args.batch_size}, max length {args.max_length}, {args.epochs} epoch(s), "
          f"lr {args.lr}, fp32 CPU, torch threads {torch.get_num_threads()}")

    results = {}
    for side in (["ours", "trl"] if args.order == "ours-first" else ["trl", "ours"]):
        if side == "ours":
            model, seconds, peak = run_ours(train_pairs, args)
            acc = heldout_accuracy(model, tokenizer, held_pairs, held_c, held_r, with_types=True)
            results["ours"] = (seconds, peak, acc)
        else:
            model, seconds, peak, gckpt = run_trl(train_c, train_r, args)
            acc = heldout_accuracy(model, tokenizer, held_pairs, held_c, held_r, with_types=False)
            results["trl"] = (seconds, peak, acc)
        print(f"{side:>4}: {n_train / seconds:6.2f} pairs/s ({seconds:.1f} s), peak RSS {peak:.0f} MiB, "
              f"held-out accuracy {acc:.3f}")
        del model
        gc.collect()

    ours_pps = n_train / results["ours"][0]
    trl_pps = n_train / results["trl"][0]
    print(f"ratio ours/TRL: {ours_pps / trl_pps:.2f}x; accuracy ours - TRL: "
          f"{100 * (results['ours'][2] - results['trl'][2]):+.1f} points "
          f"(TRL gradient checkpointing: {gckpt})")
    print(json.dumps({
        "ours_pairs_per_s": round(ours_pps, 3),
        "trl_pairs_per_s": round(trl_pps, 3),
        "ratio": round(ours_pps / trl_pps, 3),
        "ours_accuracy": round(results["ours"][2], 4),
        "trl_accuracy": round(results["trl"][2], 4),
        "ours_peak_rss_mib": round(results["ours"][1]),
        "trl_peak_rss_mib": round(results["trl"][1]),
        "train_pairs": len(train_pairs),
        "heldout_pairs": len(held_pairs),
        "data": "generated HH-style conversations (bench/rm_pairs.py), not real HH-RLHF",
        "trl_gradient_checkpointing": gckpt,
        "torch_threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
