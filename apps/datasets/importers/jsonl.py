"""Reading a file's bytes as text, and JSONL text as one JSON object per line."""
import json
from collections.abc import Iterator

from .fields import type_name
from .rows import FileError, LineError


def decode(data: bytes) -> str:
    """The file as text: UTF-8, with or without a byte-order mark."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileError(
            f"not UTF-8: byte 0x{data[error.start]:02x} on line {line} is not valid UTF-8; save the file as UTF-8"
        ) from None
    if not text.strip():
        raise FileError("the file is empty")
    return text


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _bad_character(value) -> str | None:
    """Why a parsed value cannot be stored (a NUL or an unpaired surrogate in some string), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return "a NUL character (\\u0000)"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "an unpaired surrogate escape (\\ud800-\\udfff)"
        return None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        for element in value:
            reason = _bad_character(element)
            if reason:
                return reason
    return None


def parse_line(line: str):
    """One JSON object from one line; raises LineError with the reason it is not one."""
    try:
        obj = json.loads(line, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise LineError(f"invalid JSON: {error.msg} (column {error.colno})") from None
    except ValueError as error:
        raise LineError(f"invalid JSON: {error}") from None
    if not isinstance(obj, dict):
        raise LineError(f"wrong type: each line must be a JSON object, got {type_name(obj)}")
    lowered = line.lower()
    if "\\u0000" in lowered or "\\ud" in lowered:
        reason = _bad_character(obj)
        if reason:
            raise LineError(f"invalid character: the line holds {reason}")
    return obj


def json_lines(text: str) -> Iterator[tuple[int, dict | LineError]]:
    """``(line number, object or LineError)`` for each non-blank line; numbers are 1-based."""
    # Split on "\n" only: str.splitlines() would also split on characters JSON strings may hold raw.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            yield number, parse_line(line)
        except LineError as error:
            yield number, error
