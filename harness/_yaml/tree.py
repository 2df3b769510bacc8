"""Build plain data (dicts, lists, scalars) from YAML text in one bounded pass over the parser's
events, noting the line of every key and item.

Bounded: at most MAX_DEPTH levels of nesting and MAX_NODES values, where an alias (`*name`)
counts as the size of what it stands for, so a "billion laughs" file stops at the limit in
milliseconds instead of expanding. Aliases share the anchored value (nothing is copied).
Anchors, aliases and merge keys (`<<: *defaults`) work as in YAML 1.1.

Refused with their line, all at once: a key given twice (YAML's "last one wins" would let a
second `type:` turn one fault into another), a key that is a list or mapping, a tag other than
the standard scalar ones, a number with too many digits or that is not finite (`.inf`, `.nan`).
Refused at once: nesting or size past the bounds, an alias to an unknown or enclosing anchor,
a second document.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events as ev

from harness._yaml.locs import Loc, render_loc, shorten
from harness.errors import Problem

MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_DIGITS = 40
MAX_PROBLEMS = 100

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: ~20x faster
_RESOLVER: Any = yaml.resolver.Resolver()
_CONSTRUCTOR: Any = yaml.constructor.SafeConstructor()
_T = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_T}str", f"{_T}timestamp", f"{_T}value"}  # a date stays text: no field wants one
_COLLECTION_TAGS = {None, "!", f"{_T}map", f"{_T}seq"}
_IGNORED = object()  # a loc step under which a refused value is built (its lines are never read)
NO_TAGS = "remove the tag: these files hold text, numbers, true/false, null, lists and mappings"


class Fatal(Exception):
    """A problem after which the rest of the document cannot be read."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Tree:
    data: Any = None
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[tuple[Loc, Problem]] = field(default_factory=list)


def build(text: str) -> Tree:
    """The document's data, its lines and the problems found; Fatal or yaml.YAMLError if it
    cannot be read (the caller locates those)."""
    parser = _Parser(text)
    try:
        builder = _Builder(parser)
        builder.tree.data = builder.document()
        return builder.tree
    finally:
        parser.dispose()


class _Builder:
    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.tree = Tree()
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.count = 0

    def document(self) -> Any:
        self._next()  # StreamStart
        if isinstance(self.parser.peek_event(), ev.StreamEndEvent):
            return None
        self._next()  # DocumentStart
        data = self.node((), 0)
        self._next()  # DocumentEnd
        extra = self._next()
        if not isinstance(extra, ev.StreamEndEvent):
            raise Fatal(
                Problem("", "a second YAML document (---)", _line(extra), "one document per file")
            )
        return data

    def node(self, loc: Loc, depth: int) -> Any:
        event = self._next()
        line = _line(event)
        self.tree.lines.setdefault(loc, line)
        if isinstance(event, ev.AliasEvent):
            return self._alias(event, line)
        if isinstance(event, ev.ScalarEvent):
            self._spend(1, line)
            value = self._scalar(event, loc)
        elif isinstance(event, ev.SequenceStartEvent | ev.MappingStartEvent):
            if depth >= MAX_DEPTH:
                raise Fatal(
                    Problem(
                        render_loc(loc),
                        f"nested more than {MAX_DEPTH} levels deep",
                        line,
                        "scenario and stack files need a handful of levels; check the brackets",
                    )
                )
            if event.tag not in _COLLECTION_TAGS:
                self._problem(
                    loc, f"the tag {_shown(str(event.tag))} is not allowed", line, NO_TAGS
                )
            before = self.count
            self._spend(1, line)
            if event.anchor is not None:
                self.open_anchors.add(event.anchor)
            if isinstance(event, ev.SequenceStartEvent):
                value = self._sequence(loc, depth)
            else:
                value = self._mapping(loc, depth)
            if event.anchor is not None:
                self.open_anchors.discard(event.anchor)
                self.anchors[event.anchor] = (value, self.count - before)
            return value
        else:  # pragma: no cover - the parser sends no other event here
            raise Fatal(Problem(render_loc(loc), f"unexpected {type(event).__name__}", line))
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        return value

    def _sequence(self, loc: Loc, depth: int) -> list[Any]:
        out: list[Any] = []
        while not isinstance(self.parser.peek_event(), ev.SequenceEndEvent):
            i = len(out)
            self.tree.lines[(*loc, i)] = _line(self.parser.peek_event())
            out.append(self.node((*loc, i), depth + 1))
        self._next()
        return out

    def _mapping(self, loc: Loc, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        key_lines: dict[Any, int] = {}
        merges: list[tuple[Any, int]] = []
        while not isinstance(self.parser.peek_event(), ev.MappingEndEvent):
            line = _line(self.parser.peek_event())
            ok, key = self._key(loc, depth)
            if ok and key is _MERGE and not merges:
                merges.append((self.node((*loc, _IGNORED), depth + 1), line))
                continue
            if ok and (key in key_lines or key is _MERGE):
                first = key_lines.get(key, merges[0][1] if merges else line)
                self._problem(
                    (*loc, key if key is not _MERGE else "<<"),
                    f"the key '{shorten(key if key is not _MERGE else '<<')}' is given twice "
                    f"(lines {first} and {line})",
                    line,
                    "keep one: the harness does not pick one for you",
                )
                ok = False
            if not ok:
                self.node((*loc, _IGNORED), depth + 1)
                continue
            key_lines[key] = line
            self.tree.lines[(*loc, key)] = line
            out[key] = self.node((*loc, key), depth + 1)
        self._next()
        for value, line in merges:
            self._merge(out, value, loc, line)
        return out

    def _merge(self, out: dict[Any, Any], value: Any, loc: Loc, line: int) -> None:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(s, dict) for s in sources):
            self._problem(loc, "`<<` merges a mapping or a list of mappings", line)
            return
        for source in sources:  # keys given here win, then the earlier sources
            for k, v in source.items():
                if k not in out:
                    out[k] = v
                    self.tree.lines.setdefault((*loc, k), line)

    def _key(self, loc: Loc, depth: int) -> tuple[bool, Any]:
        event = self.parser.peek_event()
        line = _line(event)
        if isinstance(event, ev.ScalarEvent):
            self._next()
            self._spend(1, line)
            if _tag_of(event) == f"{_T}merge":
                return True, _MERGE
            value = self._scalar(event, (*loc, shorten(event.value)))
            return not _is_bad(value), value
        if isinstance(event, ev.AliasEvent):
            self._next()
            value = self._alias(event, line)
            if not isinstance(value, dict | list):
                return True, value
        else:
            self.node((*loc, _IGNORED), depth + 1)
        self._problem(
            loc, "a key must be a plain value (text or a number), not a list or mapping", line
        )
        return False, None

    def _alias(self, event: ev.AliasEvent, line: int) -> Any:
        name = event.anchor
        if name in self.open_anchors:
            raise Fatal(
                Problem(
                    "",
                    f"the alias *{shorten(name)} is inside the value it names",
                    line,
                    "an alias cannot refer to the mapping or list that contains it",
                )
            )
        if name not in self.anchors:
            raise Fatal(
                Problem(
                    "",
                    f"the alias *{shorten(name)} comes before any &{shorten(name)}",
                    line,
                    "define the anchor (&name) before using it",
                )
            )
        value, size = self.anchors[name]
        self._spend(size, line)
        return value

    def _scalar(self, event: ev.ScalarEvent, loc: Loc) -> Any:
        tag = _tag_of(event)
        line = _line(event)
        build = _SCALARS.get(tag)
        if build is None:
            return self._bad(loc, f"the tag {_shown(tag)} is not allowed", line)
        try:
            value = build(event.value)
        except _TooLong:
            hint = "every number has an upper bound far below this (docs/scenarios.md)"
            return self._bad(loc, f"a number with more than {MAX_DIGITS} digits", line, hint)
        except (ValueError, KeyError, IndexError, OverflowError):
            text = shorten(event.value)
            return self._bad(
                loc, f"'{text}' is not a valid {_shown(tag)} value", line, "write it plainly"
            )
        if isinstance(value, float) and not math.isfinite(value):
            hint = "give a number; infinity and NaN are not allowed"
            return self._bad(loc, f"'{shorten(event.value)}' is not a finite number", line, hint)
        return value

    def _bad(self, loc: Loc, message: str, line: int, hint: str | None = None) -> Any:
        self._problem(loc, message, line, hint or NO_TAGS)
        return _Bad()

    def _problem(self, loc: Loc, message: str, line: int, hint: str | None = None) -> None:
        if len(self.tree.problems) < MAX_PROBLEMS:
            shown = tuple(s for s in loc if s is not _IGNORED)
            self.tree.problems.append((shown, Problem(render_loc(shown), message, line, hint)))

    def _spend(self, n: int, line: int) -> None:
        self.count += n
        if self.count > MAX_NODES:
            raise Fatal(
                Problem(
                    "",
                    f"more than {MAX_NODES:,} values (an alias counts as all it stands for)",
                    line,
                    "a scenario or stack description has a few hundred; an alias of an alias "
                    "of … multiplies (a 'billion laughs' file)",
                )
            )

    def _next(self) -> Any:
        return self.parser.get_event()


class _Bad:
    """A scalar that was refused (its problem is recorded); validation skips its path."""

    def __repr__(self) -> str:
        return "<refused>"


_MERGE = object()


class _TooLong(ValueError):
    pass


def _int(text: str) -> int:
    if sum(c.isdigit() for c in text) > MAX_DIGITS:  # int() of 4,300+ digits raises; far less is
        raise _TooLong(text)  # already past every bound
    return int(_CONSTRUCTOR.construct_yaml_int(_node(f"{_T}int", text)))


def _float(text: str) -> float:
    return float(_CONSTRUCTOR.construct_yaml_float(_node(f"{_T}float", text)))


_SCALARS: dict[str, Callable[[str], Any]] = {
    **dict.fromkeys(_PLAIN_TAGS, str),
    f"{_T}merge": str,  # `<<` as a value is text
    f"{_T}null": lambda _: None,
    f"{_T}bool": lambda text: _CONSTRUCTOR.bool_values[text.lower()],
    f"{_T}int": _int,
    f"{_T}float": _float,
}


def _is_bad(value: Any) -> bool:
    return isinstance(value, _Bad)


def _tag_of(event: ev.ScalarEvent) -> str:
    if event.tag is None or event.tag == "!":
        return str(_RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit))
    return str(event.tag)


def _shown(tag: str) -> str:
    return shorten("!!" + tag.removeprefix(_T) if tag.startswith(_T) else tag)


def _node(tag: str, value: str) -> yaml.ScalarNode:
    return yaml.ScalarNode(tag, value)


def _line(event: Any) -> int:
    mark = getattr(event, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 1
