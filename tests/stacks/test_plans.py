"""Plans shared by replicas: the first claim wins, the others follow it, a finished one makes
room for the next."""

from __future__ import annotations

from pathlib import Path

from tests.stacks._plans import Plan, Plans
from tests.stacks.flapping.app import flaps


def test_the_first_claim_wins_and_the_others_follow_it(tmp_path: Path) -> None:
    a, b = Plans(tmp_path, "cascade", "api-1"), Plans(tmp_path, "cascade", "api-2")
    plan_a, claimed_a = a.claim(100.0, "api-3 died", [(102.5, 105.5)])
    plan_b, claimed_b = b.claim(100.04, "api-3 died", [(102.54, 105.54)])
    assert (claimed_a, claimed_b) == (True, False)
    assert plan_b == plan_a and plan_a.by == "api-1"
    assert Plans(tmp_path, "cascade", "api-3").refresh() == plan_a


def test_a_finished_plan_is_archived_for_the_next_cause(tmp_path: Path) -> None:
    plans = Plans(tmp_path, "cascade", "api-1")
    first, _ = plans.claim(100.0, "api-3 died", [(102.5, 105.5)])
    second, claimed = plans.claim(200.0, "api-2 died", [(202.5, 205.5)])
    assert claimed and second.start == 202.5
    assert {p.name for p in (tmp_path / "plans").iterdir()} == {
        "cascade.json",
        "cascade-102.500.json",
    }
    assert first.end == 105.5


def test_a_plan_is_bad_only_inside_its_intervals() -> None:
    plan = Plan("flap", "back", ((1.0, 1.5), (2.0, 2.5)), "api-1")
    assert [plan.is_bad(t) for t in (0.9, 1.0, 1.49, 1.5, 2.2, 2.5)] == [
        False,
        True,
        True,
        False,
        True,
        False,
    ]
    assert Plan.from_json(plan.to_json()) == plan


def test_flaps_begin_fine_and_end_bad() -> None:
    assert flaps(10.0, good=0.5, bad=0.5, count=3) == [(10.5, 11.0), (11.5, 12.0), (12.5, 13.0)]
    assert flaps(10.0, good=1.5, bad=0.5, count=2) == [(11.5, 12.0), (13.5, 14.0)]
