import sys
from pathlib import Path

import pytest

from harness.errors import StackError
from harness.stack.setup_steps import SetupStep, run_step


def run(tmp_path: Path, step: SetupStep) -> Path:
    log = tmp_path / "logs" / f"{step.name}.log"
    run_step(
        step,
        context={"python": sys.executable, "db_url": "sqlite:///x"},
        base_dir=tmp_path,
        env={"TAG": "t"},
        log=log,
    )
    return log


def test_a_step_runs_in_its_cwd_with_its_env_and_placeholders(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    step = SetupStep(
        name="migrate",
        command=[
            "{python}",
            "-c",
            "import os; print(os.getcwd(), os.environ['DB'], os.environ['TAG'])",
        ],
        env={"DB": "{db_url}"},
        cwd="app",
    )
    log = run(tmp_path, step)
    assert f"{tmp_path / 'app'} sqlite:///x t" in log.read_text()


def test_a_failing_step_names_itself_its_exit_code_and_its_log(tmp_path: Path) -> None:
    step = SetupStep(name="seed", command=["{python}", "-c", "print('no table orders'); exit(3)"])
    with pytest.raises(StackError) as exc:
        run(tmp_path, step)
    assert "setup step 'seed' failed (exit 3)" in exc.value.message
    assert "no table orders" in exc.value.message


def test_a_step_over_its_time_is_stopped_with_all_it_started(tmp_path: Path) -> None:
    step = SetupStep(
        name="slow", command=["{python}", "-c", "import time; time.sleep(30)"], timeout=0.5
    )
    with pytest.raises(StackError, match=r"did not finish within 0\.5s") as exc:
        run(tmp_path, step)
    assert "setup[slow].timeout" in (exc.value.hint or "")


def test_a_missing_cwd_is_named(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="does not exist"):
        run(tmp_path, SetupStep(name="x", command=["true"], cwd="nowhere"))
