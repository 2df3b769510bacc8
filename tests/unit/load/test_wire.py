import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import LoadError
from harness.load import ledger, wire
from harness.load.process import require_loopback
from harness.measure.timeline import RequestRecord


def test_request_round_trip() -> None:
    r = RequestRecord(1795399832.123456, 0.0021, "POST /checkout", 503, "boom", 7)
    assert wire.decode(wire.encode_request(r)) == r


def test_the_load_process_line_takes_locusts_milliseconds_and_an_encoded_name() -> None:
    name = wire.json_name('GET /search?q="x"')
    line = wire.request_line(1795399832.123456, 2.1, name, 404, "HTTPError: 404", 9)
    assert line == wire.encode_request_fields(
        1795399832.123456, 0.0021, 'GET /search?q="x"', 404, "HTTPError: 404", 9
    )
    assert wire.decode(line) == RequestRecord(
        1795399832.123456, 0.0021, 'GET /search?q="x"', 404, "HTTPError: 404", 9
    )


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


@given(
    t=st.floats(1e9, 3e9),
    duration=st.floats(0, 100),
    name=st.text(max_size=40),
    status=st.integers(0, 599),
    error=st.none() | st.text(max_size=60),
    user=st.integers(0, 10**8),
    dt=st.floats(-10, 10),
)
def test_any_request_survives_encoding_and_a_shift(
    t: float, duration: float, name: str, status: int, error: str | None, user: int, dt: float
) -> None:
    line = wire.encode_request(RequestRecord(t, duration, name, status, error, user))
    got = wire.decode(line)
    assert isinstance(got, RequestRecord)
    assert got.t == pytest.approx(t, abs=1e-6)
    assert got.duration == pytest.approx(duration, abs=1e-6)
    assert (got.name, got.status, got.error, got.user) == (name, status, error, user)
    moved = wire.decode(wire.shift(line, dt))
    assert isinstance(moved, RequestRecord)
    assert moved.t == pytest.approx(got.t + dt, abs=2e-6)
    assert (moved.duration, moved.name, moved.error) == (got.duration, name, error)


def test_a_batch_of_lines_decodes_at_once_and_skips_a_broken_line() -> None:
    good = [
        wire.encode_request(RequestRecord(float(i), 0.001, "GET /", 200, None, 1)) for i in range(3)
    ]
    lines = [x.encode() for x in good]
    assert len(wire.decode_lines(lines)) == 3
    got = wire.decode_lines([lines[0], b'["r",1.0,', lines[2]])
    assert [m.t for m in got] == [0.0, 2.0]  # type: ignore[union-attr]
    assert wire.decode_lines([]) == []


def test_decoded_names_and_errors_are_shared_not_copied_per_request() -> None:
    def line(i: int) -> str:
        name, error = "GET /products/[id]", "HTTPError: 503"
        return wire.encode_request(RequestRecord(1.0 + i, 0.01, name, 503, error, i))

    a, b = wire.decode(line(1)), wire.decode(line(2))
    assert isinstance(a, RequestRecord) and isinstance(b, RequestRecord)
    assert a.name is b.name and a.error is b.error
    assert a == RequestRecord(2.0, 0.01, "GET /products/[id]", 503, "HTTPError: 503", 1)


def test_a_request_in_seconds_from_an_earlier_worker_still_decodes_and_shifts() -> None:
    """Remote workers may run an earlier shopchaos, which wrote times as seconds."""
    old = '["r",1795399832.123456,0.002100,"GET /",200,null,7]'
    want = RequestRecord(1795399832.123456, 0.0021, "GET /", 200, None, 7)
    assert wire.decode(old) == want
    moved = wire.decode(wire.shift(old, -2.0))
    assert isinstance(moved, RequestRecord) and moved.t == pytest.approx(want.t - 2.0, abs=1e-6)
