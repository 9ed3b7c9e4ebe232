"""Inputs of the reward models: chat templates, left truncation, step markers (worker.ml.encoding)."""
import pytest

from tests.ml_helpers import CHAT_TEMPLATE, small_base_model
from worker.ml.encoding import encode_responses, encode_step_prefix, step_marker_ids, step_window, tokenize_steps


@pytest.fixture(scope="module")
def tokenizer():
    from worker.ml.modeling import load_tokenizer

    return load_tokenizer(small_base_model())


@pytest.fixture
def chat_tokenizer(tokenizer):
    from worker.ml.modeling import load_tokenizer

    tok = load_tokenizer(small_base_model())
    tok.chat_template = CHAT_TEMPLATE
    return tok


def long_conversation(turns=30):
    msgs = []
    for i in range(turns):
        msgs.append({"role": "user", "content": f"question number {i} about gardening"})
        msgs.append({"role": "assistant", "content": f"answer number {i} about soil"})
    msgs[0]["content"] = "zebra opening line"
    msgs.append({"role": "user", "content": "final question about tomatoes"})
    return msgs


def test_long_conversation_keeps_its_end(tokenizer):
    [enc] = encode_responses(tokenizer, [(long_conversation(), "water them in the morning")], max_length=64)
    assert len(enc.input_ids) == 64
    text = tokenizer.decode(enc.input_ids)
    assert "final question about tomatoes" in text
    assert text.rstrip().endswith("water them in the morning [SEP]")
    assert "zebra" not in text
    assert enc.input_ids[0] == tokenizer.cls_token_id  # special tokens survive the truncation


def test_pair_encoding_marks_the_response_segment(tokenizer):
    [enc] = encode_responses(tokenizer, [([{"role": "user", "content": "hi"}], "hello there")], max_length=64)
    response_ids = tokenizer("hello there", add_special_tokens=False)["input_ids"]
    ones = [i for i, t in zip(enc.input_ids, enc.token_type_ids) if t == 1]
    assert ones == response_ids + [tokenizer.sep_token_id]
    assert tokenizer.decode(enc.input_ids).startswith("[CLS] user : hi [SEP]")


def test_short_inputs_are_not_truncated(tokenizer):
    [enc] = encode_responses(tokenizer, [([{"role": "user", "content": "hi"}], "ok")], max_length=64)
    assert len(enc.input_ids) < 20


def test_chat_template_is_used_when_the_tokenizer_has_one(chat_tokenizer):
    prompt = [{"role": "system", "content": "be kind"}, {"role": "user", "content": "hi"}]
    [enc] = encode_responses(chat_tokenizer, [(prompt, "hello")], max_length=128)
    text = chat_tokenizer.apply_chat_template(prompt + [{"role": "assistant", "content": "hello"}], tokenize=False)
    assert text.startswith("<|system|>be kind\n<|user|>hi\n<|assistant|>hello")
    assert enc.input_ids == chat_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert enc.token_type_ids is None


def test_chat_template_truncation_keeps_the_end(chat_tokenizer):
    [enc] = encode_responses(chat_tokenizer, [(long_conversation(), "water them")], max_length=48)
    assert len(enc.input_ids) == 48
    text = chat_tokenizer.decode(enc.input_ids)
    assert "tomatoes" in text and "water them" in text and "zebra" not in text


def test_step_markers_sit_after_each_step(tokenizer):
    assert step_marker_ids(tokenizer, "\n") == []  # "\n" tokenizes to nothing in BERT: read the step's last token
    prefix = encode_step_prefix(tokenizer, [{"role": "user", "content": "add 2 and 3"}])
    steps = tokenize_steps(tokenizer, ["2 + 3 = 5.", "so 5!", ""])
    w = step_window(prefix, steps, [], max_length=64)
    assert len(w.positions) == 3 and w.first_step == 0
    assert tokenizer.decode(w.input_ids[len(prefix):w.positions[0] + 1]) == "2 + 3 = 5."
    assert tokenizer.convert_ids_to_tokens(w.input_ids[w.positions[1]]) == "!"
    assert w.input_ids[w.positions[2]] == tokenizer.unk_token_id  # an empty step still gets a place
    marker = step_marker_ids(tokenizer, " ||")
    w = step_window(prefix, tokenize_steps(tokenizer, ["2 + 3 = 5.", "so 5."]), marker, max_length=64)
    assert all(w.input_ids[p] == marker[-1] for p in w.positions)


def test_step_window_truncates_a_long_prompt_from_the_left_and_continues_later(tokenizer):
    marker = step_marker_ids(tokenizer, "\n")
    prefix = encode_step_prefix(tokenizer, long_conversation())
    steps = tokenize_steps(tokenizer, [f"step {i} adds {i} apples." for i in range(12)])
    w = step_window(prefix, steps, marker, max_length=48)
    assert len(w.input_ids) <= 48
    assert w.input_ids[0] == tokenizer.cls_token_id
    assert "tomatoes" in tokenizer.decode(w.input_ids)
    assert 0 < len(w.positions) < 12
    nxt = step_window(prefix, steps, marker, max_length=48, start=w.first_step + len(w.positions))
    assert nxt.first_step == len(w.positions) and len(nxt.input_ids) <= 48
