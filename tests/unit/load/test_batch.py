import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.load import batch, wire
from harness.measure.timeline import RequestRecord


class Response:
    def __init__(self, status_code: Any) -> None:
        self.status_code = status_code


def flat(*rows: batch.Row) -> list[Any]:
    """Rows end to end, as the load process's listener keeps them."""
    return [value for row in rows for value in row]


def test_a_batch_decodes_to_the_records_the_rows_describe() -> None:
    boom = ConnectionResetError("reset by peer")
    line = batch.encode(
        flat(
            (1795399832.123456, 2.5, "GET", "/products", 200, None, {"user": 3}),
            (1795399832.2, 1500.0, "POST", "POST /checkout", 0, boom, {"user": 1_000_001}),
            (1795399832.3, 0.25, "GET", "/products", 503, None, {"user": 3}),
        )
    )
    assert wire.decode_lines([line.encode()]) == [
        RequestRecord(1795399832.123456, 0.0025, "GET /products", 200, None, 3),
        RequestRecord(
            1795399832.2, 1.5, "POST /checkout", 0, "ConnectionResetError: reset by peer", 1_000_001
        ),
        RequestRecord(1795399832.3, 0.00025, "GET /products", 503, None, 3),
    ]


def test_a_batch_names_each_request_once() -> None:
    paths = ["/b", "/a"] * 3
    rows = [(1.0 + i, 1.0, "GET", path, 200, None, {"user": i}) for i, path in enumerate(paths)]
    item = json.loads(batch.encode(flat(*rows)))
    assert item[:4] == ["b", 6, ["GET /b", "GET /a"], []]
    records = batch.decode(item)
    assert [r.name for r in records] == ["GET /b", "GET /a"] * 3
    assert records[0].name is records[2].name  # one string, not one a request


def test_what_a_foreign_client_may_give_becomes_a_plain_record() -> None:
    """A team's own client may fire request events without a response, with no context, a
    status that is not a number or a user that is not ours: the batch still encodes, with 0."""
    line = batch.encode(
        flat(
            (1.0, 1.0, "GET", "/a", None, None, None),
            (2.0, 1.0, "GET", "/a", "teapot", None, {"user": "alice"}),
            (3.0, 1.0, "GET", "/a", 200, None, {"user": 7}),
        )
    )
    got = batch.decode(json.loads(line))
    assert [(r.status, r.user) for r in got] == [(0, 0), (0, 0), (200, 7)]
    assert [r.failed for r in got] == [True, True, False]


def test_an_error_text_is_cut_at_its_limit() -> None:
    line = batch.encode(flat((1.0, 1.0, "GET", "/a", 0, ValueError("x" * 500), None)))
    (record,) = batch.decode(json.loads(line))
    assert record.error is not None and len(record.error) == batch.ERROR_MAX
    assert record.error.startswith("ValueError: xxx")


def test_the_text_the_listener_made_of_an_exception_is_kept_as_it_is() -> None:
    text = batch.error_text(ConnectionResetError("peer"))
    assert text == "ConnectionResetError: peer"
    assert batch.error_text(text) == text  # made once, in the listener: not "str: ..."
    line = batch.encode(
        flat(
            (1.0, 1.0, "GET", "/a", 0, text, None),
            (2.0, 1.0, "GET", "/a", 503, "y" * 500, None),  # a team's own, cut
        )
    )
    first, second = batch.decode(json.loads(line))
    assert first.error == text and first.failed
    assert second.error == "y" * batch.ERROR_MAX


def test_a_shift_moves_every_start_and_nothing_else() -> None:
    rows = flat(
        (100.0, 3.0, "GET", "/a", 200, None, {"user": 1}),
        (101.5, 4.0, "GET", "/b", 500, RuntimeError("no"), {"user": 2}),
    )
    line = batch.encode(rows)
    before = wire.decode_lines([line.encode()])
    after = wire.decode_lines([wire.shift(line, -2.25).encode()])
    assert [r.t for r in after] == [97.75, 99.25]  # type: ignore[union-attr]
    assert [(r.duration, r.name, r.status, r.error, r.user) for r in after] == [  # type: ignore[union-attr]
        (r.duration, r.name, r.status, r.error, r.user)
        for r in before  # type: ignore[union-attr]
    ]


def test_a_batch_and_other_lines_decode_together_in_order() -> None:
    lines = [
        batch.encode(flat((1.0, 1.0, "GET", "/a", 200, None, {"user": 1}))).encode(),
        wire.encode_state("limit", 2.0, 1).encode(),
    ]
    got = wire.decode_lines(lines)
    assert isinstance(got[0], RequestRecord)
    assert got[1] == wire.StateChange("limit", 2.0, 1)


@pytest.mark.parametrize(
    "bad",
    [
        '["b",2,["GET /"],[],"AAAA"]',  # too few bytes for 2 records
        '["b",1,[],[],"' + "A" * 40 + '"]',  # a name index with no name
        '["b",1,["GET /"],[],"not base64!"]',
    ],
)
def test_a_batch_that_does_not_add_up_is_skipped_not_trusted(bad: str) -> None:
    good = wire.encode_state("started", 1.0, 1).encode()
    assert wire.decode_lines([bad.encode(), good]) == [wire.StateChange("started", 1.0, 1)]


def test_rows_that_are_not_whole_are_refused() -> None:
    with pytest.raises(ValueError, match="whole rows"):
        batch.encode([1.0, 2.0])


@given(
    rows=st.lists(
        st.tuples(
            st.floats(1e9, 3e9),
            st.floats(0, 1e6),
            st.sampled_from(["GET", "POST"]),
            st.text(max_size=30),
            st.integers(0, 599),
            st.none() | st.text(max_size=40).map(RuntimeError),
            st.integers(0, 10**12).map(lambda u: {"user": u}),
        ),
        min_size=1,
        max_size=40,
    ),
    dt=st.floats(-10, 10),
)
def test_any_rows_survive_a_batch_and_a_shift(rows: list[batch.Row], dt: float) -> None:
    line = batch.encode(flat(*rows))
    got = batch.decode(json.loads(line))
    assert [(r.t, r.duration, r.name, r.status, r.user) for r in got] == [
        (t, ms / 1000, batch.label(kind, name), status, ctx["user"])
        for t, ms, kind, name, status, _, ctx in rows
    ]
    errors = [None if e is None else batch.error_text(e) for *_, e, _ in rows]
    assert [r.error for r in got] == errors
    moved = batch.decode(json.loads(wire.shift(line, dt)))
    assert [r.t for r in moved] == [r.t + dt for r in got]


def test_rows_a_batch_cannot_write_are_counted_and_the_rest_kept() -> None:
    good = (1.0, 2.0, "GET", "/a", 200, None, {"user": 1})
    rows = flat(
        good,
        (None, 2.0, "GET", "/a", 200, None, None),  # no start
        (3.0, "slow", "GET", "/a", 200, None, None),  # a duration that is not a number
        (4.0, 2.0, "GET", None, 200, None, None),  # no name
        (float("nan"), 2.0, "GET", "/a", 200, None, None),
    )
    with pytest.raises((TypeError, ValueError, AttributeError)):
        batch.encode(rows)
    kept, dropped = batch.whole(rows)
    assert (kept, dropped) == (list(good), 4)
    assert batch.whole([*good, 5.0]) == (list(good), 1)  # a row cut short
