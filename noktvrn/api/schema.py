"""OpenAPI post-processing: the error answers every operation can give, documented once.

drf-spectacular documents what a view returns on success and what its annotations add; the
answers that come from the framework around it (authentication, permissions, validation,
pagination, body limits) are the same everywhere, so they are added here instead of being
repeated on every view. Schemathesis checks in the suite that every answer is documented.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what is wrong; `code` names it; `extra` carries details. "
    "Validation errors (400) map each field to its messages instead.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "extra": {"type": "object", "additionalProperties": True},
    },
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    "400": "Invalid input: a field, a filter or the body (JSON, nesting, NUL characters).",
    "401": "Not authenticated (token or session).",
    "403": "Authenticated without the permission this operation needs.",
    "404": "No such object, or a page past the last one.",
    "413": "The request body is larger than the limit.",
    "415": "The body's content type is not accepted here.",
}


def _response(code: str) -> dict:
    return {
        "description": _DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_error_responses(result: dict, generator, request, public: bool) -> dict:
    """A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes: list[str] = []
            if {} not in operation.get("security", [{}]):
                codes += ["401", "403"]
            parameters = operation.get("parameters", [])
            if parameters or "requestBody" in operation:
                codes.append("400")
            if any(p.get("in") == "path" for p in parameters) or any(p.get("name") == "page" for p in parameters):
                codes.append("404")
            if "requestBody" in operation:
                codes += ["413", "415"]
            for code in codes:
                responses.setdefault(code, _response(code))
    return result
