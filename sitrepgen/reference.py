"""The field reference of the writer's guide, generated from the models' JSON Schema.

docs/writers-guide.md carries this text between two markers; a test regenerates it and fails
when the guide and the models disagree (``pytest --update-golden`` rewrites it).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .model import json_schema

START = "<!-- field reference: generated from the models, do not edit by hand -->"
END = "<!-- end of field reference -->"


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[1]
    if "anyOf" in spec:
        kinds = [_type(s) for s in spec["anyOf"] if s.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds))
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
    if spec.get("type") == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if spec.get("format") == "date":
        return "date"
    return {"string": "text", "integer": "whole number", "number": "number", "boolean": "true/false"}.get(
        spec.get("type", ""), spec.get("type", "any")
    )


def _table(name: str, obj: dict[str, Any]) -> list[str]:
    required = set(obj.get("required", []))
    lines = [f"### {name}", "", obj.get("description", "").strip(), "", "| key | type | required | description | example |", "|---|---|---|---|---|"]
    for key, spec in obj.get("properties", {}).items():
        example = json.dumps(spec["examples"][0], ensure_ascii=False) if spec.get("examples") else ""
        description = spec.get("description", "").replace("|", "\\|")
        lines.append(f"| `{key}` | {_type(spec)} | {'yes' if key in required else 'no'} | {description} | `{example}` |")
    return [*lines, ""]


def field_reference(*models: type[BaseModel]) -> str:
    """Markdown tables of every model and sub-model, top-level first."""
    lines: list[str] = []
    seen: set[str] = set()
    for model in models:
        schema = json_schema(model)
        for name, obj in [(model.__name__, schema), *schema.get("$defs", {}).items()]:
            if name not in seen:
                seen.add(name)
                lines += _table(name, obj)
    return "\n".join(lines).rstrip() + "\n"


def splice(document: str, reference: str) -> str:
    """``document`` with the text between the markers replaced by ``reference``."""
    head, _, rest = document.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n\n{reference}\n{END}{tail}"
