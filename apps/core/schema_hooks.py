"""drf-spectacular postprocessing: every operation documents the error answers every API view can give.

Each view may be refused before it runs (401 without credentials, 403 for a role below the one needed, 404 for
a project the caller has no role in, 400 for a malformed body or query), always in the one error shape of
``api_errors``. Views that list them explicitly keep their own descriptions; this fills in the rest, so the
schema (and the schemathesis contract test, tests/test_api_contract.py) matches what clients receive.
"""

ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "Invalid input (error.details names the fields).",
    "401": "Not authenticated.",
    "403": "Your role does not allow this.",
    "404": "Not found, or no role in this project.",
}


def add_error_responses(result, generator, request, public):
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in DESCRIPTIONS.items():
                if code not in responses:
                    responses[code] = {"content": {"application/json": {"schema": ERROR_REF}},
                                       "description": description}
    return result
