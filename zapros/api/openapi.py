"""The answers every operation may give besides its own, written into the OpenAPI document.

They come from one place each (``middleware``, ``errors``, ``idempotency``), so they are
documented in one place too, rather than repeated on every endpoint: 401 without a valid
token or session, 403 for a session call without its CSRF token, 422 in either of its two
shapes, and for a body 400 (unreadable) and 413 (too large). Every POST takes an
``Idempotency-Key``.
"""

from .schemas import ErrorOut, ProblemOut, ValidationErrorOut

REF = "#/components/schemas/{model}"
UNSAFE = {"post", "put", "patch", "delete"}


def error(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": schema or {"$ref": REF.format(model="ErrorOut")}}}}


UNPROCESSABLE = error(
    "A refusal of the input (`detail` a sentence, `field` the field), or input that does not "
    "parse (`detail` the list of problems).",
    {"anyOf": [{"$ref": REF.format(model="ErrorOut")},
               {"$ref": REF.format(model="ValidationErrorOut")}]},
)
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": "Any printable ASCII text without spaces, at most 255 characters. Sent "
                   "again by the same user within 24 hours, the first answer (its status and "
                   "body) comes back and nothing is written again; with another body, 422.",
}


def document(schema: dict) -> dict:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, ProblemOut, ValidationErrorOut):
        components.setdefault(model.__name__, model.model_json_schema(ref_template=REF))
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault(401, error("No valid API token or session."))
            responses[422] = UNPROCESSABLE
            if method in UNSAFE:
                responses.setdefault(403, error("Not allowed, or a session call without its "
                                                "CSRF token."))
            if "requestBody" in operation or method in UNSAFE:
                responses.setdefault(400, error("The body cannot be read."))
                responses.setdefault(413, error("The request is larger than the limits."))
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
                responses.setdefault(409, error("A conflict, or a request with the same "
                                                "Idempotency-Key still being answered."))
    return schema
