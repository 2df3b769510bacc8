"""`shopchaos load-worker`'s arguments: every problem located."""

from __future__ import annotations

import pytest

from harness.errors import InputError
from harness.load.remote import check_bind, parse_master


def test_a_master_address_is_host_and_port() -> None:
    assert parse_master("192.168.1.10:5557") == ("192.168.1.10", 5557)
    assert parse_master("[::1]:5557") == ("::1", 5557)
    assert parse_master("*:5557", "--load-master") == ("*", 5557)


@pytest.mark.parametrize("bad", ["5557", "host:", ":5557", "host:port", "host:70000"])
def test_a_bad_master_address_names_the_option(bad: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_master(bad, "--load-master")
    assert exc.value.problems[0].path == "--load-master"


def test_bind_takes_an_ip_address() -> None:
    check_bind(None)
    check_bind("127.0.0.2")
    with pytest.raises(InputError, match="--bind"):
        check_bind("eth0")
