import pytest

from harness.scenario.durations import format_duration, parse_duration


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
