import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.scenario.durations import MAX_DURATION, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("20s", 20.0),
        ("1m30s", 90.0),
        ("1.5s", 1.5),
        (" 2 s ", 2.0),
        (3, 3.0),
        (0.25, 0.25),
        ("1h", 3600.0),
    ],
)
def test_parse(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "20", "s20", "20sec", "1m 3x", True, None, [1]])
def test_parse_rejects_with_an_example(bad: object) -> None:
    with pytest.raises(ValueError, match=r"500ms|duration"):
        parse_duration(bad)


def test_format_round_trips() -> None:
    for s in (0.05, 0.5, 2.0, 90.0, 120.0):
        assert parse_duration(format_duration(s)) == pytest.approx(s)


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("9999999999999h", "longer than 168h"),
        (10**400, "longer than 168h"),  # float() of it would overflow
        (1e308, "longer than 168h"),
        (float("inf"), "longer than 168h"),
        (float("nan"), "not a duration"),
        (-1, "negative"),
        ("1" * 400 + "s", "not a duration"),  # cut in the message, not echoed whole
    ],
)
def test_durations_are_finite_and_bounded(bad: object, says: str) -> None:
    with pytest.raises(ValueError, match=says) as exc:
        parse_duration(bad)
    assert len(str(exc.value)) < 200


def test_the_longest_duration_is_allowed_and_formats_in_hours() -> None:
    assert parse_duration("168h") == MAX_DURATION
    assert parse_duration(MAX_DURATION) == MAX_DURATION
    assert format_duration(MAX_DURATION) == "168h"
    assert format_duration(5400) == "90m"


@given(
    st.one_of(
        st.text(alphabet="0123456789.msh -+eE_", max_size=30),
        st.integers(),
        st.floats(),
        st.text(max_size=10),
    )
)
def test_any_input_is_a_bounded_duration_or_a_short_value_error(value: object) -> None:
    try:
        seconds = parse_duration(value)
    except ValueError as e:
        assert len(str(e)) < 200
    else:
        assert 0 <= seconds <= MAX_DURATION
