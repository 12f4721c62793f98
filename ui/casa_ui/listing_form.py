"""The listing form, described by predict's OpenAPI document rather than a second copy of its schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "enum" | "integer" | "number" | "string"
    description: str
    required: bool
    nullable: bool
    default: Any
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


# Fields shown first and in this order; any other field of the schema follows.
ORDER = ("status", "state", "city", "zip_code", "bed", "bath", "house_size", "acre_lot", "prev_sold_date")
# Identifiers the model does not use: left out of the form.
HIDDEN = {"brokered_by", "street"}


def _variants(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """Flattens nested anyOf into the list of alternatives."""
    if "anyOf" not in prop:
        return [prop]
    out: list[dict[str, Any]] = []
    for alt in prop["anyOf"]:
        out.extend(_variants(alt))
    return out


def listing_fields(openapi: dict[str, Any]) -> list[FieldSpec]:
    """The form's fields from components.schemas.Listing: types, allowed values, bounds, the example as defaults."""
    schema = openapi["components"]["schemas"]["Listing"]
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    example = (schema.get("examples") or [{}])[0]
    names = [n for n in ORDER if n in props] + [n for n in props if n not in ORDER and n not in HIDDEN]
    fields: list[FieldSpec] = []
    for name in names:
        prop = props[name]
        variants = _variants(prop)
        nullable = any(v.get("type") == "null" for v in variants)
        typed = [v for v in variants if v.get("type") != "null"]
        first = typed[0] if typed else {}
        enum = tuple(first.get("enum", ()))
        types = {v.get("type") for v in typed}
        # zip_code is "string or integer": a text box keeps its leading zero.
        kind = "enum" if enum else "string" if "string" in types else "integer" if types == {"integer"} else "number"
        fields.append(
            FieldSpec(
                name=name,
                kind=kind,
                description=str(prop.get("description") or first.get("description") or name),
                required=name in required,
                nullable=nullable,
                default=example.get(name, enum[0] if enum else None),
                enum=enum,
                minimum=first.get("minimum"),
                maximum=first.get("maximum"),
            )
        )
    return fields


def bounds_hint(f: FieldSpec) -> str:
    """'between 100 and 75,000' style help for a numeric field, '' otherwise."""
    if f.minimum is None and f.maximum is None:
        return ""
    fmt = (lambda x: f"{x:,.0f}") if f.kind == "integer" or all(float(x).is_integer() for x in (f.minimum or 0, f.maximum or 0)) else (lambda x: f"{x:,}")
    if f.minimum is not None and f.maximum is not None:
        return f"between {fmt(f.minimum)} and {fmt(f.maximum)}"
    return f"at least {fmt(f.minimum)}" if f.minimum is not None else f"at most {fmt(f.maximum)}"


def to_listing(fields: list[FieldSpec], values: dict[str, Any]) -> dict[str, Any]:
    """The request body: blank text of a nullable field is null; integers stay integers."""
    out: dict[str, Any] = {}
    for f in fields:
        v = values.get(f.name)
        if isinstance(v, str):
            v = v.strip()
            if v == "" and f.nullable:
                v = None
        if f.kind == "integer" and isinstance(v, float) and v.is_integer():
            v = int(v)
        out[f.name] = v
    return out


def errors_by_field(errors: list[dict[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Splits problem+json errors into {field: message} for top-level pointers and the rest."""
    by_field: dict[str, str] = {}
    other: list[str] = []
    for e in errors:
        pointer = str(e.get("pointer", ""))
        detail = str(e.get("detail") or e.get("message") or "invalid")
        parts = [p for p in pointer.split("/") if p]
        if len(parts) == 1:
            name = parts[0].replace("~1", "/").replace("~0", "~")
            by_field[name] = f"{by_field[name]}; {detail}" if name in by_field else detail
        else:
            other.append(f"{pointer or '(body)'}: {detail}")
    return by_field, other
