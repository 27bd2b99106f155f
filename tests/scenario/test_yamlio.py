"""Tests of fargasim.scenario.yamlio: the strict, position-keeping YAML loader."""

from __future__ import annotations

import math
import pathlib

import pytest

from fargasim.errors import Problem, ScenarioError
from fargasim.scenario.yamlio import (
    MAX_FILE_BYTES,
    Document,
    Mark,
    format_path,
    load_yaml_file,
    load_yaml_text,
    resolve_from_file,
)

F = "scenario.yaml"


def load(text: str) -> Document:
    return load_yaml_text(text, F)


def problems(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_yaml_text(text, F)
    return info.value.problems


def one_problem(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


def where(p: Problem) -> tuple[int, int, str]:
    return (p.line, p.column, p.path)


# ------------------------------------------------------------------ paths and marks


def test_format_path() -> None:
    assert format_path(()) == ""
    assert format_path(("services", 0, "desiredCount")) == "services[0].desiredCount"
    assert format_path((0, "a")) == "[0].a"
    assert format_path(("images", "nginx:latest", "sizeMiB")) == 'images["nginx:latest"].sizeMiB'
    assert format_path(("a.b",)) == '["a.b"]'


BLOCK = """\
name: web
services:
  - serviceName: web
    desiredCount: 2
    tags: [a, b]
"""


def test_block_document_data_and_hand_computed_positions() -> None:
    doc = load(BLOCK)
    assert doc.data == {
        "name": "web",
        "services": [{"serviceName": "web", "desiredCount": 2, "tags": ["a", "b"]}],
    }
    assert list(doc.data) == ["name", "services"]  # insertion order kept
    assert doc.marks[()] == Mark(F, 1, 1)
    assert doc.marks[("name",)] == Mark(F, 1, 7)
    assert doc.key_marks[("name",)] == Mark(F, 1, 1)
    assert doc.marks[("services",)] == Mark(F, 3, 3)  # the "-" of the block sequence
    assert doc.marks[("services", 0)] == Mark(F, 3, 5)  # the mapping starts at its first key
    assert doc.key_marks[("services", 0, "desiredCount")] == Mark(F, 4, 5)
    assert doc.marks[("services", 0, "desiredCount")] == Mark(F, 4, 19)
    assert doc.marks[("services", 0, "tags", 1)] == Mark(F, 5, 15)


def test_mark_for_falls_back_to_nearest_ancestor_and_prefers_key_on_request() -> None:
    doc = load(BLOCK)
    missing = ("services", 0, "cpu")
    assert doc.mark_for(missing) == Mark(F, 3, 5)
    assert doc.mark_for(("services", 0, "desiredCount")) == Mark(F, 4, 19)
    assert doc.mark_for(("services", 0, "desiredCount"), key=True) == Mark(F, 4, 5)
    assert doc.mark_for(("nope", 3, "x"), key=True) == Mark(F, 1, 1)  # the root


def test_problem_is_located_and_renders() -> None:
    doc = load(BLOCK)
    p = doc.problem(("services", 0, "desiredCount"), "must be at least 1")
    assert p == Problem(F, 4, 19, "services[0].desiredCount", "must be at least 1")
    assert p.render() == "scenario.yaml:4:19: services[0].desiredCount: must be at least 1"
    k = doc.problem(("services", 0, "desiredCount"), "unknown field", key=True)
    assert (k.line, k.column) == (4, 5)


def test_json_object_with_positions(tmp_path: pathlib.Path) -> None:
    text = (
        '{\n  "family": "web",\n  "cpu": "512",\n  "containerDefinitions": [{"name": "app"}]\n}\n'
    )
    doc = load_yaml_text(text, "td.json")
    assert doc.data == {"family": "web", "cpu": "512", "containerDefinitions": [{"name": "app"}]}
    assert doc.key_marks[("cpu",)] == Mark("td.json", 3, 3)
    assert doc.marks[("cpu",)] == Mark("td.json", 3, 10)
    assert doc.marks[("containerDefinitions", 0, "name")] == Mark("td.json", 4, 37)
    # JSON indented with tabs (legal JSON, illegal YAML) loads from a .json file.
    tabbed = tmp_path / "tabbed.json"
    tabbed.write_text('{\n\t"a": [1,\n\t\t2]\n}\n', encoding="utf-8")
    doc = load_yaml_file(tabbed)
    assert doc.data == {"a": [1, 2]}
    assert doc.marks[("a", 1)] == Mark(str(tabbed), 3, 3)


# ------------------------------------------------------------------ rule 1: tags


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("x: !!python/object:os.system {}\n", "!!python/object:os.system"),
        ("x: !!python/name:os.system\n", "!!python/name:os.system"),
        ("x: !Ref foo\n", "!Ref"),
        ("x: !!binary aGVsbG8=\n", "!!binary"),
        ("x: !!timestamp 2024-01-01\n", "!!timestamp"),
        ("x: !!set {a, b}\n", "!!set"),
        ("x: ! 12\n", "!"),
    ],
)
def test_non_core_tags_are_refused(text: str, tag: str) -> None:
    p = one_problem(text)
    assert where(p) == (1, 4, "x")
    assert p.message == f"tag {tag} is not allowed: scenarios hold data only"


def test_python_tag_never_constructs_anything() -> None:
    text = "x: !!python/object/apply:os.system ['echo pwned > /dev/null']\n"
    assert "!!python/object/apply:os.system is not allowed" in one_problem(text).message


def test_tag_on_a_key_is_refused() -> None:
    p = one_problem("!foo a: 1\n")
    assert (p.line, p.column) == (1, 1)
    assert "tag !foo is not allowed" in p.message


def test_core_tags_are_honoured() -> None:
    doc = load(
        "a: !!str 12\nb: !!int '0x1F'\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\n"
        "f: !!map {k: v}\ng: !!seq [1]\n"
    )
    assert doc.data == {
        "a": "12", "b": 31, "c": 1.0, "d": True, "e": None, "f": {"k": "v"}, "g": [1],
    }  # fmt: skip
    assert isinstance(doc.data["c"], float)


def test_core_tags_check_their_values_and_node_kinds() -> None:
    found = problems("a: !!int '012'\nb: !!bool yes\nc: !!map x\nd: !!str [1]\ne: !!null x\n")
    assert [(p.line, p.path) for p in found] == [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]
    assert "!!int takes an integer" in found[0].message
    assert "!!bool takes true or false, not 'yes'" in found[1].message
    assert found[2].message == "tag !!map cannot be used on a scalar"
    assert found[3].message == "tag !!str cannot be used on a list"


# ------------------------------------------------------------------ rule 2: duplicate keys


def test_duplicate_keys_are_all_reported_at_the_second_key() -> None:
    found = problems("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
    assert [where(p) for p in found] == [(4, 3, "b.c"), (5, 1, "a")]
    assert found[0].message == "duplicate key 'c' (first defined at line 3)"
    assert found[1].message == "duplicate key 'a' (first defined at line 1)"


def test_quoted_and_plain_spellings_of_a_key_are_the_same_key() -> None:
    p = one_problem('{a: 1, "a": 2}')
    assert where(p) == (1, 8, "a")


# ------------------------------------------------------------------ rule 3: keys are names


@pytest.mark.parametrize(
    ("text", "reads_as"),
    [("1: a\n", "an integer"), ("true: a\n", "a boolean"), ("null: a\n", "null"),
     ("1.5: a\n", "a number")],
)  # fmt: skip
def test_keys_must_be_strings(text: str, reads_as: str) -> None:
    p = one_problem(text)
    assert where(p) == (1, 1, "")
    assert p.message.startswith("mapping keys must be names (strings)")
    assert f"reads as {reads_as}; quote it" in p.message


def test_collection_and_missing_keys_are_refused_but_on_off_are_names() -> None:
    found = problems("x:\n  [a]: 1\n  {b: 1}: 2\n? \n: 3\n")
    assert [where(p) for p in found] == [(2, 3, "x"), (3, 3, "x"), (4, 2, "")]
    assert found[0].message == "mapping keys must be names (strings), not a list"
    assert found[1].message == "mapping keys must be names (strings), not a mapping"
    assert found[2].message == "a mapping key is missing before ':'"
    assert load("on: 1\noff: 2\n'1': 3\n").data == {"on": 1, "off": 2, "1": 3}


# ------------------------------------------------------------------ rule 4: aliases, merges


def test_aliases_expand_and_keep_the_anchor_position() -> None:
    doc = load("base: &b {cpu: '256'}\ncopy: *b\n")
    assert doc.data == {"base": {"cpu": "256"}, "copy": {"cpu": "256"}}
    assert doc.data["copy"] is not doc.data["base"]  # plain, independent data
    assert doc.marks[("copy", "cpu")] == Mark(F, 1, 16)
    assert doc.key_marks[("copy",)] == Mark(F, 2, 1)


def test_billion_laughs_is_stopped() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    p = one_problem("\n".join(lines) + "\n")
    assert p.message.startswith("alias expansion too large (billion laughs?)")


def test_billion_laughs_through_merge_keys_is_stopped() -> None:
    lines = ["a0: &a0 {k: 1}"]
    for i in range(1, 8):
        sources = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} {{<<: [{sources}]}}")
    p = one_problem("\n".join(lines) + "\n")
    assert p.message.startswith("alias expansion too large (billion laughs?)")


def test_recursive_aliases_are_refused() -> None:
    p = one_problem("a: &x [1, *x]\n")
    assert where(p) == (1, 4, "a[1]")
    assert p.message == "recursive alias: this value contains itself"
    p = one_problem("a: &x {b: 1, <<: *x}\n")
    assert "recursive alias" in p.message


def test_undefined_alias_is_a_located_error() -> None:
    p = one_problem("a: 1\nb: *nope\n")
    assert (p.line, p.column) == (2, 4)
    assert p.message == "found undefined alias 'nope'"


MERGE = """\
base: &b {x: 1, y: 2}
other: &o {y: 20, z: 30}
m:
  <<: [*b, *o]
  x: 10
n:
  <<: *o
"""


def test_merge_keys_explicit_wins_earlier_merge_wins_marks_point_to_the_source() -> None:
    doc = load(MERGE)
    assert doc.data["m"] == {"y": 2, "z": 30, "x": 10}
    assert doc.data["n"] == {"y": 20, "z": 30}
    assert doc.marks[("m", "x")] == Mark(F, 5, 6)  # written in m
    assert doc.marks[("m", "y")] == Mark(F, 1, 20)  # merged from base
    assert doc.key_marks[("m", "z")] == Mark(F, 2, 19)  # merged from other
    assert "<<" not in doc.data["m"]


def test_merge_value_must_be_mappings_and_quoted_merge_key_is_a_plain_key() -> None:
    p = one_problem("m:\n  <<: [1]\n")
    assert where(p) == (2, 8, "m")
    assert p.message.startswith("<< (merge key) takes a mapping or a list of mappings")
    assert load('"<<": 1\n').data == {"<<": 1}


# ------------------------------------------------------------------ rule 5: YAML 1.2 core


@pytest.mark.parametrize(
    ("plain", "value"),
    [
        ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
        ("null", None), ("Null", None), ("NULL", None), ("~", None), ("", None),
        ("0", 0), ("-0", 0), ("12", 12), ("+5", 5), ("-17", -17), ("0o17", 15), ("0x1F", 31),
        ("1.5", 1.5), ("-1.5", -1.5), ("1e3", 1000.0), ("1.", 1.0), (".5", 0.5),
        ("2.5E-3", 0.0025), (".inf", math.inf), ("-.inf", -math.inf), ("+.Inf", math.inf),
        # YAML 1.1 traps that stay text:
        ("off", "off"), ("on", "on"), ("yes", "yes"), ("no", "no"), ("y", "y"), ("n", "n"),
        ("Yes", "Yes"), ("012", "012"), ("-012", "-012"), ("00.5", "00.5"), ("1:30", "1:30"),
        ("2024-01-01", "2024-01-01"), ("1_000", "1_000"), ("0b101", "0b101"), ("0o8", "0o8"),
        ("tRUE", "tRUE"), ("nul", "nul"), ("1e", "1e"), (".", "."), ("=", "="),
    ],
)  # fmt: skip
def test_plain_scalars_follow_the_yaml_1_2_core_schema(plain: str, value: object) -> None:
    got = load(f"v: {plain}\n").data["v"]
    assert got == value
    assert type(got) is type(value)


def test_nan_and_quoted_scalars() -> None:
    assert math.isnan(load("v: .nan\n").data["v"])
    doc = load("a: 'true'\nb: \"12\"\nc: '~'\nd: |\n  12\ne: >\n  off\n")
    assert doc.data == {"a": "true", "b": "12", "c": "~", "d": "12\n", "e": "off\n"}


# ------------------------------------------------------------------ rule 6: syntax and files


def test_syntax_error_is_located_at_the_problem_mark_on_one_line() -> None:
    p = one_problem("a: [1, 2\nb: 3\n")
    assert where(p) == (2, 2, "")
    assert p.message == (
        "expected ',' or ']', but got ':' (while parsing a flow sequence started at line 1, "
        "column 4)"
    )
    assert "\n" not in p.message


def test_bad_indentation_and_tabs() -> None:
    p = one_problem("a:\n  b: 1\n c: 2\n")
    assert (p.line, p.column) == (3, 2)
    assert p.message.startswith("expected <block end>, but found '<block mapping start>'")
    p = one_problem("a:\n\tb: 1\n")
    assert (p.line, p.column) == (2, 1)
    assert p.message.endswith("indent YAML with spaces, not tabs")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert one_problem(text).message == "the file is empty"


def test_a_second_document_is_refused() -> None:
    p = one_problem("a: 1\n---\nb: 2\n")
    assert (p.line, p.column) == (2, 1)
    assert "second YAML document" in p.message
    assert load("---\na: 1\n").data == {"a": 1}  # one explicit document is fine


def test_control_characters_are_refused() -> None:
    p = one_problem("a: 1\nb: x\x01y\n")
    assert (p.line, p.column, p.message) == (2, 5, "character U+0001 is not allowed in YAML")


def test_too_deep_nesting_is_refused() -> None:
    p = one_problem("a: " + "[" * 150 + "]" * 150 + "\n")
    assert p.message == "nesting deeper than 100 levels"


def test_load_file_uses_display_name_and_reports_non_utf8(tmp_path: pathlib.Path) -> None:
    good = tmp_path / "s.yaml"
    good.write_bytes(b"\xef\xbb\xbfa: caf\xc3\xa9\n")  # a UTF-8 BOM is fine
    assert load_yaml_file(good, "s.yaml").data == {"a": "café"}
    assert load_yaml_file(good).marks[()].file == str(good)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: caf\xe9\n")  # Latin-1
    with pytest.raises(ScenarioError) as info:
        load_yaml_file(bad, "bad.yaml")
    (p,) = info.value.problems
    assert (p.file, p.line, p.column) == ("bad.yaml", 2, 7)
    assert p.message == "the file is not UTF-8: byte 0xe9 cannot be decoded"


def test_load_file_refuses_huge_and_missing_files(tmp_path: pathlib.Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ScenarioError, match="larger than 10 MiB"):
        load_yaml_file(huge)
    with pytest.raises(ScenarioError, match="larger than 10 MiB"):
        load_yaml_text("#" * (MAX_FILE_BYTES + 1), "t.yaml")
    with pytest.raises(ScenarioError, match="no such file"):
        load_yaml_file(tmp_path / "absent.yaml")


# ------------------------------------------------------------------ rule 8: fromFile

TASKDEF = """\
{
  "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3",
  "family": "web",
  "revision": 3,
  "cpu": "512"
}
"""

READ_ONLY = {"taskDefinitions": frozenset({"taskDefinitionArn", "revision"})}


def test_from_file_splices_the_file_without_read_only_fields(tmp_path: pathlib.Path) -> None:
    (tmp_path / "td.json").write_text(TASKDEF, encoding="utf-8")
    text = "name: x\ntaskDefinitions:\n  - family: api\n  - fromFile: td.json\nservices: []\n"
    doc = load_yaml_text(text, "scen/s.yaml")
    before = {"data": repr(doc.data), "marks": dict(doc.marks)}
    out = resolve_from_file(doc, tmp_path, READ_ONLY)
    assert out.data["taskDefinitions"] == [{"family": "api"}, {"family": "web", "cpu": "512"}]
    assert out.marks[("taskDefinitions", 1)] == Mark("scen/td.json", 1, 1)
    assert out.marks[("taskDefinitions", 1, "cpu")] == Mark("scen/td.json", 5, 10)
    assert out.key_marks[("taskDefinitions", 1, "family")] == Mark("scen/td.json", 3, 3)
    assert ("taskDefinitions", 1, "fromFile") not in out.marks
    assert ("taskDefinitions", 1, "revision") not in out.marks
    assert out.key_marks[("taskDefinitions",)] == Mark("scen/s.yaml", 2, 1)  # untouched
    # the input document is not modified
    assert repr(doc.data) == before["data"] and doc.marks == before["marks"]
    assert doc.data["taskDefinitions"][1] == {"fromFile": "td.json"}


def test_from_file_only_in_named_sections_and_not_nested(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.yaml").write_text("family: a\nextra:\n  - fromFile: b.yaml\n", "utf-8")
    text = "taskDefinitions: [{fromFile: a.yaml}]\nother: [{fromFile: a.yaml}]\n"
    out = resolve_from_file(load(text), tmp_path, READ_ONLY)
    assert out.data["taskDefinitions"] == [{"family": "a", "extra": [{"fromFile": "b.yaml"}]}]
    assert out.data["other"] == [{"fromFile": "a.yaml"}]


def test_from_file_missing_file_is_located_at_the_value(tmp_path: pathlib.Path) -> None:
    doc = load("taskDefinitions:\n  - fromFile: x.json\n")
    with pytest.raises(ScenarioError) as info:
        resolve_from_file(doc, tmp_path, READ_ONLY)
    (p,) = info.value.problems
    assert p == Problem(
        F, 2, 15, "taskDefinitions[0].fromFile", "cannot read 'x.json': no such file"
    )


def test_from_file_errors_in_the_included_file_carry_its_name(tmp_path: pathlib.Path) -> None:
    (tmp_path / "bad.yaml").write_text("family: a\nfamily: b\n", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]\n", encoding="utf-8")
    doc = load("taskDefinitions:\n  - fromFile: bad.yaml\n  - fromFile: list.json\n")
    with pytest.raises(ScenarioError) as info:
        resolve_from_file(doc, tmp_path, READ_ONLY)
    assert [(p.file, p.line, p.column, p.path) for p in info.value.problems] == [
        ("bad.yaml", 2, 1, "taskDefinitions[0].family"),
        ("list.json", 1, 1, "taskDefinitions[1]"),
    ]
    assert "duplicate key 'family'" in info.value.problems[0].message
    assert "must hold one mapping" in info.value.problems[1].message


def test_from_file_stands_alone(tmp_path: pathlib.Path) -> None:
    (tmp_path / "td.json").write_text(TASKDEF, encoding="utf-8")
    doc = load("taskDefinitions:\n  - fromFile: td.json\n    cpu: '256'\n")
    with pytest.raises(ScenarioError) as info:
        resolve_from_file(doc, tmp_path, READ_ONLY)
    (p,) = info.value.problems
    assert where(p) == (2, 5, "taskDefinitions[0].fromFile")
    assert p.message.startswith("fromFile stands alone in its item")
