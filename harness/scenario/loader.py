"""Load scenario files and suites, with every problem located (file, line, path, hint).

Two passes: the schema (pydantic, strict) and then the stack (does the dependency exist, the
group, the profile; is the instance name one the stack will have).
"""

from __future__ import annotations

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
    """`variables`: --var/--var-file values for `${KEY}` (scenario/variables.py)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(file, [Problem("", f"cannot read file: {e.strerror}")]) from e
    data, lines = _yaml.parse(text, file)
    data = substitute(data, lines, variables or {}, file)
    scenario = _yaml.validate(Scenario, data, lines, file)
    if stack is not None:
        problems = check_against_stack(scenario, stack, lines)
        if problems:
            raise InputError(file, problems)
    return LoadedScenario(scenario, path)


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
    scenario: Scenario, stack: StackSpec, lines: dict[_yaml.Loc, int]
) -> list[Problem]:
    problems: list[Problem] = []
    req = scenario.stack
    db = req.db or stack.database.kind
    if req.profile != "default" and req.profile not in stack.profiles:
        known = ", ".join(sorted({"default", *stack.profiles}))
        problems.append(
            Problem(
                "stack.profile",
                f"unknown profile '{req.profile}'",
                lines.get(("stack", "profile")),
                f"profiles of {stack.name}: {known}",
            )
        )
    backend = stack.load_balancer.backend
    replicas = req.replicas or stack.services[backend].replicas
    instances = stack.all_instance_names(replicas)
    proxies = stack.proxies(db)
    for i, fault in enumerate(scenario.faults):
        where = ("faults", i)
        dependency = getattr(fault, "dependency", None)
        if dependency is not None and dependency not in proxies:
            hint = f"dependencies with db={db}: {', '.join(sorted(proxies))}"
            if dependency == "database":
                hint = "the database proxy exists with PostgreSQL: add `stack: {db: postgres}`"
            problems.append(
                Problem(
                    f"faults[{i}].dependency",
                    f"'{dependency}' is not a dependency of {stack.name}",
                    lines.get((*where, "dependency")),
                    hint,
                )
            )
        target = getattr(fault, "target", None)
        if isinstance(target, Target):
            problems.extend(_check_target(target, i, stack, instances, lines))
    return problems


def _check_target(
    target: Target, i: int, stack: StackSpec, instances: list[str], lines: dict[_yaml.Loc, int]
) -> list[Problem]:
    line = lines.get(("faults", i, "target"))
    if target.instance is not None and target.instance not in instances:
        return [
            Problem(
                f"faults[{i}].target.instance",
                f"no instance '{target.instance}'",
                line,
                f"instances: {', '.join(instances)}",
            )
        ]
    if target.group is not None and target.group not in stack.services:
        return [
            Problem(
                f"faults[{i}].target.group",
                f"no service '{target.group}'",
                line,
                f"services: {', '.join(stack.services)}",
            )
        ]
    return []
