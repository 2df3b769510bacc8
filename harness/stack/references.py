"""Cross-references in a stack description: the load balancer's backend, each dependency's
upstream and each reconciliation source name a service; every placeholder in a launch command,
its environment, `compose_env`, `database.init`, the `setup` steps and the `versions` commands
is known; `start_order` lists every service once; no service
takes a name the harness uses or that one of another service's instances will have.

Checked on the document's data, whatever its shape, so that the loader reports these with the
schema's problems, all at once and each at its own line (the model checks its own fields the
same way when it is built from code).
"""

from __future__ import annotations

import difflib
import re
import string
from typing import Any

from harness._yaml.locs import Loc, shorten

PLACEHOLDERS = {"python", "host", "port", "instance", "state_dir", "db_url", "dep_url", "dep_addr"}
KEYED = {"dep_url", "dep_addr"}  # {dep_url[NAME]}: NAME is a dependency
RESERVED = {"haproxy", "toxiproxy", "postgres", "database", "db-init"}  # the harness's own
_FIELD = re.compile(r"([a-z_]+)(?:\[([^\[\]]*)\])?")

Found = tuple[Loc, str, str | None]  # where, what, hint


def check(data: Any) -> list[Found]:
    doc = _mapping(data)
    services = {k for k in _mapping(doc.get("services")) if isinstance(k, str)}
    dependencies = {k for k in _mapping(doc.get("dependencies")) if isinstance(k, str)}
    found = _service_names(services)
    found += _named_services(doc, services)
    for name, svc in _mapping(doc.get("services")).items():
        local = _mapping(_mapping(svc).get("local"))
        for i, part in _items(local.get("command")):
            found += _template(("services", name, "local", "command", i), part, dependencies)
        for key, part in _mapping(local.get("env")).items():
            found += _template(("services", name, "local", "env", key), part, dependencies)
    for name, svc in _mapping(doc.get("services")).items():
        for key, part in _mapping(_mapping(svc).get("compose_env")).items():
            found += _template(("services", name, "compose_env", key), part, dependencies)
    for i, part in _items(_mapping(doc.get("database")).get("init")):
        found += _template(("database", "init", i), part, dependencies)
    for j, step in _items(doc.get("setup")):
        for i, part in _items(_mapping(step).get("command")):
            found += _template(("setup", j, "command", i), part, dependencies)
        for key, part in _mapping(_mapping(step).get("env")).items():
            found += _template(("setup", j, "env", key), part, dependencies)
    for name, cmd in _mapping(doc.get("versions")).items():
        for i, part in _items(cmd):
            found += _template(("versions", name, i), part, dependencies)
    return found + _start_order(doc.get("start_order"), services)


def _service_names(services: set[str]) -> list[Found]:
    found: list[Found] = []
    for name in sorted(services):
        if name in RESERVED:
            found.append(
                (
                    ("services", name),
                    f"'{name}' is a name the harness uses for itself",
                    f"rename the service; reserved: {', '.join(sorted(RESERVED))}",
                )
            )
        base, dash, number = name.rpartition("-")
        if dash and number.isdigit() and base in services:
            found.append(
                (
                    ("services", name),
                    f"'{name}' is the name of an instance of service '{base}'",
                    "rename it: the instances of a replicated service are named SERVICE-1..N",
                )
            )
    return found


def _named_services(doc: dict[Any, Any], services: set[str]) -> list[Found]:
    """Every place that names a service must name one that exists."""
    places: list[tuple[Loc, Any]] = [
        (("load_balancer", "backend"), _mapping(doc.get("load_balancer")).get("backend"))
    ]
    for dep, spec in _mapping(doc.get("dependencies")).items():
        upstream = _mapping(spec).get("upstream")
        if upstream != "database":
            places.append((("dependencies", dep, "upstream"), upstream))
    for source, spec in _mapping(doc.get("reconciliation")).items():
        http = _mapping(_mapping(spec).get("http"))
        places.append((("reconciliation", source, "http", "service"), http.get("service")))
    known = ", ".join(sorted(services)) or "none"
    return [
        (loc, f"'{shorten(value)}' is not a service", f"services: {known}")
        for loc, value in places
        if isinstance(value, str) and value not in services
    ]


def _template(loc: Loc, template: Any, dependencies: set[str]) -> list[Found]:
    if not isinstance(template, str):
        return []
    try:
        fields = [
            (f, spec, conv)
            for _, f, spec, conv in string.Formatter().parse(template)
            if f is not None
        ]
    except ValueError as e:
        return [(loc, f"not a valid template: {e}", "write {{ and }} for a literal brace")]
    found: list[Found] = []
    known = ", ".join(f"{{{p}[NAME]}}" if p in KEYED else f"{{{p}}}" for p in sorted(PLACEHOLDERS))
    for field, spec, conversion in fields:
        shown = "{" + shorten(field) + "}"
        m = _FIELD.fullmatch(field)
        if m is None or m[1] not in PLACEHOLDERS:
            close = difflib.get_close_matches(field, sorted(PLACEHOLDERS), n=1, cutoff=0.6)
            guess = f"did you mean {{{close[0]}}}? " if close else ""
            found.append((loc, f"unknown placeholder {shown}", f"{guess}known: {known}"))
        elif spec or conversion:
            found.append((loc, f"{shown} takes no format (!r, :>10)", f"write {{{field}}}"))
        elif m[1] in KEYED and m[2] is None:
            found.append((loc, f"{shown} needs a dependency", f"write {{{m[1]}[NAME]}}"))
        elif m[1] in KEYED and m[2] not in dependencies:
            deps = ", ".join(sorted(dependencies)) or "none"
            found.append((loc, f"{shown} names no dependency", f"dependencies: {deps}"))
        elif m[1] not in KEYED and m[2] is not None:
            found.append((loc, f"{shown}: {{{m[1]}}} takes no [NAME]", f"write {{{m[1]}}}"))
    return found


def _start_order(order: Any, services: set[str]) -> list[Found]:
    if not isinstance(order, list):
        return []
    found: list[Found] = []
    seen: set[Any] = set()
    for i, name in enumerate(order):
        if isinstance(name, str) and name not in services:
            found.append((("start_order", i), f"'{shorten(name)}' is not a service", None))
        elif name in seen:
            found.append((("start_order", i), f"'{shorten(name)}' is listed twice", None))
        if isinstance(name, str):
            seen.add(name)
    missing = sorted(services - seen)
    if missing:
        found.append(
            (
                ("start_order",),
                f"start_order leaves out {', '.join(missing)}",
                "list every service once",
            )
        )
    return found


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []
