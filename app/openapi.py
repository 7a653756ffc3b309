"""The OpenAPI spec says what each route can answer. Routes and routers declare their own refusals with `refusals()`
(who may call, conflicts, limits, a dependency down); the rules that hold for every route are added here, where
they are enforced: a body that is not UTF-8 JSON (400) or over the size limit (413), an unknown id in the path
(404), and integers within the database's 32 bits (`app.input_guard`)."""

import re

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from core.inputs import INT32


class Refusal(BaseModel):
    """Why the request was refused, in words."""

    detail: str


MEANING = {
    400: "The body is not JSON in UTF-8",
    401: "Not signed in, or a wrong token",
    403: "Signed in, but this caller may not do this",
    404: "Unknown id",
    409: "The object's state does not allow this now",
    410: "The link is dead (revoked or expired)",
    413: "The request body is over the size limit",
    429: "Over a rate limit; Retry-After says when to try again",
    503: "A dependency is down (the detail says which); Retry-After when it is worth retrying soon",
}


def refusals(*codes: int) -> dict[int | str, dict]:
    """`responses=` for a route or router: each refusal with its {"detail": "…"} body."""
    return {code: {"model": Refusal, "description": MEANING[code]} for code in codes}


def _refusal(code: int) -> dict:
    """The spec's entry of one refusal."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    return {"description": MEANING[code], "content": content}


def _bound_integers(node) -> None:
    """Give every integer schema without bounds the ones the input guard enforces."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("maximum", INT32)
            node.setdefault("minimum", -INT32)
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for value in node:
            _bound_integers(value)


def with_shared_rules(app: FastAPI) -> dict:
    """The app's spec with the rules every route shares (built once, then cached by FastAPI)."""
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
        spec.setdefault("components", {}).setdefault("schemas", {})["Refusal"] = Refusal.model_json_schema()
        for operations in spec["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                shared = [400, 413] if "requestBody" in operation else []
                shared += [404] if any(p["in"] == "path" for p in operation.get("parameters", [])) else []
                for code in shared:
                    responses.setdefault(str(code), _refusal(code))
        _bound_integers(spec)
        app.openapi_schema = spec
    return app.openapi_schema


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the spec lists for the route matching `path` (none for a page outside the spec)."""
    by_fewest_ids = sorted(app.openapi()["paths"].items(), key=lambda item: item[0].count("{"))  # preview, not {id}
    for template, operations in by_fewest_ids:
        parts = re.split(r"(\{[^}]+\})", template)  # "/api/cases/{number}" → "/api/cases/", "{number}", ""
        if re.fullmatch("".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts), path):
            return sorted(method.upper() for method in operations)
    return []
