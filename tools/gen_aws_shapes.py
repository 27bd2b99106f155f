"""Regenerate ``fargasim/scenario/awsapi/*.json`` from botocore's AWS service models.

DESIGN.md §3: scenario sections that AWS has an API for take exactly the input shape of that
API. The source of truth for those shapes is AWS's own API model, as shipped in botocore's
``data/<service>/<version>/service-2.json``. This tool extracts from it only what
:mod:`fargasim.scenario.awsshapes` needs to validate a scenario: the input shape of each
operation below and every shape reachable from it, trimmed to type, members, required members,
enum values, min/max, short patterns, the union and deprecated flags, and the first sentence of
each member's documentation (for hints). The botocore version is recorded in every file so a
reader knows which snapshot of the AWS API fargasim checks against.

botocore is needed only here (``pip install fargasim[gen]``); fargasim itself reads the JSON.
Output is deterministic (sorted keys, ``indent=1``, trailing newline), so regenerating with the
same botocore version gives byte-identical files and a newer botocore gives a clean diff.

Usage::

    python tools/gen_aws_shapes.py           # rewrite the JSON files
    python tools/gen_aws_shapes.py --check   # exit 1 if they differ from what would be written
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

#: The operations whose inputs fargasim scenarios take, per botocore service name.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "ecs": ("RegisterTaskDefinition", "CreateService", "UpdateService", "RunTask"),
    "application-autoscaling": (
        "RegisterScalableTarget",
        "PutScalingPolicy",
        "PutScheduledAction",
    ),
    "elbv2": ("CreateTargetGroup", "ModifyTargetGroupAttributes"),
    "cloudwatch": ("PutMetricAlarm",),
}

GENERATED_BY = "tools/gen_aws_shapes.py"
OUT_DIR = Path(__file__).resolve().parent.parent / "fargasim" / "scenario" / "awsapi"
MAX_DOC_CHARS = 200
MAX_PATTERN_CHARS = 100

# Words ending in "." that do not end a sentence in AWS's documentation.
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "approx.", "no.", "inc.", "u.s."})
_BLOCK_TAGS = frozenset({"p", "li", "ul", "ol", "br", "note", "important", "dd", "dt", "dl"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block-level tags become spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_html(fragment: str) -> str:
    """The text of an HTML fragment, entities decoded and whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


def first_sentence(doc_html: str, limit: int = MAX_DOC_CHARS) -> str:
    """The first sentence of an AWS documentation string, as plain text of at most ``limit``."""
    text = strip_html(doc_html)
    depth = 0
    end = len(text)
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char in ".!?" and depth == 0 and (i + 1 == len(text) or text[i + 1].isspace()):
            word = text[: i + 1].rsplit(" ", 1)[-1].lower()
            if word in _ABBREVIATIONS:
                continue
            end = i + 1
            break
    sentence = text[:end].strip()
    if len(sentence) > limit:
        cut = sentence[: limit - 1]
        if " " in cut:
            cut = cut.rsplit(" ", 1)[0]
        sentence = cut.rstrip(" ,;:") + "…"
    return sentence


def trim_shape(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only what validation and hints need from one botocore shape definition."""
    shape: dict[str, Any] = {"type": raw["type"]}
    if "members" in raw:
        members: dict[str, Any] = {}
        for name, member in raw["members"].items():
            entry: dict[str, Any] = {"shape": member["shape"]}
            doc = first_sentence(member.get("documentation", ""))
            if doc:
                entry["doc"] = doc
            if member.get("deprecated"):
                entry["deprecated"] = True
            members[name] = entry
        shape["members"] = members
    for ref in ("member", "key", "value"):
        if ref in raw:
            shape[ref] = {"shape": raw[ref]["shape"]}
    if raw.get("required"):
        shape["required"] = list(raw["required"])
    if raw.get("enum"):
        shape["enum"] = list(raw["enum"])
    for bound in ("min", "max"):
        if bound in raw:
            shape[bound] = raw[bound]
    pattern = raw.get("pattern")
    if isinstance(pattern, str) and len(pattern) <= MAX_PATTERN_CHARS:
        shape["pattern"] = pattern
    for flag in ("union", "deprecated", "document"):
        if raw.get(flag):
            shape[flag] = True
    return shape


def _referenced(shape: Mapping[str, Any]) -> list[str]:
    names = [m["shape"] for m in shape.get("members", {}).values()]
    names += [shape[ref]["shape"] for ref in ("member", "key", "value") if ref in shape]
    return names


def build_service(
    service: str,
    model: Mapping[str, Any],
    operations: Sequence[str],
    botocore_version: str,
) -> dict[str, Any]:
    """The trimmed model of ``service``: the inputs of ``operations`` and all they reach."""
    raw_shapes: Mapping[str, Any] = model["shapes"]
    ops: dict[str, str] = {}
    for op in operations:
        ops[op] = model["operations"][op]["input"]["shape"]
    shapes: dict[str, Any] = {}
    pending = sorted(set(ops.values()))
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shapes[name] = trim_shape(raw_shapes[name])
        pending.extend(n for n in _referenced(shapes[name]) if n not in shapes)
    return {
        "service": service,
        "apiVersion": model["metadata"]["apiVersion"],
        "botocoreVersion": botocore_version,
        "generatedBy": GENERATED_BY,
        "operations": ops,
        "shapes": shapes,
    }


def render(data: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, one-space indent, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def generate_all() -> dict[str, str]:
    """File name → JSON text for every service in :data:`OPERATIONS` (needs botocore)."""
    import botocore  # type: ignore[import-untyped]
    import botocore.loaders  # type: ignore[import-untyped]

    loader = botocore.loaders.Loader()
    version: str = botocore.__version__
    out: dict[str, str] = {}
    for service, operations in OPERATIONS.items():
        model = loader.load_service_model(service, "service-2")
        out[f"{service}.json"] = render(build_service(service, model, operations, version))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument(
        "--check", action="store_true", help="only report files that would change; exit 1 if any"
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out
    stale: list[str] = []
    for name, text in generate_all().items():
        path = out_dir / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"{'stale' if args.check else 'wrote'} {out_dir / name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
