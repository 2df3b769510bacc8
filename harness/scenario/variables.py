"""`--var KEY=VALUE` and `--var-file FILE`: values substituted into scenario files before they
are validated, so one scenario serves several environments.

In a scenario, `${KEY}` is replaced by the variable's value and `${KEY:-default}` falls back to
the default; `$${` writes a literal `${`. A value that is the whole YAML scalar keeps its type
(`users: ${USERS}` with USERS=32 is the number 32); inside a longer string it is text. Only
values are substituted, never keys. An unknown variable is a located error naming the known ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from harness import _yaml
from harness.errors import InputError, Problem

_REF = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_vars(pairs: list[str], files: list[Path]) -> dict[str, Any]:
    """Variables from --var-file FILE (YAML mappings, in order) and --var KEY=VALUE (last wins;
    a value is read as a YAML scalar: 32 is a number, true a boolean, anything else text)."""
    out: dict[str, Any] = {}
    for path in files:
        doc = _yaml.read(path)
        data, lines = doc.data, doc.lines
        if data is None:
            continue
        if not isinstance(data, dict):
            raise InputError(str(path), [Problem("", "a var-file is a mapping: KEY: value", 1)])
        bad = [k for k in data if not isinstance(k, str) or not _NAME.match(k)]
        if bad:
            raise InputError(
                str(path),
                [
                    Problem(str(k), "not a variable name (letters, digits, _)", lines.get((k,)))
                    for k in bad
                ],
            )
        out.update(data)
    problems = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not _NAME.match(key):
            problems.append(Problem("--var", f"'{pair}': write KEY=VALUE"))
            continue
        out[key] = _scalar(value)
    if problems:
        raise InputError(None, problems)
    return out


def _scalar(text: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) or value is None else text


def substitute(
    data: Any, lines: dict[_yaml.Loc, int], variables: Mapping[str, Any], file: str
) -> Any:
    """`data` with every `${KEY}` replaced; InputError listing every unknown variable."""
    problems: list[Problem] = []
    out = _walk(data, (), lines, variables, problems)
    if problems:
        known = ", ".join(sorted(variables)) or "none given"
        hint = f"give it with --var KEY=VALUE or --var-file FILE (known: {known})"
        raise InputError(file, [Problem(p.path, p.message, p.line, hint) for p in problems])
    return out


def _walk(
    value: Any,
    loc: _yaml.Loc,
    lines: dict[_yaml.Loc, int],
    variables: Mapping[str, Any],
    problems: list[Problem],
) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, (*loc, k), lines, variables, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, (*loc, i), lines, variables, problems) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    return _string(value, loc, lines, variables, problems)


def _string(
    text: str,
    loc: _yaml.Loc,
    lines: dict[_yaml.Loc, int],
    variables: Mapping[str, Any],
    problems: list[Problem],
) -> Any:
    def lookup(m: re.Match[str]) -> Any:
        name, default = m.group(1), m.group(2)
        if name in variables:
            return variables[name]
        if default is not None:
            return _scalar(default)
        problems.append(Problem(_path(loc), f"unknown variable ${{{name}}}", lines.get(loc)))
        return m.group(0)

    whole = _REF.fullmatch(text)
    if whole is not None and whole.group(1) is not None:
        return lookup(whole)
    return _REF.sub(lambda m: "${" if m.group(1) is None else str(lookup(m)), text)


def _path(loc: _yaml.Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out
