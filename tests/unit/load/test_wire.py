import pytest

from harness.errors import LoadError
from harness.load import ledger, wire
from harness.load.process import require_loopback
from harness.measure.timeline import RequestRecord


def test_request_round_trip() -> None:
    r = RequestRecord(1795399832.123456, 0.0021, "POST /checkout", 503, "boom", 7)
    assert wire.decode(wire.encode_request(r)) == r


def test_ledger_and_state_round_trip() -> None:
    e = wire.LedgerEntry(1.5, "ack", "k1", "o1", 201, 3, None)
    assert wire.decode(wire.encode_ledger(e)) == e
    s = wire.decode(wire.encode_state("started", 2.0, 16))
    assert s == wire.StateChange("started", 2.0, 16)
    assert wire.decode(wire.encode_error("bad")) == "bad"


def test_ledger_collects_outside_the_load_process() -> None:
    before = len(ledger.collected())
    ledger.attempt("k", user=1)
    ledger.acknowledge("k", "o", status=201, user=1)
    got = ledger.collected()[before:]
    assert [e.event for e in got] == ["attempt", "ack"]


def test_user_ids_are_stable_per_object() -> None:
    class U:
        pass

    a, b = U(), U()
    assert ledger.user_id(a) == ledger.user_id(a) != ledger.user_id(b)


@pytest.mark.parametrize("url", ["http://10.0.0.1:8080", "http://example.com", "http://[::2]:80"])
def test_load_only_goes_to_loopback(url: str) -> None:
    with pytest.raises(LoadError, match=r"127\.0\.0\.0/8"):
        require_loopback(url)
    require_loopback("http://127.0.0.1:8080")
    require_loopback("http://127.3.4.5:1")


def test_a_worker_state_keeps_the_format_and_names_its_worker() -> None:
    line = wire.encode_state(wire.worker_state("lag", 2), 10.0, 0.004)
    assert wire.decode(line) == wire.StateChange("lag:2", 10.0, 0.004)
    assert wire.split_state("lag:2") == ("lag", "2")
    assert wire.split_state("lag:master") == ("lag", "master")
    assert wire.split_state("lag") == ("lag", None)


def test_shift_moves_only_the_time_of_each_kind_of_message() -> None:
    r = RequestRecord(100.0, 0.002, "GET /", 200, None, 1_000_001)
    e = wire.LedgerEntry(100.5, "ack", "k", "o", 201, 3, None)
    assert wire.decode(wire.shift(wire.encode_request(r), -5.0)) == RequestRecord(
        95.0, 0.002, "GET /", 200, None, 1_000_001
    )
    assert wire.decode(wire.shift(wire.encode_ledger(e), 0.25)).t == 100.75  # type: ignore[union-attr]
    assert wire.decode(wire.shift(wire.encode_state("lag:1", 7.0, 0.5), 1.0)) == (
        wire.StateChange("lag:1", 8.0, 0.5)
    )
    assert wire.shift(wire.encode_error("boom"), 3.0) == wire.encode_error("boom")
