"""Instruction-following pairs: both responses say sensible things, one ignores a checkable constraint.

Constraints are ones a reader (and a test) can check: an exact number of bullet points, JSON
only, all lowercase, a required keyword, a word limit, a reply that is only a code block.
``CHECKS`` holds the check for each constraint; the generator's tests run it on both responses.
"""
import json
import random
import re
from dataclasses import dataclass

from .pair import ResponsePair, conversation

CATEGORY = "instruction-following"


@dataclass(frozen=True)
class Topic:
    name: str
    points: tuple[str, ...]
    keyword: str
    keyword_sentence: str
    summary: str


TOPICS = [
    Topic("regular exercise", (
        "It strengthens the heart and helps keep blood pressure in a healthy range.",
        "It lifts mood and reduces stress.",
        "It helps you keep a healthy weight.",
        "It builds stronger muscles and bones.",
        "It tends to improve the quality of your sleep.",
    ), "consistency",
        "The biggest gains come from consistency: a little movement most days beats an occasional hard workout.",
        "Regular exercise keeps your heart, muscles and mood in better shape."),
    Topic("learning a second language", (
        "It opens up travel, work and friendships in another culture.",
        "It trains memory and attention.",
        "It lets you read books and watch films in the original.",
        "It makes you more aware of how your own language works.",
        "It can make you a more attractive candidate for many jobs.",
    ), "practice", "Short daily practice, especially speaking aloud, matters more than long weekend sessions.",
        "A second language widens your world and keeps your mind sharp."),
    Topic("using version control", (
        "Every change is recorded, so you can see who changed what and why.",
        "You can undo a bad change by going back to an earlier version.",
        "Branches let several people work on the same project without overwriting each other.",
        "Code review becomes easier because changes arrive as small, readable diffs.",
        "The history doubles as a backup of the whole project.",
    ), "history", "The project's history becomes a record you can search when you need to know why something changed.",
        "Version control records every change, so teams can collaborate and undo mistakes safely."),
    Topic("public libraries", (
        "They give everyone free access to books, newspapers and the internet.",
        "They offer quiet space to study or work.",
        "They run reading groups, classes and children's story times.",
        "Librarians help people find reliable information.",
        "They lend things many people cannot afford to buy, from e-books to tools.",
    ), "community",
        "A library is one of the few indoor places where the whole community can spend time without paying.",
        "Public libraries give everyone free access to books, information and a place to learn."),
    Topic("composting at home", (
        "It keeps food scraps out of landfill, where they would release methane.",
        "It turns waste into rich soil for your garden.",
        "It reduces the need for bought fertiliser.",
        "It improves soil structure so it holds water better.",
        "It makes you more aware of how much food your household wastes.",
    ), "soil", "Finished compost feeds the soil slowly and keeps it full of life.",
        "Home composting turns kitchen scraps into garden food and cuts landfill waste."),
    Topic("writing unit tests", (
        "They catch bugs before users do.",
        "They let you change code with confidence that you did not break it.",
        "They document how a function is meant to be used.",
        "They push you towards smaller functions with clear inputs and outputs.",
        "They make code review faster, because reviewers can see the expected behaviour.",
    ), "refactoring", "Good tests make refactoring safe, because they tell you at once when behaviour changes.",
        "Unit tests catch bugs early and let you change code without fear."),
    Topic("cycling to work", (
        "It builds exercise into your day without extra time at the gym.",
        "It is often faster than driving in city traffic.",
        "It costs far less than running a car.",
        "It produces no exhaust emissions.",
        "Many people find it a good way to clear their head before and after work.",
    ), "commute", "A daily bike commute turns dead travel time into exercise.",
        "Cycling to work is cheap, clean, healthy and often quicker in town."),
    Topic("meal planning", (
        "It saves money because you buy only what you need.",
        "It cuts food waste.",
        "It makes healthy eating easier because the decisions are made in advance.",
        "It saves time on busy weekday evenings.",
        "It reduces the daily stress of deciding what to cook.",
    ), "budget", "Planning the week's meals is one of the simplest ways to keep a food budget under control.",
        "Planning meals ahead saves money, time and food, and makes eating well easier."),
    Topic("taking regular breaks at work", (
        "Short breaks restore attention, so you make fewer mistakes.",
        "Standing up and moving reduces stiffness from sitting.",
        "Looking away from the screen eases eye strain.",
        "Stepping away often helps you solve a problem you were stuck on.",
        "Breaks lower the risk of burnout over the long run.",
    ), "focus", "Paradoxically, stopping for a few minutes every hour helps you keep your focus for longer.",
        "Regular short breaks keep you sharper, healthier and less likely to burn out."),
    Topic("keeping a journal", (
        "Writing things down helps you make sense of your feelings.",
        "It gives you a record of ideas you would otherwise forget.",
        "It can reduce stress by getting worries out of your head.",
        "Looking back shows you how much you have grown.",
        "It is a low-pressure way to practise writing.",
    ), "reflection", "A few minutes of reflection each evening is enough to notice patterns in your days.",
        "A journal helps you think clearly, remember ideas and see how you change."),
    Topic("planting trees in cities", (
        "Trees shade streets and cool neighbourhoods on hot days.",
        "They absorb rainwater and reduce flooding.",
        "They filter some pollution from the air.",
        "They provide habitat for birds and insects.",
        "Green streets are linked with better mental well-being.",
    ), "shade", "On a summer afternoon, the shade of a large tree can make a pavement many degrees cooler.",
        "City trees cool streets, soak up rain and make neighbourhoods healthier."),
    Topic("backing up your files", (
        "A failed disk or lost laptop does not mean lost work.",
        "Backups protect you against ransomware.",
        "You can recover a file you deleted or overwrote by mistake.",
        "Moving to a new computer becomes simple.",
        "An off-site copy survives fire, flood or theft at home.",
    ), "restore", "A backup is only as good as your ability to restore it, so test it now and then.",
        "Backups mean a broken disk or a mistake never costs you your work."),
]


@dataclass(frozen=True)
class CodeTask:
    name: str
    description: str
    code: str
    explanation: str
    examples: tuple[tuple[tuple, object], ...]  # ((args), expected result)


CODE_TASKS = [
    CodeTask("is_palindrome", "checks whether a string is a palindrome, ignoring case, spaces and punctuation",
             'def is_palindrome(text: str) -> bool:\n'
             '    letters = [c.lower() for c in text if c.isalnum()]\n'
             '    return letters == letters[::-1]',
             "It keeps only letters and digits, lowercases them, and compares the list with its reverse.",
             ((("A man, a plan, a canal: Panama",), True), (("hello",), False))),
    CodeTask("fibonacci", "returns the n-th Fibonacci number, with fibonacci(0) == 0 and fibonacci(1) == 1",
             'def fibonacci(n: int) -> int:\n'
             '    a, b = 0, 1\n'
             '    for _ in range(n):\n'
             '        a, b = b, a + b\n'
             '    return a',
             "It walks forward from the first two numbers, so it runs in linear time without recursion.",
             (((0,), 0), ((1,), 1), ((10,), 55))),
    CodeTask("count_vowels", "counts the vowels (a, e, i, o, u) in a string, in either case",
             'def count_vowels(text: str) -> int:\n'
             '    return sum(1 for c in text.lower() if c in "aeiou")',
             "It lowercases the text once and counts the characters that are vowels.",
             ((("Hello World",), 3), (("rhythm",), 0))),
    CodeTask("word_counts", "returns a dictionary mapping each lowercase word in a text to how often it occurs",
             'from collections import Counter\n\n\n'
             'def word_counts(text: str) -> dict[str, int]:\n'
             '    return dict(Counter(text.lower().split()))',
             "Counter does the counting; splitting on whitespace and lowercasing first means 'The' and 'the' match.",
             ((("the cat and The hat",), {"the": 2, "cat": 1, "and": 1, "hat": 1}),)),
    CodeTask("chunk", "splits a list into consecutive chunks of a given size (the last chunk may be shorter)",
             'def chunk(items: list, size: int) -> list[list]:\n'
             '    return [items[i:i + size] for i in range(0, len(items), size)]',
             "It slices the list every `size` elements; the final slice simply stops at the end of the list.",
             ((([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]),)),
    CodeTask("second_largest", "returns the second largest distinct number in a list, or None if there is none",
             'def second_largest(numbers: list[int]) -> int | None:\n'
             '    distinct = sorted(set(numbers), reverse=True)\n'
             '    return distinct[1] if len(distinct) > 1 else None',
             "Removing duplicates first means [5, 5, 3] correctly gives 3 rather than 5.",
             ((([5, 5, 3, 1],), 3), (([7],), None))),
]


# --- checks -----------------------------------------------------------------------------------------

BULLET = re.compile(r"^\s*[-*] ", re.MULTILINE)


def bullet_count(text: str) -> int:
    return len(BULLET.findall(text))


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9'’-]+", text))


def is_json_with(text: str, keys: set[str], list_key: str, list_len: int) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return (isinstance(data, dict) and set(data) == keys and isinstance(data[list_key], list)
            and len(data[list_key]) == list_len and all(isinstance(x, str) for x in data[list_key]))


def is_lowercase(text: str) -> bool:
    return any(c.isalpha() for c in text) and text == text.lower()


def has_word(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


def is_only_code_block(text: str) -> bool:
    text = text.strip()
    return text.startswith("```") and text.endswith("```") and text.count("```") == 2


# --- the constraints -----------------------------------------------------------------------------------

def bullets(topic: Topic, rng: random.Random) -> tuple[str, str, str, dict]:
    n = rng.choice([3, 4])
    prompt = rng.choice([
        f"Give me exactly {n} bullet points on the benefits of {topic.name}.",
        f"List the benefits of {topic.name} in exactly {n} bullet points, nothing else.",
    ])
    follows = "\n".join(f"- {p}" for p in topic.points[:n])
    ignores = f"Here are the main benefits of {topic.name}:\n\n" + "\n".join(f"- {p}" for p in topic.points)
    return prompt, follows, ignores, {"constraint": "bullet-count", "bullets": n}


def json_only(topic: Topic, rng: random.Random) -> tuple[str, str, str, dict]:
    prompt = (f"Describe {topic.name} as JSON with exactly two keys: \"topic\" (a string) and \"benefits\" "
              f"(a list of exactly 3 short strings). Output only the JSON, with no other text.")
    data = {"topic": topic.name, "benefits": list(topic.points[:3])}
    follows = json.dumps(data, indent=2, ensure_ascii=False)
    ignores = rng.choice([
        f"Sure! Here is the JSON you asked for:\n\n```json\n{follows}\n```\n\nLet me know if you'd like more benefits.",
        json.dumps({"topic": topic.name, "benefits": list(topic.points)}, indent=2, ensure_ascii=False),
        json.dumps({"topic": topic.name, "advantages": list(topic.points[:3])}, indent=2, ensure_ascii=False),
    ])
    return prompt, follows, ignores, {"constraint": "json-only", "keys": ["topic", "benefits"], "list_len": 3}


def lowercase(topic: Topic, rng: random.Random) -> tuple[str, str, str, dict]:
    prompt = f"Answer in all lowercase letters, no capitals at all: what are the benefits of {topic.name}?"
    text = f"{topic.summary} {topic.points[1]} {topic.points[3]}"
    return prompt, text.lower(), text, {"constraint": "all-lowercase"}


def keyword(topic: Topic, rng: random.Random) -> tuple[str, str, str, dict]:
    prompt = f"In two or three sentences, explain why {topic.name} matters. Use the word \"{topic.keyword}\"."
    follows = f"{topic.summary} {topic.keyword_sentence}"
    without = [p for p in (topic.summary, *topic.points) if not has_word(p, topic.keyword)]
    if without[0] != topic.summary:
        raise ValueError(f"the summary of {topic.name!r} must not use its keyword {topic.keyword!r}")
    ignores = " ".join(without[:3])
    return prompt, follows, ignores, {"constraint": "include-keyword", "keyword": topic.keyword}


def word_limit(topic: Topic, rng: random.Random) -> tuple[str, str, str, dict]:
    limit = rng.choice([25, 30, 40])
    prompt = f"In under {limit} words: why should I consider {topic.name}?"
    follows = topic.summary
    ignores = (f"There are several good reasons to consider {topic.name}. " + " ".join(topic.points)
               + f" {topic.keyword_sentence}")
    return prompt, follows, ignores, {"constraint": "word-limit", "max_words": limit}


TOPIC_CONSTRAINTS = [bullets, json_only, lowercase, keyword, word_limit]


def code_only(task: CodeTask, rng: random.Random) -> tuple[str, str, str, dict]:
    prompt = (f"Write a Python function `{task.name}` that {task.description}. "
              f"Reply with only a Python code block, no explanation.")
    block = f"```python\n{task.code}\n```"
    ignores = f"Here's a function that {task.description}:\n\n{block}\n\n{task.explanation}"
    return prompt, block, ignores, {"constraint": "code-only", "function": task.name}


def passes(text: str, detail: dict) -> bool:
    """Whether a response meets the constraint described by a pair's ``detail``."""
    kind = detail["constraint"]
    if kind == "bullet-count":
        return bullet_count(text) == detail["bullets"]
    if kind == "json-only":
        return is_json_with(text, set(detail["keys"]), "benefits", detail["list_len"])
    if kind == "all-lowercase":
        return is_lowercase(text)
    if kind == "include-keyword":
        return has_word(text, detail["keyword"])
    if kind == "word-limit":
        return word_count(text) < detail["max_words"]
    if kind == "code-only":
        return is_only_code_block(text)
    raise ValueError(f"unknown constraint {kind!r}")


SYSTEMS = [
    "You are a writing assistant for a company newsletter. Keep answers practical.",
    "You are a friendly assistant. Follow the user's formatting instructions exactly.",
]


def _in_conversation(topic: Topic, prompt: str, rng: random.Random) -> list[dict]:
    return conversation(
        rng.choice(SYSTEMS),
        f"I'm writing a short piece about {topic.name}.",
        f"{topic.summary} Would you like help with a particular section?",
        f"Yes. {prompt}",
    )


def instruction_pairs(rng: random.Random, multi_turn_share: float = 0.25) -> list[ResponsePair]:
    """Every topic under every constraint, plus the code-only tasks, in a shuffled order."""
    pairs = []
    for topic in TOPICS:
        for constraint in TOPIC_CONSTRAINTS:
            prompt, follows, ignores, detail = constraint(topic, rng)
            if rng.random() < multi_turn_share:
                prompt = _in_conversation(topic, prompt, rng)
            pairs.append(ResponsePair(CATEGORY, prompt, follows, ignores, {"topic": topic.name, **detail}))
    for task in CODE_TASKS:
        prompt, follows, ignores, detail = code_only(task, rng)
        if rng.random() < multi_turn_share:
            prompt = conversation(
                "You are a senior Python developer helping a colleague.",
                f"I need a helper that {task.description}.",
                "Sure. Do you want just the code, or an explanation as well?",
                "Just the code, please: reply with only a Python code block, no explanation.",
            )
        pairs.append(ResponsePair(CATEGORY, prompt, follows, ignores, detail))
    rng.shuffle(pairs)
    return pairs
