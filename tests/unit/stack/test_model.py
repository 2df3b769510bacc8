from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from harness.errors import InputError
from harness.platforms.base import StackOptions
from harness.stack.loader import load_stack
from harness.stack.model import StackSpec


def test_the_sample_shop_stack_loads() -> None:
    spec, path = load_stack()
    assert path.name == "stack.yaml"
    assert spec.load_balancer.backend == "shop"
    assert spec.instance_names("shop") == ["shop-1", "shop-2", "shop-3"]
    assert spec.instance_names("shop", 5)[-1] == "shop-5"
    assert spec.instance_names("payment") == ["payment"]
    assert spec.ordered_services()[-1] == "shop"
    assert set(spec.proxies("sqlite")) == {"payment", "shipping"}
    assert set(spec.proxies("postgres")) == {"payment", "shipping", "database"}


def test_profiles_resolve_and_unknown_ones_are_named() -> None:
    spec, _ = load_stack()
    r = StackOptions(profile="no-retries").resolve(spec)
    assert r.backend_env == {"SHOP_RETRIES": "off"} and r.lb_profile == "fast-checks"
    assert (
        StackOptions(lb_profile="defaults", profile="no-retries").resolve(spec).lb_profile
        == "defaults"
    )
    with pytest.raises(InputError) as exc:
        StackOptions(profile="nope").resolve(spec)
    assert "unsafe" in (exc.value.problems[0].hint or "")


def test_a_platform_default_database_applies_only_when_none_is_asked_for() -> None:
    spec, _ = load_stack()
    assert StackOptions().resolve(spec).db == "sqlite"  # the spec's kind
    assert StackOptions().resolve(spec, db_default="postgres").db == "postgres"
    assert StackOptions(db="sqlite").resolve(spec, db_default="postgres").db == "sqlite"


def test_schema_and_reference_problems_come_together_each_at_its_line(tmp_path: Path) -> None:
    p = tmp_path / "stack.yaml"
    p.write_text(
        "name: mine\n"  # 1
        "services:\n"  # 2
        "  web:\n"  # 3
        "    replicas: 999\n"  # 4: a schema problem
        "    local:\n"  # 5
        "      command: ['{python}', '{prot}']\n"  # 6: a reference problem
        "load_balancer: {backend: api}\n"  # 7: a reference problem
        "database:\n"  # 8
        "  init: ['{pyhton}', -m, db]\n"  # 9: today a KeyError at run time
    )
    with pytest.raises(InputError) as exc:
        load_stack(p)
    problems = {q.path: q for q in exc.value.problems}
    assert set(problems) == {
        "services.web.replicas",
        "services.web.local.command[1]",
        "load_balancer.backend",
        "database.init[0]",
    }
    assert [q.line for q in exc.value.problems] == [4, 6, 7, 9]
    assert problems["load_balancer.backend"].message == "'api' is not a service"
    assert problems["load_balancer.backend"].hint == "services: web"
    assert problems["database.init[0]"].message == "unknown placeholder {pyhton}"
    assert "did you mean {python}?" in (problems["database.init[0]"].hint or "")
    assert "at most 64" in problems["services.web.replicas"].message


def test_a_valid_schema_with_a_bad_reference_is_still_located(tmp_path: Path) -> None:
    p = tmp_path / "stack.yaml"
    p.write_text("name: mine\nservices:\n  web: {}\nload_balancer:\n  backend: api\n")
    with pytest.raises(InputError) as exc:
        load_stack(p)
    (problem,) = exc.value.problems
    assert (problem.path, problem.line) == ("load_balancer.backend", 5)


def test_the_model_checks_its_references_when_built_from_code() -> None:
    spec, _ = load_stack()
    data = spec.model_dump()
    data["load_balancer"]["backend"] = "nope"
    with pytest.raises(ValidationError, match=r"load_balancer\.backend: 'nope' is not a service"):
        StackSpec.model_validate(data)


@pytest.mark.parametrize(
    ("yaml_text", "path", "says"),
    [
        ("services: {'../../../tmp/x': {}}", 'services["../../../tmp/x"]', "not a valid name"),
        ("services: {Web: {}}", "services.Web", "not a valid name"),
        ("services: {haproxy: {}}", "services.haproxy", "the harness uses for itself"),
        ("services: {web-2: {}}", "services.web-2", "an instance of service 'web'"),
        ("dependencies: {'pay/ment': {upstream: web}}", 'dependencies["pay/ment"]', "name"),
        ("services: {web: {health: {ready: readyz}}}", "services.web.health.ready", "URL path"),
        ("load_balancer: {backend: web, check_path: '/a b'}", "load_balancer.check_path", "URL"),
        ("services: {web: {port: 70000}}", "services.web.port", "at most 65535"),
        ("services: {web: {local: {command: [x], ready_timeout: .inf}}}", "", "finite"),
        ("services: {web: {local: {command: [x], env: {'A B': x}}}}", "", "environment variable"),
        ('services: {web: {local: {command: ["a\\0b"]}}}', "", "NUL"),
        ("database: {name: 'shop; drop'}", "database.name", "database identifier"),
        ("load_user_classes: 'os.system(1)'", "load_user_classes", "user classes"),
        (
            "reconciliation: {orders: {http: {service: web, path: '@evil/x'}}, charges: {sql: x}}",
            "reconciliation.orders.http.path",
            "URL path",
        ),
        (
            "reconciliation: {orders: {http: {service: nope, path: /x}}, charges: {sql: x}}",
            "reconciliation.orders.http.service",
            "not a service",
        ),
        ("start_order: [web, nope]", "start_order[1]", "not a service"),
        ("services: {web: {local: {command: ['{port!r}']}}}", "", "takes no format"),
        ("services: {web: {local: {command: ['{dep_url[nope]}']}}}", "", "names no dependency"),
        ("services: {web: {local: {command: ['{python.__class__}']}}}", "", "unknown placeholder"),
    ],
)
def test_names_paths_and_numbers_that_reach_files_urls_and_configs_are_checked(
    tmp_path: Path, yaml_text: str, path: str, says: str
) -> None:
    base = {"name": "mine", "services": {"web": {}}, "load_balancer": {"backend": "web"}}
    override = yaml.safe_load(yaml_text)
    doc = {**base, **override}
    if "services" in override and "web" not in override["services"]:
        doc["services"] = {"web": {}, **override["services"]}
    p = tmp_path / "stack.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as exc:
        load_stack(p)
    hits = [q for q in exc.value.problems if says in q.message and q.path.startswith(path)]
    assert hits, str(exc.value)
    assert all(q.line is not None for q in exc.value.problems)


def _spec(tmp_path: Path, extra: str) -> tuple[object, Path]:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "name: t\nservices:\n  web:\n    health: {http: {path: /h/, host: shop.example}}\n"
        "    local: {command: ['{python}', x], cwd: app}\n"
        "load_balancer: {backend: web, settings: {timeouts: {server: 30s}}}\n" + extra
    )
    return load_stack(path)


def test_a_grown_up_stack_file_loads_with_its_directory(tmp_path: Path) -> None:
    spec, _ = _spec(
        tmp_path,
        "database: {init: ['{python}', '-c', '1']}\n"
        "setup: [{name: migrate, command: ['{python}', m.py, '{db_url}'], timeout: 600}]\n"
        "versions: {app: ['{python}', '-c', 'print(1)']}\n",
    )
    assert spec.base_dir == tmp_path.resolve()  # type: ignore[attr-defined]
    assert [s.name for s in spec.setup_steps()] == ["database-init", "migrate"]  # type: ignore[attr-defined]
    health = spec.services["web"].health  # type: ignore[attr-defined]
    assert health.kind == "http" and health.http_check().host == "shop.example"
    assert spec.check_path() == "/h/"  # type: ignore[attr-defined]


def test_unknown_placeholders_in_setup_and_two_ready_checks_are_located(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        _spec(tmp_path, "setup: [{name: m, command: ['{pyhton}']}]\n")
    (problem,) = exc.value.problems
    assert (problem.path, problem.message) == (
        "setup[0].command[0]",
        "unknown placeholder {pyhton}",
    )
    path = tmp_path / "two.yaml"
    path.write_text(
        "name: t\nservices:\n  web: {health: {tcp: true, exec: [x]}}\n"
        "load_balancer: {backend: web}\n"
    )
    with pytest.raises(InputError, match="give one ready check, not tcp and exec"):
        load_stack(path)
