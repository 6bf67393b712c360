"""Lenient JSON decoding the way Go's ``encoding/json`` decodes into a struct.

Unknown fields are ignored, field names match case-insensitively (an exact match wins, later keys
override earlier ones), ``null`` leaves a field as it was, and a value of the wrong JSON type is a
``bad request body`` error naming the field, the expected type and what was sent.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from chaos.toxiproxy.errors import ApiError, bad_request

__all__ = ["FieldKind", "decode_body", "json_type_name", "merge_fields"]

FieldKind = Literal["string", "bool", "int", "float", "object", "array"]


def json_type_name(value: object) -> str:
    """The JSON name of a decoded value's type, as Go's error messages say it."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def decode_body(raw: bytes) -> Any:
    """Decode the first JSON value of a body (trailing bytes ignored, as Go's Decoder does)."""
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if not stripped:
        raise bad_request("EOF")
    try:
        value, _end = json.JSONDecoder().raw_decode(stripped)
    except json.JSONDecodeError as exc:
        raise bad_request(f"invalid JSON: {exc.msg} at offset {exc.pos}") from exc
    return value


def _coerce(value: object, kind: FieldKind, where: str) -> object:
    def wrong() -> ApiError:
        return bad_request(
            f"json: cannot unmarshal {json_type_name(value)} into field {where} of type {kind}"
        )

    if kind == "string":
        if not isinstance(value, str):
            raise wrong()
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise wrong()
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong()
        if isinstance(value, float):
            # Go refuses a number with a fraction or exponent for an integer field.
            raise bad_request(
                f"json: cannot unmarshal number {value!r} into field {where} of type int64"
            )
        if not -(2**63) <= value < 2**63:
            raise bad_request(
                f"json: cannot unmarshal number {value} into field {where} of type int64"
            )
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong()
        return float(value)
    if kind == "object":
        if not isinstance(value, dict):
            raise wrong()
        return value
    if not isinstance(value, list):
        raise wrong()
    return value


def merge_fields(
    obj: object, fields: dict[str, FieldKind], current: dict[str, object], where: str
) -> dict[str, object]:
    """Decode the JSON object ``obj`` over a copy of ``current`` and return the copy.

    ``fields`` maps each known lower-case field name to its kind; a later key for the same field
    (in any case) overrides an earlier one, as in Go.
    """
    if obj is None:  # Go: decoding null into a struct changes nothing
        return dict(current)
    if not isinstance(obj, dict):
        raise bad_request(
            f"json: cannot unmarshal {json_type_name(obj)} into {where} (want object)"
        )
    out = dict(current)
    for key, value in obj.items():
        folded = key.lower()
        if folded not in fields:
            continue
        if value is None:
            continue
        out[folded] = _coerce(value, fields[folded], f"{where}.{folded}")
    return out
