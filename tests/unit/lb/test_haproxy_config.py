import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.errors import InputError, StackError
from harness.lb.haproxy_config import PROFILES, Check, Server, render, tuned
from harness.lb.haproxy_runtime import HAProxyRuntime, parse_show_stat
from harness.names import is_url_path
from harness.stack.lb_settings import LbChecks, LbSettings, LbTimeouts
from harness.stack.loader import load_stack


def cfg(
    profile: str = "recommended", check: Check | None = None, settings: LbSettings | None = None
) -> str:
    return render(
        stack="t",
        profile=profile,  # type: ignore[arg-type]
        host="127.0.0.1",
        entry_port=8080,
        backend="shop",
        check=check or Check(path="/readyz"),
        servers=[Server("shop-1", "127.0.0.1:9001"), Server("shop-2", "127.0.0.1:9002")],
        runtime_socket="/tmp/x.sock",
        settings=settings,
    )


def test_recommended_profile_has_fast_checks_retries_and_redispatch() -> None:
    text = cfg()
    assert "default-server check inter 500ms fastinter 200ms downinter 1s fall 2 rise 2" in text
    assert "observe layer4 error-limit 2 on-error mark-down" in text
    assert "retries 3" in text and "option redispatch 1" in text
    assert "retry-on conn-failure empty-response junk-response response-timeout" in text
    assert "server shop-2 127.0.0.1:9002" in text
    assert "option httpchk\n    http-check send meth GET uri /readyz\n" in text
    assert "http-check expect status 200" in text
    assert "http-request set-timeout server 2s if METH_GET" in text


def test_defaults_profile_has_neither_redispatch_nor_l7_retries() -> None:
    text = cfg("defaults")
    assert "inter 2s fall 3 rise 2" in text
    assert "redispatch" not in text and "retry-on" not in text
    assert set(PROFILES) == {"defaults", "fast-checks", "recommended"}


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is installed by make setup")
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_haproxy_accepts_every_profile(tmp_path: Path, profile: str) -> None:
    path = tmp_path / "h.cfg"
    path.write_text(cfg(profile))
    done = subprocess.run(
        ["haproxy", "-c", "-q", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_show_stat_parsing() -> None:
    text = (
        "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
        "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
        "lbtot,tracked,type,rate,rate_lim,rate_max,check_status\n"
        "entry,FRONTEND,,,0,1,4096,1,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,1,\n"
        "shop,shop-1,0,0,2,3,,10,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,12,0,,1,3,1,,10,,2,0,,1,L7OK\n"
        "shop,shop-2,0,0,0,3,,10,0,0,,0,,0,0,0,0,DOWN 1/2,1,1,0,0,0,3,0,,1,3,2,,10,,2,0,,1,L4CON\n"
        "shop,BACKEND,0,0,0,3,410,20,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,12,0,,1,3,0,,20,,1,0,,1,\n"
    )
    servers = parse_show_stat(text, "shop")
    assert [(s.server, s.status, s.detail, s.check_status) for s in servers] == [
        ("shop-1", "UP", "UP", "L7OK"),
        ("shop-2", "DOWN", "DOWN 1/2", "L4CON"),
    ]
    assert servers[0].active_sessions == 2 and servers[0].last_change_s == 12
    assert servers[1].check_code == "" and servers[1].last_check == ""  # columns this lacks
    assert parse_show_stat("No such proxy.\n", "shop") == []  # HAProxy's answer to a typo


def test_servers_fall_back_to_the_whole_table_when_haproxy_does_not_filter_by_name() -> None:
    """An older HAProxy may not take a proxy name in `show stat B 4 -1`: the LB probe must not
    read its answer as "no servers"."""
    table = (
        "# pxname,svname,status,check_status\n"
        "shop,shop-1,UP,L7OK\nother,o-1,UP,L7OK\nshop,BACKEND,UP,\n\n"
    )

    class Runtime(HAProxyRuntime):
        def __init__(self, filtered: str) -> None:
            super().__init__("unix:/nowhere")
            self.filtered = filtered
            self.asked: list[str] = []

        def command(self, line: str) -> str:
            self.asked.append(line)
            return self.filtered if line != "show stat" else table

    old = Runtime("Unknown command. Please enter one of the following commands only :\n")
    assert [s.server for s in old.servers("shop")] == ["shop-1"]
    assert old.asked == ["show stat shop 4 -1", "show stat"]
    new = Runtime("# pxname,svname,status,check_status\nshop,shop-1,UP,L7OK\n\n")
    assert [s.server for s in new.servers("shop")] == ["shop-1"]
    assert new.asked == ["show stat shop 4 -1"]  # one call when HAProxy filters


def test_runtime_address_forms() -> None:
    HAProxyRuntime("unix:/tmp/x.sock")
    HAProxyRuntime("tcp:127.0.0.1:9999")
    with pytest.raises(ValueError):
        HAProxyRuntime("/tmp/x.sock")


def test_resolvers_and_a_tcp_runtime_socket_for_containers() -> None:
    from harness.lb.haproxy_config import Resolvers

    text = render(
        stack="t",
        profile="recommended",
        host="0.0.0.0",
        entry_port=8080,
        backend="shop",
        check=Check(path="/readyz"),
        servers=[Server("shop-1", "shop-1:8000")],
        runtime_socket="ipv4@0.0.0.0:9999",
        resolvers=Resolvers(),
    )
    assert "stats socket ipv4@0.0.0.0:9999 level admin" in text  # no unix-only `mode 600`
    assert "resolvers docker\n    nameserver dns 127.0.0.11:53" in text
    assert "hold obsolete 1s" in text  # a container back with a new address is followed
    assert "resolvers docker resolve-prefer ipv4 init-addr last,libc,none" in text


def test_the_local_config_has_no_resolvers_and_a_private_socket() -> None:
    text = cfg()
    assert "resolvers" not in text and "init-addr" not in text
    assert "stats socket /tmp/x.sock mode 600 level admin" in text


INJECTION = "/readyz\n    stats enable\n    stats uri /\n    stats admin if TRUE"


def test_a_check_path_cannot_inject_haproxy_directives_through_the_stack_file(
    tmp_path: Path,
) -> None:
    stack = tmp_path / "stack.yaml"
    stack.write_text(
        "name: mine\nservices:\n  web: {}\n"
        f"load_balancer:\n  backend: web\n  check_path: {json.dumps(INJECTION)}\n"
    )
    with pytest.raises(InputError) as exc:
        load_stack(stack)
    (problem,) = exc.value.problems
    assert (problem.path, problem.line) == ("load_balancer.check_path", 6)
    assert "not a valid URL path" in problem.message


def test_render_itself_refuses_values_that_are_not_one_token() -> None:
    with pytest.raises(StackError, match="check path"):
        cfg_with(check_path=INJECTION)
    with pytest.raises(StackError, match="backend"):
        cfg_with(backend="shop\n    stats admin if TRUE")
    with pytest.raises(StackError, match="server"):
        cfg_with(servers=[Server("shop-1 backup", "127.0.0.1:9001")])


PATH_ALPHABET = "abcXYZ019-._~!&()*+,;=:@/%?" + " \n\r\t#'\"\\${}é\x00"


@given(st.text(alphabet=PATH_ALPHABET, max_size=30))
@settings(max_examples=200, deadline=None)
def test_any_check_path_the_schema_accepts_stays_one_token_on_its_line(text: str) -> None:
    path = "/" + text
    if not is_url_path(path):
        with pytest.raises(StackError):
            cfg_with(check_path=path)
        return
    baseline = cfg_with(check_path="/readyz").splitlines()
    rendered = cfg_with(check_path=path).splitlines()
    assert len(rendered) == len(baseline)
    changed = [(a, b) for a, b in zip(baseline, rendered, strict=True) if a != b]
    assert changed == [
        ("    http-check send meth GET uri /readyz", f"    http-check send meth GET uri {path}")
    ]
    assert changed[0][1].split() == ["http-check", "send", "meth", "GET", "uri", path]


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is installed by make setup")
def test_haproxy_accepts_an_odd_but_valid_check_path(tmp_path: Path) -> None:
    path = tmp_path / "h.cfg"
    path.write_text(cfg_with(check_path="/ready;z?a=1&b=%2F(x)*+,!:@~"))


def test_a_host_header_and_status_are_sent_by_the_health_check() -> None:
    text = cfg(check=Check(path="/health/", status=204, host="shop.example"))
    assert "http-check send meth GET uri /health/ ver HTTP/1.1 hdr Host shop.example" in text
    assert "http-check expect status 204" in text


def test_a_tcp_check_has_no_http_check() -> None:
    text = cfg(check=Check(kind="tcp"))
    assert "httpchk" not in text and "http-check" not in text
    assert "default-server check inter" in text


def test_settings_override_the_preset_and_leave_the_rest() -> None:
    settings = LbSettings(
        timeouts=LbTimeouts(server="30s", read="0"),
        checks=LbChecks(inter="1s", fall=4),
        retries=1,
        retry_on=[],
    )
    prof, timeouts = tuned("recommended", settings)
    assert (prof.inter, prof.fall, prof.rise, prof.fastinter) == ("1s", 4, 2, "200ms")
    assert prof.retries == 1 and prof.redispatch and prof.retry_on == ()
    assert prof.read_timeout is None and timeouts.server == "30s" and timeouts.connect == "1s"
    text = cfg(settings=settings)
    assert "timeout server 30s" in text and "retries 1" in text
    assert "retry-on" not in text and "set-timeout server" not in text
    assert "inter 1s fastinter 200ms downinter 1s fall 4 rise 2 observe layer4" in text
    assert "with the stack file's settings" in text
    assert tuned("defaults", None)[0] == PROFILES["defaults"]


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is installed by make setup")
def test_haproxy_accepts_a_host_header_check_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "h.cfg"
    settings = LbSettings(timeouts=LbTimeouts(read="5s"), checks=LbChecks(passive=False))
    path.write_text(cfg(check=Check(path="/h", host="shop.example"), settings=settings))
    done = subprocess.run(
        ["haproxy", "-c", "-q", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def cfg_with(
    *, check_path: str = "/readyz", backend: str = "shop", servers: list[Server] | None = None
) -> str:
    return render(
        stack="t",
        profile="recommended",
        host="127.0.0.1",
        entry_port=8080,
        backend=backend,
        check=Check(path=check_path),
        servers=servers or [Server("shop-1", "127.0.0.1:9001")],
        runtime_socket="/tmp/x.sock",
    )


def test_a_host_header_cannot_inject_directives() -> None:
    with pytest.raises(StackError, match="Host header"):
        render(
            stack="t",
            profile="recommended",
            host="127.0.0.1",
            entry_port=8080,
            backend="shop",
            check=Check(path="/readyz", host="shop\n    stats admin if TRUE"),
            servers=[Server("shop-1", "127.0.0.1:9001")],
            runtime_socket="/tmp/x.sock",
        )
