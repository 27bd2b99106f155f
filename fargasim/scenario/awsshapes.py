"""Validate scenario sections against the input shapes of the AWS APIs they mirror.

DESIGN.md §3: a scenario section that AWS has an API for takes exactly that API's input
(same keys, same case, same types), so ``cpu: "512"`` is a string, as ``ecs
register-task-definition`` takes it, while a container's ``memory: 512`` is an integer. The shapes
come from AWS's own API model: ``tools/gen_aws_shapes.py`` extracts them from botocore's
``service-2.json`` files into ``fargasim/scenario/awsapi/<service>.json`` (each file records the
botocore version it came from). fargasim itself needs no botocore.

The checks follow botocore's client-side ``ParamValidator`` (``botocore/validate.py``): structure
members are known and required members present, tagged unions have exactly one member set,
scalar types match (an integer is not a boolean here, unlike botocore), lists and maps hold
valid items, and ``min`` constraints hold. Beyond botocore, and as the AWS service itself would
on receipt, they also check ``max`` and enum values. Patterns are kept in the data for hints but
not enforced: they are written for AWS's (Java) regex engine. Every problem is reported, in
document order, with a friendly message and a "did you mean" where one is close.

Operations are named ``"service:Operation"`` with botocore's service name, e.g.
``"ecs:RegisterTaskDefinition"`` or ``"application-autoscaling:PutScalingPolicy"``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

Path = tuple[str | int, ...]

_DATA_PACKAGE = "fargasim.scenario.awsapi"
_MAX_LISTED_NAMES = 8

#: How each botocore service name is written in messages.
_SERVICE_TITLES: Mapping[str, str] = {
    "ecs": "ECS",
    "application-autoscaling": "Application Auto Scaling",
    "elbv2": "Elastic Load Balancing",
    "cloudwatch": "CloudWatch",
}

_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "1", "0"})


@dataclass(frozen=True)
class ShapeIssue:
    """One problem with a value, located by its absolute path in the scenario document.

    ``key`` is True when the problem is the mapping key at ``path`` itself (an unknown field or
    a bad map key), so that a caller reporting line and column points at the key, not its value.
    """

    path: Path
    message: str
    key: bool = False


@dataclass(frozen=True)
class _Ref:
    """A reference to a shape: the service whose model holds it, and its name there."""

    service: str
    shape: str


@dataclass(frozen=True)
class _Member:
    ref: _Ref
    doc: str | None = None
    deprecated: bool = False


@dataclass(frozen=True)
class _Shape:
    ref: _Ref
    type: str
    members: Mapping[str, _Member]
    required: tuple[str, ...] = ()
    enum: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    member: _Ref | None = None  # list item shape
    key: _Ref | None = None  # map key shape
    value: _Ref | None = None  # map value shape
    union: bool = False
    document: bool = False
    deprecated: bool = False
    pattern: str | None = None


@dataclass(frozen=True)
class _Service:
    name: str
    api_version: str
    botocore_version: str
    operations: Mapping[str, str]
    shapes: Mapping[str, _Shape]


def _ref_of(service: str, raw: Any) -> _Ref | None:
    return _Ref(service, str(raw["shape"])) if isinstance(raw, dict) else None


def _parse_shape(service: str, name: str, raw: Mapping[str, Any]) -> _Shape:
    members = {
        member_name: _Member(
            ref=_Ref(service, str(m["shape"])),
            doc=m.get("doc"),
            deprecated=bool(m.get("deprecated", False)),
        )
        for member_name, m in raw.get("members", {}).items()
    }
    return _Shape(
        ref=_Ref(service, name),
        type=str(raw["type"]),
        members=members,
        required=tuple(raw.get("required", ())),
        enum=tuple(raw.get("enum", ())),
        min=raw.get("min"),
        max=raw.get("max"),
        member=_ref_of(service, raw.get("member")),
        key=_ref_of(service, raw.get("key")),
        value=_ref_of(service, raw.get("value")),
        union=bool(raw.get("union", False)),
        document=bool(raw.get("document", False)),
        deprecated=bool(raw.get("deprecated", False)),
        pattern=raw.get("pattern"),
    )


@functools.cache
def _service(name: str) -> _Service:
    """The shipped model of one service, read once from the package data."""
    resource = resources.files(_DATA_PACKAGE).joinpath(f"{name}.json")
    if not resource.is_file():
        known = ", ".join(sorted(_SERVICE_TITLES))
        raise ValueError(f"no AWS API model for service {name!r} (have: {known})")
    data = json.loads(resource.read_text(encoding="utf-8"))
    shapes = {n: _parse_shape(name, n, raw) for n, raw in data["shapes"].items()}
    return _Service(
        name=name,
        api_version=str(data["apiVersion"]),
        botocore_version=str(data["botocoreVersion"]),
        operations=dict(data["operations"]),
        shapes=shapes,
    )


def _shape(ref: _Ref) -> _Shape:
    return _service(ref.service).shapes[ref.shape]


def _parse_ref(text: str) -> _Ref:
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        raise ValueError(f"expected 'service:Name', got {text!r}")
    return _Ref(service, name)


@functools.cache
def _input_shape(operation: str, extra: tuple[tuple[str, str], ...]) -> _Shape:
    """The input shape of ``operation``, with fargasim's extra top-level members added."""
    ref = _parse_ref(operation)
    service = _service(ref.service)
    if ref.shape not in service.operations:
        known = ", ".join(f"{service.name}:{op}" for op in sorted(service.operations))
        raise ValueError(f"no input shape for operation {operation!r} (have: {known})")
    shape = service.shapes[service.operations[ref.shape]]
    if not extra:
        return shape
    members = dict(shape.members)
    for name, target in extra:
        target_ref = _parse_ref(target)
        if target_ref.shape not in _service(target_ref.service).shapes:
            raise ValueError(f"no shape {target!r} for extra member {name!r}")
        members[name] = _Member(ref=target_ref)
    return dataclasses.replace(shape, members=members)


def _operation_shape(operation: str, extra_members: Mapping[str, str] | None) -> _Shape:
    return _input_shape(operation, tuple(sorted((extra_members or {}).items())))


def botocore_version(service: str) -> str:
    """The botocore version whose model the shipped shapes of ``service`` were taken from."""
    return _service(service).botocore_version


# --------------------------------------------------------------------------------------------
# Messages


def _yaml_scalar(value: object) -> str:
    """``value`` as it would be written in YAML (true, 512, 0.5)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _describe(value: object) -> str:
    """A short description of what the user wrote, for "got ..." in messages."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return f"boolean {_yaml_scalar(value)}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (datetime, date)):
        return f"timestamp {value.isoformat()}"
    return type(value).__name__


def _did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely meant: same letters ignoring case, else a close match."""
    options = list(choices)
    folded = {c.lower(): c for c in reversed(options)}
    if word.lower() in folded:
        return folded[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def _names(names: Iterable[str], limit: int | None = None) -> str:
    listed = list(names)
    if limit is not None and len(listed) > limit:
        return ", ".join(listed[:limit]) + f", ... ({len(listed) - limit} more)"
    return ", ".join(listed)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _number_text_hint(text: str) -> str:
    """How to write numeric text as a number: unquoted, and without a leading zero (the strict
    YAML loader keeps ``012`` as text, since YAML 1.1 would read it as octal 10)."""
    if re.match(r"[-+]?0[0-9]", text):
        number = int(text) if text.lstrip("+-").isdigit() else float(text)
        return f"write {number} without the leading zero: as written it is text"
    return f"write {text} without quotes"


def _is_timestamp_text(value: str) -> bool:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Validation


class _Validator:
    """Walks a value against a shape, collecting every issue in document order."""

    def __init__(self) -> None:
        self.issues: list[ShapeIssue] = []

    def report(self, path: Path, message: str, *, key: bool = False) -> None:
        self.issues.append(ShapeIssue(path, message, key))

    def type_error(self, path: Path, expected: str, value: object, hint: str = "") -> None:
        suffix = f" ({hint})" if hint else ""
        self.report(path, f"expected {expected}, got {_describe(value)}{suffix}")

    def validate(self, value: object, shape: _Shape, path: Path) -> None:
        if shape.document:
            return  # a free-form JSON document: anything YAML can hold is acceptable
        handler = getattr(self, f"_check_{shape.type}", None)
        if handler is None:
            raise ValueError(f"unsupported AWS shape type {shape.type!r} in {shape.ref}")
        handler(value, shape, path)

    def _check_structure(self, value: object, shape: _Shape, path: Path) -> None:
        if not isinstance(value, Mapping):
            self.type_error(path, f"a mapping of fields ({shape.ref.shape})", value)
            return
        if shape.union:
            present = [k for k in value if k in shape.members]
            if len(present) != 1:
                got = "none" if not present else " and ".join(f"'{k}'" for k in present)
                self.report(path, f"set exactly one of {_names(shape.members)} (got {got})")
        unknown = [k for k in value if not (isinstance(k, str) and k in shape.members)]
        guesses = {k: _did_you_mean(str(k), shape.members) for k in unknown}
        for name in shape.required:
            # A misspelt key already says "did you mean '<name>'?": one message is enough.
            if name not in value and name not in guesses.values():
                self.report(path, f"missing required field '{name}'")
        for key, item in value.items():
            if key in guesses:
                self._unknown_field(key, guesses[key], shape, (*path, _path_key(key)))
            else:
                self.validate(item, _shape(shape.members[key].ref), (*path, key))

    def _unknown_field(self, key: object, guess: str | None, shape: _Shape, path: Path) -> None:
        shown = f"'{key}'" if isinstance(key, str) else _yaml_scalar(key)
        if guess is not None:
            self.report(path, f"unknown field {shown}; did you mean '{guess}'?", key=True)
        else:
            valid = _names(sorted(shape.members), _MAX_LISTED_NAMES)
            self.report(path, f"unknown field {shown}; valid fields: {valid}", key=True)

    def _check_string(self, value: object, shape: _Shape, path: Path) -> None:
        if not isinstance(value, str):
            hint = ""
            if isinstance(value, (int, float, date)):
                title = _SERVICE_TITLES.get(shape.ref.service, shape.ref.service)
                hint = f'write "{_yaml_scalar(value)}" in quotes: {title} takes this as a string'
            self.type_error(path, "a string", value, hint)
            return
        if shape.enum:
            if value not in shape.enum:
                message = f"'{value}' is not one of {_names(shape.enum)}"
                guess = _did_you_mean(value, shape.enum)
                self.report(path, message + (f"; did you mean '{guess}'?" if guess else ""))
            return
        self._check_length(len(value), shape, path, "character")

    def _check_length(self, length: int, shape: _Shape, path: Path, unit: str) -> None:
        if shape.min is not None and length < shape.min:
            self.report(path, f"must have at least {shape.min:g} {unit}(s), got {length}")
        if shape.max is not None and length > shape.max:
            self.report(path, f"must have at most {shape.max:g} {unit}(s), got {length}")

    def _check_range(self, value: float, shape: _Shape, path: Path) -> None:
        if shape.min is not None and value < shape.min:
            self.report(path, f"must be at least {shape.min:g}, got {_yaml_scalar(value)}")
        if shape.max is not None and value > shape.max:
            self.report(path, f"must be at most {shape.max:g}, got {_yaml_scalar(value)}")

    def _check_integer(self, value: object, shape: _Shape, path: Path) -> None:
        if not _is_int(value):
            hint = ""
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                hint = _number_text_hint(value.strip())
            elif isinstance(value, float) and value.is_integer():
                hint = f"write {int(value)}"
            self.type_error(path, "an integer", value, hint)
            return
        assert isinstance(value, int)
        self._check_range(value, shape, path)

    _check_long = _check_integer

    def _check_double(self, value: object, shape: _Shape, path: Path) -> None:
        if not _is_number(value):
            hint = ""
            if isinstance(value, str) and _numeric_text(value.strip()):
                hint = _number_text_hint(value.strip())
            self.type_error(path, "a number", value, hint)
            return
        assert isinstance(value, (int, float))
        self._check_range(value, shape, path)

    _check_float = _check_double

    def _check_boolean(self, value: object, shape: _Shape, path: Path) -> None:
        if isinstance(value, bool):
            return
        hint = ""
        if isinstance(value, (str, int)) and str(value).strip().lower() in _BOOLEAN_WORDS:
            hint = "write true or false"
        self.type_error(path, "true or false", value, hint)

    def _check_timestamp(self, value: object, shape: _Shape, path: Path) -> None:
        if isinstance(value, (datetime, date)) or _is_number(value):
            return
        if isinstance(value, str) and _is_timestamp_text(value):
            return
        self.type_error(
            path,
            'a timestamp (ISO 8601 like "2024-05-01T12:00:00Z", or epoch seconds)',
            value,
        )

    def _check_blob(self, value: object, shape: _Shape, path: Path) -> None:
        if not isinstance(value, (str, bytes, bytearray)):
            self.type_error(path, "a string", value)

    def _check_list(self, value: object, shape: _Shape, path: Path) -> None:
        if not isinstance(value, (list, tuple)):
            hint = "write it as a list: [...]" if isinstance(value, (str, int, float)) else ""
            self.type_error(path, "a list", value, hint)
            return
        self._check_length(len(value), shape, path, "item")
        assert shape.member is not None
        item_shape = _shape(shape.member)
        for index, item in enumerate(value):
            self.validate(item, item_shape, (*path, index))

    def _check_map(self, value: object, shape: _Shape, path: Path) -> None:
        if not isinstance(value, Mapping):
            self.type_error(path, "a mapping", value)
            return
        self._check_length(len(value), shape, path, "entry")
        assert shape.key is not None and shape.value is not None
        key_shape, value_shape = _shape(shape.key), _shape(shape.value)
        for key, item in value.items():
            item_path = (*path, _path_key(key))
            key_validator = _Validator()
            key_validator.validate(key, key_shape, item_path)
            for issue in key_validator.issues:
                self.report(issue.path, f"map key: {issue.message}", key=True)
            self.validate(item, value_shape, item_path)


def _path_key(key: object) -> str | int:
    if isinstance(key, (str, int)) and not isinstance(key, bool):
        return key
    return _yaml_scalar(key)


def validate_input(
    value: object,
    operation: str,
    *,
    prefix: Path = (),
    extra_members: Mapping[str, str] | None = None,
) -> list[ShapeIssue]:
    """Every way ``value`` differs from the input shape of ``operation``, in document order.

    ``operation`` is ``"service:Operation"``, e.g. ``"ecs:RegisterTaskDefinition"``. Issue paths
    are ``prefix`` followed by the path inside ``value``. ``extra_members`` adds top-level
    members that fargasim keeps beside AWS's input, as ``name -> "service:ShapeName"``, e.g.
    ``{"Attributes": "elbv2:TargetGroupAttributes"}`` for a target group.
    """
    validator = _Validator()
    validator.validate(value, _operation_shape(operation, extra_members), tuple(prefix))
    return validator.issues


# --------------------------------------------------------------------------------------------
# Members present, and which of them a simulation covers


def _walk_members(value: object, shape: _Shape, path: Path) -> Iterator[Path]:
    """Pre-order paths of the known members present in ``value`` (structures and lists only).

    Maps and documents are leaves: their keys are user data, not AWS member names.
    """
    if shape.type == "structure" and not shape.document and isinstance(value, Mapping):
        for key, item in value.items():
            member = shape.members.get(key) if isinstance(key, str) else None
            if member is None:
                continue
            yield (*path, key)
            yield from _walk_members(item, _shape(member.ref), (*path, key))
    elif shape.type == "list" and isinstance(value, (list, tuple)):
        assert shape.member is not None
        item_shape = _shape(shape.member)
        for index, item in enumerate(value):
            yield from _walk_members(item, item_shape, (*path, index))


def present_paths(
    value: object, operation: str, *, extra_members: Mapping[str, str] | None = None
) -> list[Path]:
    """Paths (relative to ``value``; list indices as ints) of every member present in it.

    Both structure-valued and leaf members are listed, parents before children, in document
    order. Unknown keys are skipped (:func:`validate_input` reports them).
    """
    shape = _operation_shape(operation, extra_members)
    return list(_walk_members(value, shape, ()))


def _dotted(path: Path) -> str:
    """``("containerDefinitions", 0, "image")`` → ``"containerDefinitions[].image"``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += "[]"
        else:
            text += f".{part}" if text else part
    return text


def _normal(dotted: str) -> str:
    return dotted.replace("[]", "")


def _resolve(root: _Shape, dotted: str) -> tuple[_Shape, _Member | None]:
    """The shape (and member record) a dotted member path names, ``[]`` being optional.

    Raises ValueError when a segment is not a member of the shape it is applied to.
    """
    shape, member = root, None
    for segment in _normal(dotted).split("."):
        while shape.type == "list" and shape.member is not None:
            shape = _shape(shape.member)
        if shape.type != "structure" or segment not in shape.members:
            raise ValueError(f"{dotted!r}: {segment!r} is not a member of {shape.ref.shape}")
        member = shape.members[segment]
        shape = _shape(member.ref)
    return shape, member


def not_simulated(
    value: object,
    operation: str,
    simulated: Iterable[str],
    *,
    extra_members: Mapping[str, str] | None = None,
) -> list[str]:
    """Dotted paths of members present in ``value`` that fargasim does not simulate.

    ``simulated`` holds patterns: ``"family"`` or ``"containerDefinitions[].image"`` covers
    that member alone (for a structure, not the members inside it); ``"networkConfiguration.*"``
    covers that member and everything under it.
    A member with a covered member beneath it is partly simulated and not listed itself; its
    other members are. An uncovered member is listed once, as the topmost uncovered path (its
    own members are not listed separately). ``[]`` is optional in patterns. Returns the unique
    paths in ``[]`` form, sorted, e.g. ``["containerDefinitions[].environment", "tags"]``.
    Raises ValueError for a pattern that names no member of the input shape.
    """
    root = _operation_shape(operation, extra_members)
    exact: set[str] = set()
    subtrees: set[str] = set()
    for pattern in simulated:
        if pattern.endswith(".*"):
            base = _normal(pattern[:-2])
            subtrees.add(base)
        else:
            base = _normal(pattern)
            exact.add(base)
        _resolve(root, base)
    covered = exact | subtrees

    def is_covered(name: str) -> bool:
        return name in exact or any(name == s or name.startswith(s + ".") for s in subtrees)

    def uncovered(name: str) -> bool:
        """Neither covered itself nor holding a covered member beneath it."""
        return not is_covered(name) and not any(c.startswith(name + ".") for c in covered)

    found: set[str] = set()
    for path in _walk_members(value, root, ()):
        name = _normal(_dotted(path))
        if not uncovered(name):
            continue
        segments = name.split(".")
        if any(uncovered(".".join(segments[:i])) for i in range(1, len(segments))):
            continue  # an ancestor is reported already
        found.add(_dotted(path))
    return sorted(found)


def member_doc(
    operation: str, dotted: str, *, extra_members: Mapping[str, str] | None = None
) -> str | None:
    """The first sentence of AWS's documentation of a member, e.g. for a hint.

    ``dotted`` is a member path such as ``"containerDefinitions[].image"`` (``[]`` optional).
    Returns None when the path names no member, or AWS documents none for it.
    """
    try:
        _, member = _resolve(_operation_shape(operation, extra_members), dotted)
    except ValueError:
        return None
    return member.doc if member is not None else None
