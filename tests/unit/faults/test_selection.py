import random

import pytest
from pydantic import ValidationError

from harness.errors import FaultError
from harness.faults._selection import Target, select
from harness.platforms.base import Endpoints, InstanceRef


def endpoints() -> Endpoints:
    insts = [
        InstanceRef(f"shop-{i}", "shop", f"127.0.0.1:{9000 + i}", f"shop-{i}") for i in (1, 2, 3)
    ]
    insts.append(InstanceRef("payment", "payment", "127.0.0.1:9100"))
    return Endpoints(
        "http://127.0.0.1:1",
        "http://127.0.0.1:2",
        "unix:/x",
        "shop",
        tuple(insts),
        {},
        "sqlite:///x",
    )


def test_by_name_count_all_but_and_seeded_random() -> None:
    e = endpoints()
    assert select(Target(instance="shop-2"), e, random.Random(1)) == ["shop-2"]
    assert select(Target(group="shop", count=2, pick="first"), e, random.Random(1)) == [
        "shop-1",
        "shop-2",
    ]
    assert len(select(Target(group="shop", all_but=1), e, random.Random(1))) == 2
    a = select(Target(group="shop"), e, random.Random(7))
    assert a == select(Target(group="shop"), e, random.Random(7))  # same seed, same pick
    picks = {select(Target(group="shop"), e, random.Random(s))[0] for s in range(30)}
    assert picks == {"shop-1", "shop-2", "shop-3"}


def test_bad_selections_say_what_exists() -> None:
    e = endpoints()
    with pytest.raises(FaultError) as exc:
        select(Target(instance="shop-9"), e, random.Random(1))
    assert "shop-3" in (exc.value.hint or "")
    with pytest.raises(FaultError, match="cannot pick 4"):
        select(Target(group="shop", count=4), e, random.Random(1))
    with pytest.raises(FaultError) as exc:
        select(Target(group="cart"), e, random.Random(1))
    assert "payment, shop" in (exc.value.hint or "")


def test_target_needs_exactly_one_way() -> None:
    with pytest.raises(ValidationError):
        Target()
    with pytest.raises(ValidationError):
        Target(instance="a", group="b")
    with pytest.raises(ValidationError):
        Target(group="shop", count=1, all_but=1)
