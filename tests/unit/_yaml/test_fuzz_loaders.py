"""Property: whatever text or bytes a scenario or stack file holds, the loaders return a model or
raise InputError with located, short problems - never another exception - within a bounded time
and memory per call.

Inputs: random YAML-ish text and bytes, the library's scenarios and the sample stack mutated as
text (hostile snippets spliced in, lines cut, duplicated or re-indented), and mutated as data
(a random place replaced by a random or hostile value). The default run is short and
reproducible for CI; SHOPCHAOS_FUZZ_EXAMPLES=N runs N examples per test with a random seed.
"""

from __future__ import annotations

import os
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import InputError
from harness.scenario.loader import load_file
from harness.stack.loader import default_stack_path, load_stack
from harness.stack.references import PLACEHOLDERS

ROOT = Path(__file__).resolve().parents[3]
LONG = "SHOPCHAOS_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SHOPCHAOS_FUZZ_EXAMPLES", "100"))
MAX_SECONDS = 2.0  # per call; a normal call takes milliseconds
MAX_PEAK_BYTES = 64 * 1024 * 1024  # per call, as tracemalloc counts it
MAX_PROBLEM_CHARS = 2_000

SCENARIOS = [p.read_text() for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
STACK = default_stack_path().read_text()
STACK_SPEC, _ = load_stack()

HOSTILE_VALUES = [
    ".inf",
    "-.inf",
    ".nan",
    "1e308",
    "99999999999999999999",
    "9999999999999h",
    "-1",
    "0",
    "'../../../tmp/x'",
    '"/readyz\\n  stats admin if TRUE"',
    '"a\\0b"',
    "'{pyhton}'",
    "'{'",
    "'{dep_url}'",
    "'{port:>99999999}'",
    "!!python/object/apply:os.system [id]",
    "!custom x",
    "&a [*a]",
    "*nowhere",
    "[" * 50,
    "{" * 50,
    "? [a]\n: b",
    "<<: 1",
    "yes",
    "~",
    "2024-01-01",
    "0x7fffffffffffffff",
    "1:30:00",
    "'" + "x" * 5000 + "'",
    "\t",
    "|\n  block\n",
    ">-\n  folded\n",
]
HOSTILE_SNIPPETS = [
    *HOSTILE_VALUES,
    "\n  - kill: {target: {group: shop}}\n",
    "\ntype: down\n",
    "\n---\n",
    "\n...\n",
    "\n%YAML 1.1\n",
    "\nname: dup\n",
    "&x",
    "*x",
    "\n<<: *x\n",
    "\ufeff",
    "\x85",
    "\u2028",
    "\x07",
    "\x00",
    "\n" + "  " * 40 + "deep: 1\n",
    "#",
    "'",
    '"',
    "\\",
    ": ",
    "- ",
    "? ",
    "!",
    "|",
    ">",
    "@",
    "`",
]
TOKEN = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'|(?<=[\[{,:] )[^\s,\[\]{}:#]+")  # a scalar
YAMLISH = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("{}[]:,-?&*!|>'\"%@`#\n\t ")),
        st.sampled_from(list("abkeytype0123456789.e+_")),
        st.characters(codec="utf-8"),
    ),
    max_size=400,
)

Loader = Callable[[Path], object]
LOADERS: dict[str, Loader] = {
    "scenario": lambda p: load_file(p, STACK_SPEC),
    "stack": load_stack,
}


def fuzz_settings(examples: int = EXAMPLES) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,  # the call's own bound is checked below, with tracemalloc's overhead
        database=None,
        derandomize=not LONG,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def load_bounded(loader: str, path: Path) -> Any:
    """Run one loader on `path`: a model or a located InputError (None), in bounded time and
    memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        return LOADERS[loader](path)
    except InputError as e:
        for problem in e.problems:
            assert problem.line is not None or problem.message.startswith(UNLOCATED), problem
            assert len(problem.render(str(path))) < MAX_PROBLEM_CHARS, problem
        return None
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert elapsed < MAX_SECONDS, f"{loader} took {elapsed:.2f} s"
        assert peak < MAX_PEAK_BYTES, f"{loader} peaked at {peak / 1e6:.0f} MB"


UNLOCATED = ("the file is larger than", "… and ")  # whole-file problems have no line


def write(workdir: Path, content: str | bytes) -> Path:
    path = workdir / "input.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


@fuzz_settings()
@given(text=YAMLISH)
def test_random_yamlish_text(workdir: Path, text: str) -> None:
    for loader in LOADERS:
        load_bounded(loader, write(workdir, text))


@fuzz_settings(max(EXAMPLES // 2, 1))
@given(raw=st.binary(max_size=300), encoding=st.sampled_from(["raw", "utf-16", "latin-1"]))
def test_random_bytes_and_encodings(workdir: Path, raw: bytes, encoding: str) -> None:
    content = raw if encoding == "raw" else raw.decode("latin-1").encode(encoding)
    load_bounded("scenario", write(workdir, content))


@st.composite
def mutated_text(draw: st.DrawFn) -> tuple[str, str]:
    loader = draw(st.sampled_from(list(LOADERS)))
    text = draw(st.sampled_from(SCENARIOS)) if loader == "scenario" else STACK
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        line = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "indent", "value", "token"]))
        if op == "insert":
            snippet = draw(st.one_of(st.sampled_from(HOSTILE_SNIPPETS), YAMLISH))
            text = text[:at] + snippet + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 80)) :]
        elif op == "duplicate":
            text = "\n".join([*lines[: line + 1], lines[line], *lines[line + 1 :]])
        elif op == "indent":
            lines[line] = " " * draw(st.integers(0, 6)) + lines[line].lstrip(" ")
            text = "\n".join(lines)
        elif op == "token" and (tokens := list(TOKEN.finditer(text))):
            m = draw(st.sampled_from(tokens))
            text = text[: m.start()] + draw(st.sampled_from(HOSTILE_VALUES)) + text[m.end() :]
        elif op == "value" and ": " in lines[line]:
            key = lines[line].split(": ", 1)[0]
            lines[line] = f"{key}: {draw(st.sampled_from(HOSTILE_VALUES))}"
            text = "\n".join(lines)
    return loader, text


@fuzz_settings()
@given(case=mutated_text())
def test_valid_files_mutated_as_text(workdir: Path, case: tuple[str, str]) -> None:
    loader, text = case
    load_bounded(loader, write(workdir, text))


HOSTILE_DATA = [
    10**400,
    2**63,
    -(2**63) - 1,
    1e308,
    -1,
    0,
    float("inf"),
    float("nan"),
    True,
    None,
    "",
    "{",
    "}",
    "{port!r}",
    "{dep_url}",
    "{dep_url[nope]}",
    "{pyhton}",
    "{0}",
    "{python.__class__}",
    "/a\nb",
    "readyz",
    "@evil/x",
    "a\x00b",
    "../../x",
    "9999999999999h",
    "-1s",
    "1e999",
    "inf",
    "nan",
    "kill",
    "down",
    "shop",
    "shop-1",
    "haproxy",
    "payment",
    "database",
    "x" * 5000,
]
SCALARS = st.one_of(
    st.sampled_from(HOSTILE_DATA),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # inf and nan included
    st.text(max_size=30),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def places(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += places(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += places(v, (*here, i))
    return out


def _at(data: Any, where: tuple[Any, ...]) -> Any:
    for step in where:
        data = data[step]
    return data


@st.composite
def mutated_data(draw: st.DrawFn) -> tuple[str, str]:
    loader = draw(st.sampled_from(list(LOADERS)))
    data = yaml.safe_load(draw(st.sampled_from(SCENARIOS)) if loader == "scenario" else STACK)
    for _ in range(draw(st.integers(1, 3))):
        everywhere = places(data)
        leaves = [p for p in everywhere if not isinstance(_at(data, p), dict | list)]
        where = draw(st.sampled_from(leaves if leaves and draw(st.booleans()) else everywhere))
        value = draw(st.one_of(st.sampled_from(HOSTILE_DATA), VALUES))
        if not where:
            data = value
            continue
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = value  # a new key beside it
        else:
            parent[where[-1]] = value
    return loader, yaml.safe_dump(data, allow_unicode=True)


@fuzz_settings()
@given(case=mutated_data())
def test_valid_files_mutated_as_data(workdir: Path, case: tuple[str, str]) -> None:
    loader, text = case
    load_bounded(loader, write(workdir, text))


def test_the_unmutated_inputs_load(workdir: Path) -> None:
    for text in SCENARIOS:
        load_file(write(workdir, text), STACK_SPEC)
    load_stack(write(workdir, STACK))


TEMPLATE_SLOTS = [
    ("services", "shop", "local", "command", 0),
    ("services", "payment", "local", "env", "PAYMENT_DB"),
    ("database", "init", 1),
]


@fuzz_settings()
@given(
    template=st.text(alphabet="{}[]!:.>0_ pythonrdeu", max_size=24),
    slot=st.sampled_from(TEMPLATE_SLOTS),
)
def test_stack_templates(workdir: Path, template: str, slot: tuple[Any, ...]) -> None:
    """Launch templates go through str.format at run time: any text is loaded or refused."""
    data = yaml.safe_load(STACK)
    _at(data, slot[:-1])[slot[-1]] = template
    loaded = load_bounded("stack", write(workdir, yaml.safe_dump(data)))
    if loaded is None:
        return
    spec, _ = loaded
    # what the local platform does with them when it starts a process (platforms/local.py)
    deps = {name: "127.0.0.1:1" for name in spec.dependencies}
    context = {p: "x" for p in PLACEHOLDERS} | {"dep_url": deps, "dep_addr": deps}
    for svc in spec.services.values():
        if svc.local is not None:
            for part in [*svc.local.command, *svc.local.env.values()]:
                part.format_map(context)
    for part in spec.database.init or []:
        part.format_map(context)
