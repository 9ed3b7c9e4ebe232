"""Reading typed fields out of a parsed row, with the error reasons users see.

Reasons start with the kind of problem: "missing field", "wrong type", "empty text",
"too long", "invalid character". Field paths are written as in the file: ``responses[0].text``.
"""
import math

from django.conf import settings

from .rows import LineError

ROLES = ("system", "user", "assistant")
EXTERNAL_ID_MAX = 180  # Item.external_id holds 200; derived items append "#1-2" and the like
MODEL_NAME_MAX = 200
ANNOTATOR_NAME_MAX = 146  # User.username holds 150, minus the "ext-" prefix


def type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def wrong_type(path: str, expected: str, value) -> LineError:
    return LineError(f"wrong type: '{path}' must be {expected}, got {type_name(value)}")


def required(obj: dict, key: str, path: str | None = None):
    """The value of a field that must be present and not null."""
    if obj.get(key) is None:
        raise LineError(f"missing field '{path or key}'")
    return obj[key]


def text(value, path: str, *, limit: int | None = None, strip: bool = True) -> str:
    """A non-empty string within the length limit (``IMPORT_MAX_TEXT_CHARS`` unless given)."""
    if not isinstance(value, str):
        raise wrong_type(path, "a string", value)
    if strip:
        value = value.strip()
    if not value or value.isspace():
        raise LineError(f"empty text in '{path}'")
    limit = settings.IMPORT_MAX_TEXT_CHARS if limit is None else limit
    if len(value) > limit:
        raise LineError(f"too long: '{path}' has {len(value)} characters (limit {limit})")
    if "\x00" in value:
        raise LineError(f"invalid character: '{path}' contains a NUL character")
    return value


def optional_text(obj: dict, key: str, path: str | None = None, *, limit: int | None = None) -> str:
    """A string that may be absent, null or empty (then "")."""
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return text(value, path or key, limit=limit)


def as_list(value, path: str, *, min_items: int = 0, what: str = "a list") -> list:
    if not isinstance(value, list):
        raise wrong_type(path, what, value)
    if len(value) < min_items:
        raise LineError(f"wrong type: '{path}' must hold at least {min_items} item{'s' if min_items != 1 else ''}, "
                        f"got {len(value)}")
    return value


def as_dict(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise wrong_type(path, "an object", value)
    return value


def as_int(value, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(path, "a whole number", value)
    return value


def as_number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise wrong_type(path, "a finite number", value)
    return float(value)


def as_bool(value, path: str) -> bool:
    if not isinstance(value, bool):
        raise wrong_type(path, "true or false", value)
    return value


def messages(value, path: str) -> list[dict]:
    """A prompt: a string (one user turn) or a list of ``{"role", "content"}`` messages.

    Only ``role`` and ``content`` are kept from each message.
    """
    if isinstance(value, str):
        return [{"role": "user", "content": text(value, path)}]
    as_list(value, path, min_items=1, what="a string or a list of messages")
    result = []
    for i, message in enumerate(value):
        where = f"{path}[{i}]"
        as_dict(message, where)
        role = required(message, "role", f"{where}.role")
        if role not in ROLES:
            raise LineError(f"wrong type: '{where}.role' must be one of {', '.join(ROLES)}, got {role!r}")
        result.append({"role": role, "content": text(required(message, "content", f"{where}.content"),
                                                     f"{where}.content")})
    return result


def external_id(obj: dict, key: str = "id") -> str:
    value = obj.get(key)
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise wrong_type(key, "a string or a whole number", value)
    return text(str(value), key, limit=EXTERNAL_ID_MAX)


def annotator_name(value, path: str) -> str:
    name = text(value, path, limit=ANNOTATOR_NAME_MAX)
    if any(c.isspace() or c in "/\\" for c in name):
        raise LineError(f"wrong type: '{path}' ({name!r}) must not contain spaces or slashes")
    return name


def priority(obj: dict, key: str = "priority") -> float:
    value = obj.get(key)
    return 0.0 if value is None else as_number(value, key)


def json_object(obj: dict, key: str) -> dict:
    value = obj.get(key)
    return {} if value is None else as_dict(value, key)
