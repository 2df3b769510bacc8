"""What a pydantic model expects at a place in a document: the keys a mapping may have, the
tags a tagged union takes. Used to turn pydantic's errors into hints."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from harness._yaml.locs import Loc


def child(node: Any, step: Any) -> tuple[bool, Any]:
    if isinstance(node, dict) and step in node:
        return True, node[step]
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return True, node[step]
    return False, None


def annotation_at(model: type[BaseModel], loc: Loc, data: Any) -> Any:
    """The annotation that validates the value at `loc` (None when it cannot be told)."""
    ann: Any = model
    node = data
    for step in loc:
        ann = _step(ann, step, node)
        if ann is None:
            return None
        node = child(node, step)[1]
    return ann


def known_keys(model: type[BaseModel], parent: Loc, data: Any) -> list[str]:
    """Field names (by alias) of the model that validates the mapping at `parent`."""
    found = pick_model(annotation_at(model, parent, data), child_at(data, parent))
    if found is None:
        return []
    return [f.alias or name for name, f in found.model_fields.items()]


def union_tags(model: type[BaseModel], loc: Loc, data: Any, discriminator: str) -> list[str]:
    """The tags of the tagged union at `loc`, e.g. every fault type."""
    tags: list[str] = []
    for member in _models_in(annotation_at(model, loc, data)):
        for name, f in member.model_fields.items():
            if (f.alias or name) == discriminator:
                tags.extend(str(t) for t in typing.get_args(f.annotation))
    return tags


def child_at(data: Any, loc: Loc) -> Any:
    node = data
    for step in loc:
        node = child(node, step)[1]
    return node


def pick_model(annotation: Any, node: Any) -> Any:
    """The BaseModel inside an annotation (X | None, tagged unions chosen by the document)."""
    candidates = _models_in(annotation)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    if isinstance(node, dict):  # a tagged union: the member whose tag matches the document
        for m in candidates:
            for name, f in m.model_fields.items():
                tag = typing.get_args(f.annotation)
                if tag and node.get(f.alias or name) in tag:
                    return m
    return None


def _step(annotation: Any, step: Any, node: Any) -> Any:
    ann = _strip(annotation)
    origin = typing.get_origin(ann)
    if origin is list:
        return typing.get_args(ann)[0] if isinstance(step, int) else None
    if origin is dict:
        return typing.get_args(ann)[1]
    current = pick_model(ann, node)
    if current is None:
        return None
    field = next((f for n, f in current.model_fields.items() if (f.alias or n) == step), None)
    return field.annotation if field is not None else None


def _strip(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X (when X is the only other member)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip(typing.get_args(annotation)[0])
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, _UnionType) and len(args) == 1:
        return _strip(args[0])
    return annotation


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    ann = _strip(annotation)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    if typing.get_origin(ann) not in (typing.Union, _UnionType):
        return []
    return [m for a in typing.get_args(ann) for m in _models_in(a)]


_UnionType = type(int | None)
