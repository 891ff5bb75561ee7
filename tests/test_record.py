"""``rees2conda.record``: the records of the check path behave as the dataclasses they replace."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys

import pytest

from rees2conda.model import EnvSpec, Finding, Origin, Report, Severity
from rees2conda.record import FrozenInstanceError, field, record


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list, compare=False)


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list, compare=False)


@record
class Bag:
    name: str
    items: list[int] = field(default_factory=list)


def test_like_a_dataclass() -> None:
    assert Point(1) == Point(1, 0) == Point(x=1, y=0, tags=["ignored in =="])
    assert Point(1) != Point(2) and Point(1) != DataPoint(1)
    assert hash(Point(1, 2)) == hash(Point(1, 2, ["x"]))
    assert repr(Point(1, 2)).replace("Point", "DataPoint") == repr(DataPoint(1, 2))
    assert Point(1).tags is not Point(1).tags  # a fresh default per instance
    with pytest.raises(FrozenInstanceError):
        Point(1).x = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, [], 4)  # type: ignore[call-arg]
    bag = Bag("b")
    bag.items.append(1)
    assert bag == Bag("b", [1]) and Bag("b") != bag
    with pytest.raises(TypeError):
        hash(bag)  # mutable and comparable, as a dataclass: unhashable


def test_field_order_is_checked() -> None:
    with pytest.raises(TypeError, match="follows a default"):

        @record
        class Wrong:
            a: int = 0
            b: int  # type: ignore[misc]


def test_model_records_compare_hash_and_pickle() -> None:
    one = Finding("R2C101", Severity.ERROR, "m", path="Dockerfile", data={"a": 1})
    two = Finding("R2C101", Severity.ERROR, "m", path="Dockerfile", data={"b": 2})
    assert one == two and hash(one) == hash(two)  # data is left out, as before
    assert {Origin("a", 1), Origin("a", 1)} == {Origin("a", 1)}
    report = Report(path=".", spec=EnvSpec(), findings=[one])
    assert pickle.loads(pickle.dumps(report)) == report
    assert copy.deepcopy(one) == one and copy.deepcopy(one).data == {"a": 1}
    assert report.spec is not None and report.spec.channels == ["conda-forge"]
    assert EnvSpec().channels is not EnvSpec().channels


def test_check_path_does_not_import_dataclasses() -> None:
    code = (
        "import sys; from rees2conda import check; "
        "check(sys.argv[1]); print('dataclasses' in sys.modules, 'inspect' in sys.modules)"
    )
    from rees_helpers import REPOS

    for name in ("runtime-python", "requirements-escape", "scripts", "setup-py", "env-pip-include"):
        out = subprocess.run(
            [sys.executable, "-c", code, str(REPOS / name)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.split() == ["False", "False"], name
