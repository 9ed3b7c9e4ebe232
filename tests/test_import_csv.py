"""CSV import: the three response layouts, BOM, system column, models, gold, line numbers."""
from apps.datasets.models import Item
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file


def run(project, text, filename="rows.csv", fmt=None, bom=False):
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    return import_file(project=project, user=None, data=data, filename=filename, fmt=fmt)


def test_numbered_responses_with_models_system_priority_and_extra_columns(project):
    text = (
        "id,system,prompt,response_1,response_2,model_1,model_2,priority,topic\n"
        "r1,Be brief.,What is 2+2?,4,5,m-a,m-b,1.5,math\n"
        "r2,,Say hi,Hi!,Hello there,,,,\n"
    )
    batch = run(project, text)
    assert (batch.format, batch.status, batch.rows_read, batch.items_created) == ("csv", "accepted", 2, 2), batch.errors
    first, second = items_of(project)
    assert first.external_id == "r1" and first.priority == 1.5 and first.metadata == {"topic": "math"}
    assert first.prompt.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"}]
    assert [(r.text, r.model_name) for r in item_responses(first)] == [("4", "m-a"), ("5", "m-b")]
    assert second.prompt.messages == [{"role": "user", "content": "Say hi"}] and second.metadata == {}


def test_bom_and_lettered_columns(project):
    batch = run(project, "prompt,response_a,response_b\nPick one,left,right\n", bom=True)
    assert batch.status == "accepted", batch.errors
    assert [r.text for r in item_responses(Item.objects.get())] == ["left", "right"]


def test_chosen_rejected_columns_are_read_like_trl_with_gold(project):
    rows = "".join(f"p{i},good {i},bad {i},{'yes' if i % 2 else 'no'}\n" for i in range(8))
    batch = run(project, "prompt,chosen,rejected,gold\n" + rows)
    assert batch.items_created == 8
    positions = set()
    for item in items_of(project):
        texts = [r.text for r in item_responses(item)]
        position = item.reference["preferred_position"]
        positions.add(position)
        assert item.reference["source"] == "csv" and texts[position].startswith("good")
        number = int(item.prompt.text[1:])
        assert item.is_gold == bool(number % 2)
        if item.is_gold:
            assert item.gold_answer == {"preference": 1 if position == 0 else -1}
    assert positions == {0, 1}


def test_rows_with_fewer_responses_and_the_pairing_rule(project):
    text = "prompt,response_1,response_2,response_3\nthree,a,b,c\ntwo,a,b,\n"
    batch = run(project, text)
    assert batch.items_created == 4  # three responses: 3 pairs; two responses: 1 pair


def test_quoted_multiline_cells_keep_line_numbers(project):
    text = 'prompt,response_1,response_2\n"multi\nline prompt",a,b\nbad,,b\n'
    batch = run(project, text)
    assert batch.errors == [{"line": 4, "reason": "empty text in 'response_1'"}]


def test_header_problems_are_file_errors(project):
    no_prompt = run(project, "question,response_1,response_2\nq,a,b\n")
    assert no_prompt.errors == [{"line": None, "reason": "bad CSV header: missing column 'prompt' "
                                                         "(found: question, response_1, response_2)"}]
    mixed = run(project, "prompt,response_1,chosen,rejected\nq,a,b,c\n")
    assert mixed.errors[0]["line"] is None and "response_1..response_8" in mixed.errors[0]["reason"]


def test_cell_count_and_gold_without_chosen_are_line_errors(project):
    batch = run(project, "prompt,response_1,response_2,gold\nq,a,b,c,d\nq2,a,b,true\nq3,a,b,maybe\n")
    assert batch.errors == [
        {"line": 2, "reason": "wrong type: the row has 5 cells but the header has 4"},
        {"line": 3, "reason": "wrong type: 'gold' needs 'chosen' and 'rejected' columns (the chosen side is the "
                              "expected answer); use native JSONL for other gold answers"},
        {"line": 4, "reason": "wrong type: 'gold' must be true or false, got 'maybe'"},
    ]


def test_header_line_is_sniffed_without_a_csv_name(project):
    batch = run(project, "prompt,response_1,response_2\nq,a,b\n", filename="upload.txt")
    assert (batch.format, batch.status) == ("csv", "accepted")
