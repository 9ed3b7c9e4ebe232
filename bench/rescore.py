"""Bulk rescoring speed: our Scorer against a naive one-response-at-a-time loop.

The naive loop tokenizes and scores each response alone (batch of one, fp32, torch.no_grad), as a
first version of "score every response" would. Ours (worker.ml.scoring.Scorer) tokenizes everything
in one call, sorts by length, scores batches with dynamic padding under torch.inference_mode, in
fp32 and (on a CPU with bf16 hardware: AMX or AVX512-BF16) with bf16 autocast, and puts results back
in input order. Scores of each fast mode are compared with the fp32 naive scores (max absolute
difference, target < 0.01).

Model: --model PATH scores with a stored model version (worker.ml.store). Without it, the packaged
MiniLM gets a reward head whose output scale matches a trained reward model (rewards spread with a
standard deviation of about 2), so that precision is judged on realistic magnitudes, not on the
near-zero outputs of a fresh head. Responses: generated HH-style conversations (bench/rm_pairs.py),
both answers of each pair, max length 256.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/rescore.py [--responses 1200] [--naive 300]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from rm_pairs import generate  # noqa: E402
from worker.ml.encoding import encode_responses  # noqa: E402
from worker.ml.modeling import build_model, cpu_has_native_bf16, load_tokenizer, pad_batch  # noqa: E402
from worker.ml.scoring import Scorer  # noqa: E402


def naive_scores(model, tokenizer, items, max_length: int) -> list[float]:
    out = []
    with torch.no_grad():
        for prompt, response in items:
            [enc] = encode_responses(tokenizer, [(prompt, response)], max_length)
            batch = pad_batch([enc], tokenizer.pad_token_id, torch.device("cpu"))
            out.append(float(model(**batch).logits[0, 0]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--responses", type=int, default=1200)
    ap.add_argument("--naive", type=int, default=300, help="how many responses the naive loop scores")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--model", default="", help="a model version folder from the model store")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    pairs = generate(args.responses // 2 + 1, seed=7)
    items = [(p.prompt, r) for p in pairs for r in (p.chosen, p.rejected)][: args.responses]
    if args.model:
        from worker.ml import store

        loaded = store.load(args.model, device="cpu", autocast=False)
        model, tokenizer = loaded.members[0], loaded.tokenizer
        max_length = loaded.max_length
    else:
        tokenizer = load_tokenizer("")
        model = build_model("outcome", "", tokenizer, seed=0).eval()
        max_length = args.max_length
        probe = Scorer("outcome", [model], tokenizer, max_length=max_length, device="cpu", autocast=False)
        sample = torch.tensor([m for m, _ in probe.score_responses(items[:64])])
        with torch.no_grad():  # give the head a trained model's output scale
            model.classifier.weight.mul_(2.0 / max(sample.std().item(), 1e-6))
            model.classifier.bias.zero_()
    n_naive = min(args.naive, len(items))
    print(f"{len(items)} responses, max length {max_length}, torch threads {torch.get_num_threads()}")

    start = time.perf_counter()
    reference = naive_scores(model, tokenizer, items[:n_naive], max_length)
    naive_rate = n_naive / (time.perf_counter() - start)
    print(f"naive one at a time (fp32): {naive_rate:7.1f} responses/s ({n_naive} responses)")

    figures = {}
    modes = [("fp32", False)]
    if cpu_has_native_bf16():
        modes.append(("bf16", torch.bfloat16))
    else:
        print("bf16 skipped: this CPU has no bf16 hardware (AMX or AVX512-BF16), so autocast would emulate it")
    for label, autocast in modes:
        scorer = Scorer("outcome", [model], tokenizer, max_length=max_length, device="cpu", autocast=autocast)
        scorer.score_responses(items[:8])  # warm-up (kernel selection)
        start = time.perf_counter()
        scores = scorer.score_responses(items, batch_size=args.batch_size)
        rate = len(items) / (time.perf_counter() - start)
        diff = max(abs(s - r) for (s, _), r in zip(scores[:n_naive], reference))
        figures[label] = (rate, diff)
        print(f"ours, length-sorted batches of {args.batch_size} ({label}): {rate:7.1f} responses/s, "
              f"{rate / naive_rate:4.1f}x naive, max |score - fp32| {diff:.4f}")

    best = "bf16" if "bf16" in figures and figures["bf16"][1] < 0.01 else "fp32"
    rate, diff = figures[best]
    bf16_rate, bf16_diff = figures.get("bf16", (None, None))
    print(json.dumps({
        "naive_responses_per_s": round(naive_rate, 2),
        "ours_responses_per_s": round(rate, 2),
        "speedup": round(rate / naive_rate, 2),
        "ours_mode": best,
        "max_abs_diff_vs_fp32": round(diff, 5),
        "fp32_batched_responses_per_s": round(figures["fp32"][0], 2),
        "fp32_batched_max_abs_diff": round(figures["fp32"][1], 6),
        "bf16_responses_per_s": None if bf16_rate is None else round(bf16_rate, 2),
        "bf16_max_abs_diff": None if bf16_diff is None else round(bf16_diff, 5),
        "responses": len(items),
        "torch_threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
