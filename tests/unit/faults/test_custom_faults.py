"""exec, http and python faults on our own logic: commands really run (argv, env, cwd,
timeouts, the process group killed), the journal of faults in force, Chaos Toolkit-style
functions called with configuration and secrets."""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.errors import FaultError
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.faults import journal, registry
from harness.faults.base import FaultContext
from harness.platforms.base import Endpoints

ENDPOINTS = Endpoints(
    "http://127.0.0.1:18080",
    "http://127.0.0.1:18474",
    "unix:/nowhere",
    "shop",
    (),
    {"payment": "payment"},
    "sqlite:///x",
    {"payment": "http://127.0.0.1:18001"},
)


@dataclass
class StateOnly:
    """Only what these faults read from a platform: where its state lives."""

    state_dir: Path
    name: str = "fake"


def ctx(tmp: Path, **kw: Any) -> FaultContext:
    return FaultContext(
        platform=StateOnly(tmp),  # type: ignore[arg-type]
        endpoints=ENDPOINTS,
        toxiproxy=ToxiproxyClient(ENDPOINTS.toxiproxy_url),
        rng=random.Random(1),
        **kw,
    )


def built(spec: dict[str, Any], c: FaultContext) -> registry.BuiltFault:
    ftype = registry.fault_types()[spec["type"]]
    return registry.build(ftype.spec.model_validate(spec), c)


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_exec_runs_argv_with_the_stacks_env_and_journals_until_reverted(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    write = (
        "import os,sys; e=os.environ; open(sys.argv[1],'a').write(' '.join(["
        "e['SHOPCHAOS_ENTRY_URL'], e['X'], e['SHOPCHAOS_SERVICE_URL_PAYMENT']]) + chr(10))"
    )
    b = built(
        {"id": "e", "type": "exec", "apply": [*py(write), str(out)],
         "revert": [*py(write), str(out)], "env": {"X": "y"}, "cwd": str(tmp_path)},
        ctx(tmp_path),
    )  # fmt: skip
    assert b.meta.family == "custom" and not b.meta.self_healing
    b.fault.apply()
    assert [e.fault for e in journal.read(tmp_path)] == ["e"]
    b.fault.revert()
    assert journal.read(tmp_path) == []
    assert out.read_text().splitlines() == ["http://127.0.0.1:18080 y http://127.0.0.1:18001"] * 2


def test_exec_failures_and_timeouts_are_fault_errors(tmp_path: Path) -> None:
    failing = built({"type": "exec", "apply": py("import sys; sys.exit('boom')")}, ctx(tmp_path))
    with pytest.raises(FaultError, match="exited 1: boom"):
        failing.fault.apply()
    child = tmp_path / "child.pid"
    hang = py(
        "import subprocess,sys,time; "
        "p=subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)']);"
        f"open({str(child)!r},'w').write(str(p.pid)); time.sleep(60)"
    )
    slow = built({"type": "exec", "apply": hang, "timeout": "1s"}, ctx(tmp_path))
    started = time.monotonic()
    with pytest.raises(FaultError, match="did not finish within 1s"):
        slow.fault.apply()
    assert time.monotonic() - started < 10
    import psutil

    pid = int(child.read_text())

    def gone() -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + 5  # SIGKILL is delivered at once, reaped a moment later
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(), "the command's child outlived its timeout"


def test_a_missing_program_is_found_before_anything_runs(tmp_path: Path) -> None:
    spec = registry.fault_types()["exec"].spec.model_validate(
        {"type": "exec", "apply": ["no-such-program-here"]}
    )
    with pytest.raises(FaultError, match="no program 'no-such-program-here'"):
        registry.plan(spec, ctx(tmp_path))


def test_http_faults_reach_only_the_stack(tmp_path: Path) -> None:
    spec = registry.fault_types()["http"].spec.model_validate(
        {"type": "http", "apply": {"method": "POST", "url": "http://127.0.0.1:9/x"}}
    )
    with pytest.raises(FaultError, match="not an address of this stack"):
        registry.plan(spec, ctx(tmp_path))
    ok = spec.model_copy(
        update={
            "apply": spec.apply.model_copy(
                update={"url": None, "service": "toxiproxy", "path": "/reset"}
            )
        }  # type: ignore[attr-defined]
    )
    assert registry.plan(ok, ctx(tmp_path))[1].target == "POST http://127.0.0.1:18474/reset"


CALLS: list[tuple[str, dict[str, Any]]] = []


def ctk_action(
    proxy_name: str, configuration: dict | None = None, secrets: dict | None = None
) -> bool:
    CALLS.append((proxy_name, {"configuration": configuration, "secrets": secrets}))
    return True


def with_endpoints(endpoints: dict, options: dict) -> None:
    CALLS.append(("endpoints", {"entry": endpoints["entry_url"], "options": options}))


def test_python_faults_call_chaos_toolkit_style_functions_as_they_are(tmp_path: Path) -> None:
    CALLS.clear()
    me = __name__
    b = built(
        {"id": "p", "type": "python",
         "apply": {"function": f"{me}:ctk_action", "arguments": {"proxy_name": "payment"}},
         "revert": {"function": f"{me}:with_endpoints"}, "options": {"k": 1}},
        ctx(tmp_path, configuration={"team": "shop"}, secrets={"token": "s"}),
    )  # fmt: skip
    b.fault.apply()
    b.fault.revert()
    (name, seen), (_, reverted) = CALLS
    assert name == "payment"
    assert seen["configuration"] == {
        "toxiproxy_host": "127.0.0.1",
        "toxiproxy_port": 18474,
        "entry_url": "http://127.0.0.1:18080",
        "team": "shop",
    }
    assert seen["secrets"] == {"token": "s"}
    assert reverted == {"entry": "http://127.0.0.1:18080", "options": {"k": 1}}
    assert journal.read(tmp_path) == []


def test_python_arguments_that_do_not_bind_are_refused_before_the_call(tmp_path: Path) -> None:
    spec = registry.fault_types()["python"].spec.model_validate(
        {
            "type": "python",
            "apply": {"function": f"{__name__}:ctk_action", "arguments": {"nope": 1}},
        }
    )
    with pytest.raises(FaultError, match="arguments"):
        registry.plan(spec, ctx(tmp_path))
