"""Read YAML trainer files keeping the line of every key, and validate them by schema.

Pydantic reports a location like ("states", "purpose", "template"); the line map turns
that into the line a trainer can open in an editor.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Hashable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from callassist.core.problems import ContentError, Problem, display_path, link_problem

Model = TypeVar("Model", bound=BaseModel)
# A place in a document: the keys and list indexes from its root, as pydantic reports a location.
YamlPath = tuple[str | int, ...]
LineMap = dict[YamlPath, tuple[int, int]]


if typing.TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml where PyYAML has it: the content parses in a tenth of the time
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    if typing.TYPE_CHECKING:  # the types of what PyYAML's stubs leave unannotated

        def construct_object(self, node: yaml.Node, deep: bool = False) -> object: ...
        def construct_document(self, node: yaml.Node) -> object: ...
        def dispose(self) -> None: ...


def _reject_duplicates(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _reject_duplicates)


CONTENT = "<content>"


def _map_lines(node: yaml.Node, path: YamlPath, lines: LineMap) -> None:
    lines[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        # Where a text's first line stands: after the `|` or `>` of a block scalar.
        block = node.style in ("|", ">")
        lines[path + (CONTENT,)] = (node.start_mark.line + (2 if block else 1), 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = path + (key_node.value,)
            _map_lines(value_node, child, lines)
            lines[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_lines(item, path + (index,), lines)


def read_yaml(path: Path, link_allowed: bool = False) -> tuple[object, LineMap]:
    """Parse one YAML file; a syntax error becomes a ContentError with its line. A file
    that is a symbolic link is refused unless `link_allowed` (a path the user typed)."""
    shown = display_path(path)
    if not link_allowed and (link := link_problem(path)):
        raise ContentError([link])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(shown, 1, 1, "E001", f"not UTF-8 text: {exc.reason}", "save the file as UTF-8")]) from None
    except OSError as exc:
        raise ContentError([Problem(shown, 1, 1, "E001", f"cannot read file: {exc.strerror}")]) from None
    loader = _Loader(text)
    try:  # one parse: the nodes give the lines, and the data is built from them
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise ContentError([Problem(shown, line, col, "E002", message, "check indentation, colons and quotes")]) from None
    finally:
        loader.dispose()
    lines: LineMap = {}
    if node is not None:
        _map_lines(node, (), lines)
    return data, lines


def load_model(model: type[Model], path: Path, link_allowed: bool = False) -> tuple[Model, LineMap]:
    """Read a YAML file and validate it against `model`; ContentError with every problem."""
    data, lines = read_yaml(path, link_allowed)
    return validate(model, data, lines, path), lines


def line_of(lines: LineMap, loc: YamlPath) -> tuple[int, int]:
    """The line of the deepest part of `loc` that the file names."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return (1, 1)


def validate(model: type[Model], data: object, lines: LineMap, path: Path) -> Model:
    """Validate data against a schema; every error becomes a Problem at its line."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = [_problem(error, model, lines, path) for error in exc.errors()]
        raise ContentError(problems) from None


def _problem(error: ErrorDetails, model: type[BaseModel], lines: LineMap, path: Path) -> Problem:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    line, col = line_of(lines, loc)
    where = ".".join(str(p) for p in loc) or "(top level)"
    hint = ""
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(sorted(allowed))}"
        message = f"unknown key {where!r}"
        code = "E010"
    elif error["type"] == "missing":
        message = f"missing key {where!r}"
        code = "E011"
    elif error["type"] == "too_short" and "actual_length" in (ctx := error.get("ctx", {})):
        message = f"{where} has {ctx['actual_length']}, needs at least {ctx['min_length']}"
        code = "E013"
    else:
        message = f"{where}: {error['msg']}"
        code = "E012"
    return Problem(display_path(path), line, col, code, message, hint)


def _allowed_keys(model: type[BaseModel], loc: YamlPath) -> list[str]:
    """Walk the schema along `loc` to list the keys allowed where an unknown one stands."""
    annotation: object = model
    for part in loc:
        origin = typing.get_origin(annotation)
        if origin in (list, dict) or (origin is not None and isinstance(part, int)):
            annotation = typing.get_args(annotation)[-1]
            continue
        if origin is not None:  # Optional / Union: follow the model inside
            annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            return []
    while typing.get_origin(annotation) is not None and typing.get_origin(annotation) not in (list, dict):
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []
