"""Load scenario files and suites, with every problem located (file, line, path, hint).

Two passes: the schema (pydantic, strict) and then the stack (does the dependency exist, the
group, the profile; is the instance name one the stack will have).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import _yaml
from harness.errors import InputError, Problem
from harness.faults._selection import Target
from harness.scenario.schema import Scenario
from harness.scenario.variables import substitute
from harness.stack.model import StackSpec

SCENARIO_DIR_ENV = "SHOPCHAOS_SCENARIOS"


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path


def load_file(
    path: Path, stack: StackSpec | None = None, variables: Mapping[str, Any] | None = None
) -> LoadedScenario:
    """Load and check one scenario file; InputError lists every located problem.
    `variables`: --var/--var-file values for `${KEY}` (scenario/variables.py)."""
    doc = _yaml.read(path)
    if variables or _mentions_variables(doc.data):
        data = substitute(doc.data, doc.lines, variables or {}, doc.file)
        doc = dataclasses.replace(doc, data=data)
    scenario, problems = _yaml.validate_all(Scenario, doc)
    if scenario is not None and stack is not None:
        problems += check_against_stack(scenario, stack, doc)
    _yaml.raise_if_any(doc.file, problems)
    if scenario is None:  # pragma: no cover - no problems means the scenario was built
        raise InputError(doc.file, [Problem("", "could not be read")])
    return LoadedScenario(scenario, path)


def _mentions_variables(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_mentions_variables(v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_variables(v) for v in value)
    return isinstance(value, str) and "${" in value


def load_many(
    paths: list[Path],
    stack: StackSpec | None = None,
    variables: Mapping[str, Any] | None = None,
) -> list[LoadedScenario]:
    """Load every file; report the problems of all of them at once."""
    loaded: list[LoadedScenario] = []
    failures: list[InputError] = []
    for p in paths:
        try:
            loaded.append(load_file(p, stack, variables))
        except InputError as e:
            failures.append(e)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        problems = [
            Problem(prob.path, f"{f.file}:{prob.line or '?'}: {prob.message}", None, prob.hint)
            for f in failures
            for prob in f.problems
        ]
        raise InputError(f"{len(failures)} scenario files", problems)
    names = [s.scenario.name for s in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(
            None,
            [Problem("name", f"scenario name '{d}' is used by more than one file") for d in dupes],
        )
    return loaded


def discover(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def suite(
    directory: Path,
    tag: str,
    stack: StackSpec | None = None,
    variables: Mapping[str, Any] | None = None,
) -> list[LoadedScenario]:
    """Every scenario in `directory` tagged `tag` ("all" = every one)."""
    paths = discover(directory)
    if not paths:
        raise InputError(
            str(directory),
            [Problem("", "no scenario files (*.yaml) here")],
            hint="point --scenarios at the scenario library",
        )
    everything = load_many(paths, stack, variables)
    chosen = [s for s in everything if tag == "all" or tag in s.scenario.tags]
    if not chosen:
        tags = sorted({t for s in everything for t in s.scenario.tags})
        raise InputError(
            str(directory),
            [Problem("", f"no scenario is tagged '{tag}'", hint=f"tags in use: {', '.join(tags)}")],
        )
    return chosen


def check_against_stack(
    scenario: Scenario, stack: StackSpec, doc: _yaml.Document
) -> list[tuple[_yaml.Loc, Problem]]:
    """What the schema cannot know: does the profile, the dependency, the instance or group exist
    in this stack, and does it have as many instances as a fault asks for."""
    problems: list[tuple[_yaml.Loc, Problem]] = []
    req = scenario.stack
    db = req.db or stack.database.kind
    if req.profile != "default" and req.profile not in stack.profiles:
        known = ", ".join(sorted({"default", *stack.profiles}))
        problems.append(
            doc.problem(
                ("stack", "profile"),
                f"unknown profile '{_yaml.shorten(req.profile)}'",
                f"profiles of {stack.name}: {known}",
            )
        )
    backend = stack.load_balancer.backend
    replicas = req.replicas or stack.services[backend].replicas
    proxies = stack.proxies(db)
    for i, fault in enumerate(scenario.faults):
        dependency = getattr(fault, "dependency", None)
        if dependency is not None and dependency not in proxies:
            hint = f"dependencies with db={db}: {', '.join(sorted(proxies))}"
            if dependency == "database":
                hint = "the database proxy exists with PostgreSQL: add `stack: {db: postgres}`"
            problems.append(
                doc.problem(
                    ("faults", i, "dependency"),
                    f"'{_yaml.shorten(dependency)}' is not a dependency of {stack.name}",
                    hint,
                )
            )
        target = getattr(fault, "target", None)
        if isinstance(target, Target):
            problems.extend(_check_target(target, ("faults", i, "target"), stack, replicas, doc))
    return problems


def _check_target(
    target: Target, where: _yaml.Loc, stack: StackSpec, replicas: int, doc: _yaml.Document
) -> list[tuple[_yaml.Loc, Problem]]:
    instances = stack.all_instance_names(replicas)
    if target.instance is not None and target.instance not in instances:
        return [
            doc.problem(
                (*where, "instance"),
                f"no instance '{_yaml.shorten(target.instance)}'",
                f"instances: {', '.join(instances)}",
            )
        ]
    if target.group is None:
        return []
    if target.group not in stack.services:
        return [
            doc.problem(
                (*where, "group"),
                f"no service '{_yaml.shorten(target.group)}'",
                f"services: {', '.join(stack.services)}",
            )
        ]
    members = len(stack.instance_names(target.group, replicas))
    backend = target.group == stack.load_balancer.backend
    if target.count is not None and target.count > members:
        return [
            doc.problem(
                (*where, "count"),
                f"{target.count} instances of '{target.group}' asked for; it has {members}",
                f"at most count: {members}"
                + (", or more with `stack: {replicas: N}`" if backend else ""),
            )
        ]
    if target.all_but is not None and target.all_but >= members:
        return [
            doc.problem(
                (*where, "all_but"),
                f"all but {target.all_but} of '{target.group}' leaves nothing: it has {members}",
                f"all_but: 0..{members - 1}",
            )
        ]
    return []
