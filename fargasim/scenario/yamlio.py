"""Strict, safe YAML loading that remembers where every value was written.

A scenario is *data*, and an error in it must point at the exact place to fix:
``FILE:LINE:COL: path.to.field: message``. :func:`load_yaml_text` / :func:`load_yaml_file`
therefore compose PyYAML *nodes* (which carry source marks) with the SafeLoader machinery
(Reader, Scanner, Parser, Composer) and convert them to plain Python data themselves, keeping
the position of every value (``Document.marks``) and of every mapping key
(``Document.key_marks``), indexed by path such as ``("services", 0, "desiredCount")``.

The loader is stricter than ``yaml.safe_load``, on purpose:

* **Data only.** No constructor ever runs. An explicit tag other than the core ones (``!!str``,
  ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!map``, ``!!seq``) is an error, be it
  ``!!python/object``, ``!!binary``, ``!!timestamp`` or an application tag like ``!Ref``.
* **YAML 1.2 core schema, not PyYAML's YAML 1.1.** YAML 1.1 silently turns ``off``/``no``/``y``
  into booleans (the "Norway problem"), ``012`` into octal 10, ``1:30`` into sexagesimal 90,
  ``1_000`` into 1000 and ``2024-01-01`` into a date. Here booleans are only ``true``/``false``
  (three casings), null only ``null``/``~``/empty, integers are decimal, ``0o17`` or ``0x1F``,
  floats are the usual decimal/exponent forms plus ``.inf``/``.nan``; decimal numbers must not
  have leading zeros (``012`` and ``00.5`` stay text: is it 12 or octal 10?). Every other plain
  scalar is a string; quoted scalars are always strings.
* **No silent overwrites.** A duplicate key is an error (YAML forbids them, PyYAML keeps the
  last); mapping keys must be strings, so ``1:`` or ``true:`` is an error, not an int key.
* **Bounded expansion.** Anchors, aliases and ``<<`` merge keys are allowed, but a few lines of
  nested aliases can expand to billions of nodes ("billion laughs"), so the expanded document
  may hold at most :data:`MAX_NODES` nodes and :data:`MAX_DEPTH` levels; a node that contains
  itself through an alias is an error. Files over :data:`MAX_FILE_BYTES` are refused.
* **One document, UTF-8.** An empty file, a second ``---`` document or non-UTF-8 bytes are errors.

All problems found while converting (e.g. two duplicate keys and a bad tag) are reported
together in one :class:`~fargasim.errors.ScenarioError`; a syntax error stops at once.

JSON is (for our purposes) YAML, so ``.json`` files load through the same path and get
positions too; :func:`load_yaml_file` turns the tabs JSON may be indented with into spaces
(outside strings, where JSON allows them, YAML does not; inside JSON strings they are illegal).

:func:`resolve_from_file` splices ``{fromFile: taskdef.json}`` list items (DESIGN.md §3),
keeping the positions of the spliced values inside the included file.
"""

from __future__ import annotations

import copy
import json
import math
import os
import pathlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.error import Mark as _YamlMark
from yaml.error import MarkedYAMLError
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from fargasim.errors import Problem, ScenarioError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "Mark",
    "Path",
    "format_path",
    "load_yaml_file",
    "load_yaml_text",
    "resolve_from_file",
]

Path = tuple[str | int, ...]
"""Where a value sits in a document: ``("services", 0, "desiredCount")``; ``()`` is the root."""

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest scenario (or included) file accepted, in bytes."""
MAX_NODES = 100_000
"""Most nodes a document may hold after expanding aliases and merges."""
MAX_DEPTH = 100
"""Deepest nesting of mappings/lists accepted (keeps the recursive loader off the stack limit)."""

_NS = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_NS}{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = f"{_NS}map", f"{_NS}seq", f"{_NS}merge"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})

# YAML 1.2.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), with numbers
# written without leading zeros, so that "012" stays text rather than becoming 12 or 10 (or 12.0).
_NULL_RE = re.compile(r"(?:~|null|Null|NULL|)")
_BOOL_RE = re.compile(r"(?:true|True|TRUE|false|False|FALSE)")
_INT_DEC_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_INT_OCT_RE = re.compile(r"0o[0-7]+")
_INT_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_EXP = r"[eE][-+]?[0-9]+"
_FLOAT_RE = re.compile(  # a dot or an exponent, and (like integers) no leading zeros
    rf"[-+]?(?:\.[0-9]+(?:{_EXP})?|(?:0|[1-9][0-9]*)(?:\.[0-9]*(?:{_EXP})?|{_EXP}))"
)
_INF_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN_RE = re.compile(r"\.(?:nan|NaN|NAN)")

_SIMPLE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Mark:
    """A position in a source file, for error messages."""

    file: str
    """The file name as given for display."""
    line: int
    """1-based line."""
    column: int
    """1-based column (in characters)."""


_UNKNOWN = Mark("<scenario>", 0, 0)


def format_path(path: Path) -> str:
    """Render a path for error messages: ``("services", 0, "cpu")`` -> ``services[0].cpu``.

    Keys that are not simple names (letters, digits, ``_``, ``-``) are bracketed and quoted,
    e.g. ``images["public.ecr.aws/nginx/nginx:latest"].sizeMiB``; ``()`` renders as ``""``.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _SIMPLE_KEY_RE.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


@dataclass
class Document:
    """Plain data loaded from one file, with the source position of every node."""

    data: Any
    """Only dict (str keys, insertion-ordered), list, str, int, float, bool and None."""
    marks: dict[Path, Mark] = field(default_factory=dict)
    """Start of the value node at each path; ``()`` is the root."""
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    """Start of the key node of each mapping entry, by the entry's path."""

    def mark_for(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of ``path``, else of its nearest ancestor that has one.

        With ``key=True`` the key of a mapping entry is preferred over its value (for errors
        about the key itself, such as an unknown field). A missing field thus points at the
        mapping that should hold it.
        """
        if key and path in self.key_marks:
            return self.key_marks[path]
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return _UNKNOWN

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        """A :class:`Problem` located at ``path`` (see :meth:`mark_for`)."""
        mark = self.mark_for(path, key=key)
        return Problem(mark.file, mark.line, mark.column, format_path(path), message)


# --------------------------------------------------------------------------------------------
# Composing nodes
# --------------------------------------------------------------------------------------------


class _Abort(Exception):
    """Stops loading at once (limits exceeded); carries the problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem


def _core_tag(value: str) -> str:
    """The YAML 1.2 core-schema tag of a plain scalar (plus ``<<`` as the merge key)."""
    if _NULL_RE.fullmatch(value):
        return _NULL
    if _BOOL_RE.fullmatch(value):
        return _BOOL
    if _INT_DEC_RE.fullmatch(value) or _INT_OCT_RE.fullmatch(value) or _INT_HEX_RE.fullmatch(value):
        return _INT
    if _FLOAT_RE.fullmatch(value) or _INF_RE.fullmatch(value) or _NAN_RE.fullmatch(value):
        return _FLOAT
    if value == "<<":
        return _MERGE
    return _STR


class _CoreResolver(BaseResolver):
    """Resolves plain scalars by the YAML 1.2 core schema instead of PyYAML's YAML 1.1 one."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            return _core_tag(value)
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag


class _Loader(Reader, Scanner, Parser, Composer, _CoreResolver):
    """SafeLoader's front half (no constructor) that records explicit tags and bounds size."""

    def __init__(self, text: str, file: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)
        self.file = file
        self.explicit_tags: dict[int, str] = {}  # id(node) -> tag as written (expanded)
        self._depth = 0
        self._count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            return super().compose_node(parent, index)
        tag: str | None = None
        if isinstance(event, (ScalarEvent, CollectionStartEvent)):
            tag = event.tag
        self._count += 1
        if self._count > MAX_NODES:
            raise _Abort(_problem_at(self.file, event.start_mark, (), _too_many_nodes()))
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Abort(_problem_at(self.file, event.start_mark, (), _too_deep()))
        node = super().compose_node(parent, index)
        self._depth -= 1
        if tag is not None and node is not None:
            self.explicit_tags[id(node)] = tag
        return node


def _too_many_nodes() -> str:
    return f"the document holds more than {MAX_NODES} values; scenarios are far smaller"


def _too_deep() -> str:
    return f"nesting deeper than {MAX_DEPTH} levels"


def _mark(file: str, mark: _YamlMark | None) -> Mark:
    if mark is None:
        return Mark(file, 0, 0)
    return Mark(file, mark.line + 1, mark.column + 1)


def _problem_at(file: str, mark: _YamlMark | None, path: Path, message: str) -> Problem:
    m = _mark(file, mark)
    return Problem(m.file, m.line, m.column, format_path(path), message)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _syntax_problem(file: str, exc: MarkedYAMLError, prefix: Path) -> Problem:
    message = _one_line(exc.problem or exc.context or "invalid YAML")
    if exc.context and exc.problem:
        where = _mark(file, exc.context_mark)
        started = f" started at line {where.line}, column {where.column}" if where.line else ""
        message = f"{message} ({_one_line(exc.context)}{started})"
    if "'\\t'" in message:
        message += "; indent YAML with spaces, not tabs"
    return _problem_at(file, exc.problem_mark or exc.context_mark, prefix, message)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_NS) :] if tag.startswith(_NS) else tag


def _kind_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "a scalar"


# --------------------------------------------------------------------------------------------
# Converting nodes to plain data
# --------------------------------------------------------------------------------------------


class _Converter:
    """Turns a composed node tree into plain data plus marks, collecting problems."""

    def __init__(self, file: str, prefix: Path, explicit_tags: dict[int, str]) -> None:
        self.file = file
        self.prefix = prefix
        self.explicit_tags = explicit_tags
        self.marks: dict[Path, Mark] = {}
        self.key_marks: dict[Path, Mark] = {}
        self.problems: list[Problem] = []
        self._seen_problems: set[tuple[int, int, str]] = set()
        self._count = 0
        self._active: set[int] = set()  # ids of the collection nodes being converted

    # -- bookkeeping ---------------------------------------------------------------------

    def report(self, node: Node, path: Path, message: str) -> None:
        problem = _problem_at(self.file, node.start_mark, self.prefix + path, message)
        key = (problem.line, problem.column, message)
        if key not in self._seen_problems:  # a node reached through several aliases
            self._seen_problems.add(key)
            self.problems.append(problem)

    def _tick(self, node: Node, path: Path) -> None:
        self._count += 1
        if self._count > MAX_NODES:
            message = (
                f"alias expansion too large (billion laughs?): more than {MAX_NODES} values "
                "after expanding aliases"
            )
            raise _Abort(_problem_at(self.file, node.start_mark, self.prefix + path, message))
        if len(path) > MAX_DEPTH:
            raise _Abort(_problem_at(self.file, node.start_mark, self.prefix + path, _too_deep()))

    def _tag_ok(self, node: Node, path: Path) -> bool:
        """Report an explicit tag that is not a core tag, or that does not fit the node."""
        tag = self.explicit_tags.get(id(node))
        if tag is None:
            return True
        if tag not in _SCALAR_TAGS | {_MAP, _SEQ}:
            self.report(
                node, path, f"tag {_tag_name(tag)} is not allowed: scenarios hold data only"
            )
            return False
        fits = {_MAP: MappingNode, _SEQ: SequenceNode}.get(tag, ScalarNode)
        if not isinstance(node, fits):
            self.report(node, path, f"tag {_tag_name(tag)} cannot be used on {_kind_name(node)}")
            return False
        return True

    # -- values --------------------------------------------------------------------------

    def convert(self, node: Node, path: Path) -> Any:
        self._tick(node, path)
        self.marks[path] = _mark(self.file, node.start_mark)
        if not self._tag_ok(node, path):
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            self.report(node, path, "recursive alias: this value contains itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            result: dict[str, Any] = {}
            for key, key_node, value_node in self._entries(node, path):
                entry: Path = (*path, key)
                self.key_marks[entry] = _mark(self.file, key_node.start_mark)
                result[key] = self.convert(value_node, entry)
            return result
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        value: str = node.value
        tag = node.tag
        if tag == _STR:
            return value
        if tag == _NULL:
            if _NULL_RE.fullmatch(value):
                return None
            self.report(node, path, f"!!null takes null, ~ or nothing, not {value!r}")
            return None
        if tag == _BOOL:
            if _BOOL_RE.fullmatch(value):
                return value.lower() == "true"
            self.report(node, path, f"!!bool takes true or false, not {value!r}")
            return None
        if tag == _INT:
            if _INT_DEC_RE.fullmatch(value):
                return int(value, 10)
            if _INT_OCT_RE.fullmatch(value):
                return int(value[2:], 8)
            if _INT_HEX_RE.fullmatch(value):
                return int(value[2:], 16)
            self.report(
                node, path, f"!!int takes an integer such as 12, 0o17 or 0x1F, not {value!r}"
            )
            return None
        if tag == _FLOAT:
            if _FLOAT_RE.fullmatch(value) or _INT_DEC_RE.fullmatch(value):  # !!float 1
                return float(value)
            if _INF_RE.fullmatch(value):
                return -math.inf if value.startswith("-") else math.inf
            if _NAN_RE.fullmatch(value):
                return math.nan
            self.report(
                node, path, f"!!float takes a number such as 1.5, 1e-3 or .inf, not {value!r}"
            )
            return None
        # Only the merge key "<<" resolves to anything else; as a value it is plain text.
        return value

    # -- mappings ------------------------------------------------------------------------

    def _key(self, node: Node, path: Path) -> str | None:
        """The key of a mapping entry as a string, or None (reported) if it is not a name."""
        if not self._tag_ok(node, path):
            return None
        if not isinstance(node, ScalarNode):
            self.report(node, path, f"mapping keys must be names (strings), not {_kind_name(node)}")
            return None
        if node.tag == _STR:
            return str(node.value)
        if node.tag == _NULL and node.value == "":
            self.report(node, path, "a mapping key is missing before ':'")
            return None
        kind = {_NULL: "null", _BOOL: "a boolean", _INT: "an integer", _FLOAT: "a number"}
        self.report(
            node,
            path,
            f"mapping keys must be names (strings): {node.value!r} reads as "
            f"{kind.get(node.tag, 'a non-string')}; quote it if you mean the text",
        )
        return None

    def _is_merge_key(self, node: Node) -> bool:
        return (
            isinstance(node, ScalarNode)
            and node.tag == _MERGE
            and id(node) not in self.explicit_tags
        )

    def _entries(self, node: MappingNode, path: Path) -> list[tuple[str, Node, Node]]:
        """The entries of a mapping in written order, ``<<`` merges expanded (explicit keys win).

        YAML 1.1 merge semantics: a key written in the mapping itself beats a merged one, and
        among merged mappings (``<<: [*a, *b]``) the earlier one wins.
        """
        explicit: dict[str, Node] = {}
        keys: dict[int, str] = {}  # index of each explicit entry that is kept -> its key
        merges: dict[int, list[MappingNode]] = {}
        pairs: list[tuple[Node, Node]] = node.value
        for index, (key_node, value_node) in enumerate(pairs):
            if self._is_merge_key(key_node):
                merges[index] = self._merge_sources(value_node, path)
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in explicit:
                first = _mark(self.file, explicit[key].start_mark)
                self.report(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first defined at line {first.line})",
                )
                continue
            explicit[key] = key_node
            keys[index] = key

        entries: list[tuple[str, Node, Node]] = []
        emitted: set[str] = set()
        for index, (key_node, value_node) in enumerate(pairs):
            if index in merges:
                for source in merges[index]:
                    if id(source) in self._active:
                        self.report(source, path, "recursive alias: this value merges itself")
                        continue
                    self._active.add(id(source))
                    try:
                        merged = self._entries(source, path)
                    finally:
                        self._active.discard(id(source))
                    for key, merged_key, merged_value in merged:
                        self._tick(merged_value, path)  # bounds merge-of-merges blow-ups
                        if key not in explicit and key not in emitted:
                            emitted.add(key)
                            entries.append((key, merged_key, merged_value))
            elif index in keys:
                emitted.add(keys[index])
                entries.append((keys[index], key_node, value_node))
        return entries

    def _merge_sources(self, node: Node, path: Path) -> list[MappingNode]:
        """The mappings a ``<<`` value names: one mapping or a list of mappings."""
        bad = "<< (merge key) takes a mapping or a list of mappings, such as *defaults"
        if not self._tag_ok(node, path):
            return []
        if isinstance(node, MappingNode):
            return [node]
        if isinstance(node, SequenceNode):
            sources: list[MappingNode] = []
            for item in node.value:
                if isinstance(item, MappingNode) and self._tag_ok(item, path):
                    sources.append(item)
                elif isinstance(item, MappingNode):
                    continue
                else:
                    self.report(item, path, bad)
            return sources
        self.report(node, path, bad)
        return []


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_yaml_text(text: str, file: str) -> Document:
    """Load one YAML (or JSON) document from ``text``; ``file`` names it in positions.

    Raises :class:`~fargasim.errors.ScenarioError` with every problem found.
    """
    return _load_text(text, file, ())


def load_yaml_file(path: str | os.PathLike[str], display_name: str | None = None) -> Document:
    """Load one YAML or JSON file; positions name it ``display_name`` (default: ``path``).

    A file that cannot be read, is larger than 10 MiB or is not UTF-8 is a
    :class:`~fargasim.errors.ScenarioError` too (at line 0 when no position applies).
    """
    return _load_file(path, os.fspath(path) if display_name is None else display_name, ())


def _load_file(path: str | os.PathLike[str], file: str, prefix: Path) -> Document:
    where = format_path(prefix)
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        message = f"cannot read {os.fspath(path)!r}: {_os_reason(exc)}"
        raise ScenarioError([Problem(file, 0, 0, where, message)]) from None
    if len(raw) > MAX_FILE_BYTES:
        message = f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        raise ScenarioError([Problem(file, 0, 0, where, message)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        line = raw.count(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8", "replace")) + 1
        message = f"the file is not UTF-8: byte 0x{raw[start]:02x} cannot be decoded"
        raise ScenarioError([Problem(file, line, column, where, message)]) from None
    if os.fspath(path).lower().endswith(".json"):
        text = text.replace("\t", " ")
    return _load_text(text, file, prefix)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "it is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _load_text(text: str, file: str, prefix: Path) -> Document:
    where = format_path(prefix)
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        message = f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        raise ScenarioError([Problem(file, 0, 0, where, message)])
    try:
        loader = _Loader(text, file)
    except ReaderError as exc:
        line, column = _line_col(text, exc.position)
        message = f"character U+{exc.character:04X} is not allowed in YAML"
        raise ScenarioError([Problem(file, line, column, where, message)]) from None
    try:
        try:
            root = _compose_single(loader, file, prefix)
        finally:
            loader.dispose()
        if root is None:
            raise ScenarioError([Problem(file, 1, 1, where, "the file is empty")])
        converter = _Converter(file, prefix, loader.explicit_tags)
        data = converter.convert(root, ())
    except _Abort as exc:
        raise ScenarioError([exc.problem]) from None
    except MarkedYAMLError as exc:
        raise ScenarioError([_syntax_problem(file, exc, prefix)]) from None
    if converter.problems:
        raise ScenarioError(converter.problems)
    return Document(data, converter.marks, converter.key_marks)


def _compose_single(loader: _Loader, file: str, prefix: Path) -> Node | None:
    loader.get_event()  # type: ignore[no-untyped-call]  # STREAM-START
    if loader.check_event(yaml.StreamEndEvent):
        return None
    root = loader.compose_document()
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()  # type: ignore[no-untyped-call]
        message = "a second YAML document ('---'); a scenario file holds exactly one"
        raise ScenarioError([_problem_at(file, event.start_mark, prefix, message)])
    return root


# --------------------------------------------------------------------------------------------
# fromFile includes
# --------------------------------------------------------------------------------------------


def resolve_from_file(
    doc: Document, base_dir: pathlib.Path, sections: Mapping[str, frozenset[str]]
) -> Document:
    """Splice ``{fromFile: FILE}`` list items of the top-level ``sections`` (DESIGN.md §3).

    In each top-level list named in ``sections``, an item that is a mapping with the single key
    ``fromFile`` is replaced by the mapping held in that ``.json``/``.yaml``/``.yml`` file (its
    path relative to ``base_dir``), minus the top-level keys in ``sections[name]`` (read-only
    fields of ``describe-*`` output, such as ``taskDefinitionArn``). Marks of the spliced values
    point into the included file, which is named in positions relative to the including file's
    directory. Included files are not searched for ``fromFile`` themselves.

    Returns a new :class:`Document`; ``doc`` is not modified. Raises
    :class:`~fargasim.errors.ScenarioError` with every problem found.
    """
    data = copy.deepcopy(doc.data)
    marks = dict(doc.marks)
    key_marks = dict(doc.key_marks)
    problems: list[Problem] = []
    if isinstance(data, dict):
        for section, read_only in sections.items():
            items = data.get(section)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if not (isinstance(item, dict) and "fromFile" in item):
                    continue
                spliced = _include(doc, (section, index), item, base_dir, read_only, problems)
                if spliced is None:
                    continue
                items[index] = spliced.data
                here: Path = (section, index)
                for table in (marks, key_marks):
                    for old in [p for p in table if p[:2] == here and len(p) > 2]:
                        del table[old]
                marks.update({(*here, *p): m for p, m in spliced.marks.items()})
                key_marks.update({(*here, *p): m for p, m in spliced.key_marks.items()})
    if problems:
        raise ScenarioError(problems)
    return Document(data, marks, key_marks)


def _include(
    doc: Document,
    here: Path,
    item: dict[str, Any],
    base_dir: pathlib.Path,
    read_only: frozenset[str],
    problems: list[Problem],
) -> Document | None:
    """Load the file one ``fromFile`` item names, or record why not and return None."""
    at: Path = (*here, "fromFile")
    if len(item) != 1:
        others = ", ".join(k for k in item if k != "fromFile")
        problems.append(
            doc.problem(at, f"fromFile stands alone in its item (remove: {others})", key=True)
        )
        return None
    name = item["fromFile"]
    if not isinstance(name, str) or not name:
        problems.append(doc.problem(at, "fromFile takes a file name, such as taskdef.json"))
        return None
    if not name.lower().endswith((".json", ".yaml", ".yml")):
        problems.append(
            doc.problem(at, f"fromFile takes a .json, .yaml or .yml file, not {name!r}")
        )
        return None
    target = base_dir / name
    if not target.is_file():
        reason = "it is a directory" if target.is_dir() else "no such file"
        problems.append(doc.problem(at, f"cannot read {name!r}: {reason}"))
        return None
    including = doc.mark_for(at).file
    display = name if os.path.isabs(name) else os.path.join(os.path.dirname(including), name)
    try:
        included = _load_file(target, display, here)
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return None
    if not isinstance(included.data, dict):
        kind = "a list" if isinstance(included.data, list) else "a single value"
        root = included.marks[()]
        message = f"an included file must hold one mapping (a JSON object), not {kind}"
        problems.append(Problem(root.file, root.line, root.column, format_path(here), message))
        return None
    for key in read_only:
        included.data.pop(key, None)
    for table in (included.marks, included.key_marks):
        for path in [p for p in table if p and p[0] in read_only]:
            del table[path]
    return included
