"""Config validation errors in one plain sentence: the key, and what it may be.

pydantic's own wording ("Extra inputs are not permitted", "Input should be less than or
equal to 1440") never reaches the user. What a field allows is read from the field itself
(its type and bounds), or from ``json_schema_extra={"allowed": "..."}`` where the type
alone would not say it (a phone number, a time).
"""

from __future__ import annotations

import types
import typing
from datetime import time
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo


def plain_error(err: ValidationError, model: type[BaseModel]) -> str:
    """The first problem in ``err`` as one sentence, e.g.
    "session.pause_minutes must be a whole number from 1 to 1440, not 5000"."""
    first = err.errors()[0]
    loc = [str(p) for p in first["loc"]]
    owner, fields, path = _walk(model, loc)
    if first["type"] == "extra_forbidden":
        section = ".".join(path[:-1])
        key = ".".join(path)
        names = ", ".join(owner.model_fields)
        where = f"the {section} settings" if section else "the settings"
        return f"{key} is not a setting; {where} are {names}"
    if fields is None:  # a whole section given as a value, or a path we cannot follow
        key = ".".join(path) or "(file)"
        return f"{key} must be a [{key}] table of settings"
    key = ".".join(path)
    extra = fields.json_schema_extra
    if first["type"] == "value_error" and not (isinstance(extra, dict) and "allowed" in extra):
        # a validator of ours said what is wrong, and the field has no summary of its own
        reason = str(first["ctx"]["error"]) if "ctx" in first else first["msg"]
        return f"{key}: {reason} (the file says {_shown(first.get('input'))})"
    return f"{key} must be {allowed(fields)}, not {_shown(first.get('input'))}"


def _walk(model: type[BaseModel], loc: list[str]) -> tuple[type[BaseModel], FieldInfo | None,
                                                             list[str]]:
    """Follow ``loc`` through nested models: (the model owning the last key, that key's
    field or None, the path of setting names)."""
    owner, path = model, []
    for i, part in enumerate(loc):
        field = owner.model_fields.get(part)
        path.append(part)
        if field is None:
            return owner, None, path
        inner = _model_of(field.annotation)
        if inner is not None and i + 1 < len(loc):
            owner = inner
            continue
        if inner is not None:
            return owner, None, path
        return owner, field, path
    return owner, None, path


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def allowed(field: FieldInfo) -> str:
    """What a field accepts, in words: "a whole number from 1 to 1440"."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "allowed" in extra:
        return str(extra["allowed"])
    annotation = field.annotation
    optional = False
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    text = _describe(annotation, field)
    return f"{text} (or left out)" if optional else text


def _describe(annotation: Any, field: FieldInfo) -> str:
    if typing.get_origin(annotation) is Literal:
        options = [f'"{o}"' for o in typing.get_args(annotation)]
        return "one of " + ", ".join(options[:-1]) + f" or {options[-1]}"
    if annotation is bool:
        return "true or false"
    low, high, above = _bounds(field)
    if annotation is int:
        return "a whole number" + _range(low, high, above)
    if annotation is float:
        return "a number" + _range(low, high, above)
    if annotation is time:
        return 'a time such as "23:00"'
    if annotation is Path:
        return "a path in quotes"
    if annotation is str:
        return "text in quotes"
    return "a valid value"


def _bounds(field: FieldInfo) -> tuple[Any, Any, Any]:
    low = high = above = None
    for m in field.metadata:
        low = getattr(m, "ge", low)
        high = getattr(m, "le", high)
        above = getattr(m, "gt", above)
    return low, high, above


def _range(low: Any, high: Any, above: Any) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if above is not None and high is not None:
        return f" above {above} and at most {high}"
    if low is not None:
        return f" of at least {low}"
    if above is not None:
        return f" above {above}"
    if high is not None:
        return f" of at most {high}"
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)
