"""Fault types come from the `shopchaos.faults` entry-point group: the built-ins (this
package's pyproject.toml) and any plugin whose dist-info is on the path; a broken plugin is
reported, not fatal. Run in a fresh interpreter: the registry loads its plugins once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json
from harness.faults.registry import fault_types, plugin_problems
from harness.scenario.schema import Scenario
types = fault_types()
out = {n: [t.family, t.plugin, t.distribution] for n, t in types.items()}
try:
    Scenario.model_validate({"name": "x", "faults": [{"type": "nope"}]})
except Exception as e:
    out["_error"] = str(e)
out["_problems"] = [[p.plugin, p.error] for p in plugin_problems()]
print(json.dumps(out))
"""


def plugin_dir(root: Path) -> Path:
    """A plugin as an installed distribution: its module and a dist-info with entry points."""
    (root / "myfaults.py").write_text(
        "from typing import Literal\n"
        "from harness.faults.base import FaultSpec\n"
        "from harness.faults.registry import Targets, register\n"
        "class S(FaultSpec):\n    type: Literal['noop']\n"
        "class F:\n    def apply(self): ...\n    def revert(self): ...\n"
        "@register('noop', 'mine', S, 'does nothing', self_healing=False,"
        " targets=lambda s, c: Targets('nothing'))\n"
        "def build(spec, ctx, meta):\n    return F()\n"
    )
    (root / "broken.py").write_text("raise RuntimeError('plugin bug')\n")
    info = root / "my_faults-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-faults\nVersion: 1.2\n")
    (info / "entry_points.txt").write_text("[shopchaos.faults]\nnoop = myfaults\nbroken = broken\n")
    return root


def registry_in(path: Path | None) -> dict:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stdout)


def test_builtins_come_from_this_packages_entry_points() -> None:
    found = registry_in(None)
    assert found["kill"] == ["instance", "instance", "shopchaos"]
    assert found["exec"][:2] == ["custom", "exec"]
    assert found["_problems"] == []


def test_a_plugin_adds_its_types_and_a_broken_one_is_reported(tmp_path: Path) -> None:
    found = registry_in(plugin_dir(tmp_path))
    assert found["noop"] == ["mine", "noop", "my-faults"]
    assert found["_problems"] == [["broken", "RuntimeError: plugin bug"]]
    # the scenario schema's fault union includes it, and names the valid types when wrong
    assert "'noop'" in found["_error"] and "'kill'" in found["_error"]
