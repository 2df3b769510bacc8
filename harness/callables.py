"""Python functions a scenario names (`module:function`): python probes and python faults.

A function receives its `arguments` as keyword arguments and, when its signature asks for them
by name, `endpoints` (the stack's addresses, a dict), `options` (the fault's or probe's
options), `configuration` and `secrets` (the scenario's blocks, as the Chaos Toolkit passes
them: an extension's function can be called as it is). It runs in a worker thread with a
deadline; a function still running past it is reported and left to finish on its own (Python
cannot stop a thread), so functions should keep their own timeouts short.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.errors import HarnessError
from harness.platforms.base import Endpoints

INJECTED = ("endpoints", "options", "configuration", "secrets")


class CallableError(HarnessError):
    """A scenario's python function could not be found, called, or did not finish in time."""


def resolve(ref: str) -> Callable[..., Any]:
    """Import `module:function`, from PYTHONPATH, the installed packages or the working
    directory (as `python -m` would)."""
    module_name, _, attr = ref.partition(":")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.append(os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise CallableError(
            f"cannot import {module_name!r} for {ref}: {e}",
            hint="install the package that provides it, or put it on PYTHONPATH",
        ) from e
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise CallableError(f"{module_name} has no function {attr!r}")
    return fn  # type: ignore[no-any-return]


def endpoints_dict(e: Endpoints) -> dict[str, Any]:
    """The stack's addresses as plain data (what a function receives as `endpoints`)."""
    return {
        "entry_url": e.entry_url,
        "toxiproxy_url": e.toxiproxy_url,
        "lb_runtime": e.lb_runtime,
        "lb_backend": e.lb_backend,
        "database_url": e.database_url,
        "service_urls": dict(e.service_urls),
        "proxies": dict(e.proxies),
        "instances": {i.name: i.address for i in e.instances},
    }


def stack_configuration(endpoints: Endpoints, scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The `configuration` a function receives: defaults naming this stack (what the Chaos
    Toolkit's Toxiproxy driver reads: toxiproxy_host, toxiproxy_port; and entry_url), then the
    scenario's own `configuration:` block over them."""
    toxi = urlsplit(endpoints.toxiproxy_url)
    defaults: dict[str, Any] = {
        "toxiproxy_host": toxi.hostname or "127.0.0.1",
        "toxiproxy_port": toxi.port or 8474,
        "entry_url": endpoints.entry_url,
    }
    return {**defaults, **scenario}


@dataclass(frozen=True)
class Injected:
    endpoints: Mapping[str, Any]
    options: Mapping[str, Any]
    configuration: Mapping[str, Any]
    secrets: Mapping[str, Any]


def keyword_arguments(
    fn: Callable[..., Any], arguments: Mapping[str, Any], injected: Injected
) -> dict[str, Any]:
    """`arguments`, plus whichever of endpoints/options/configuration/secrets the function
    names in its signature. Unknown or missing arguments are errors before the call."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return dict(arguments)
    params = sig.parameters
    kwargs = dict(arguments)
    for name in INJECTED:
        if name in params and name not in kwargs:
            kwargs[name] = dict(getattr(injected, name))
    try:
        sig.bind(**kwargs)
    except TypeError as e:
        raise CallableError(
            f"{_name(fn)}{sig}: {e}", hint=f"give its arguments under `arguments:` ({e})"
        ) from e
    return kwargs


def call(fn: Callable[..., Any], kwargs: Mapping[str, Any], *, timeout: float, what: str) -> Any:
    """Call in a worker thread; raise CallableError if it raises or outlives `timeout`."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(**kwargs)
        except BaseException as e:  # reported to the caller, with its type
            box["error"] = e

    worker = threading.Thread(target=run, name=f"call-{what}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise CallableError(f"{what}: {_name(fn)} did not return within {timeout:g}s")
    if "error" in box:
        e = box["error"]
        raise CallableError(f"{what}: {_name(fn)} raised {type(e).__name__}: {e}") from e
    return box.get("value")


def _name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"
