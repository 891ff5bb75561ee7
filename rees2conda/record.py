"""Typed records for the ``check`` path, without the :mod:`dataclasses` module.

``dataclasses`` imports :mod:`inspect` (and with it ``ast``, ``dis``, ``tokenize``): about 10 ms
of CPU at every start, most of ``check --format json``'s budget over a bare ``python -c pass``
(benchmarks/bench_check.py). ``@record`` is the subset the reader's data needs: fields from the
class annotations in order, defaults, ``field(default_factory=..., compare=...)``, ``frozen``; it
makes ``__init__``, ``__repr__``, ``__eq__`` and, for frozen records, ``__hash__`` the way
``@dataclass`` does, and type checkers read it as a dataclass (``dataclass_transform``).
Modules off the ``check`` path keep using :mod:`dataclasses`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, without importing typing here
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_kwargs: object) -> object:
        return lambda decorated: decorated


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """A field's default (value or factory) and whether it takes part in ``==`` and hashing."""

    __slots__ = ("compare", "default", "default_factory")

    def __init__(self, default: Any, default_factory: Any, compare: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.compare = compare


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    compare: bool = True,
    hash: bool | None = None,
) -> Any:
    """A field with a default factory, or left out of ``==`` and ``hash`` (``compare=False``)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare if hash is None else compare and hash)


@dataclass_transform(field_specifiers=(field,))
def record(cls: Any = None, /, *, frozen: bool = False) -> Any:
    """Make ``cls`` a record (``@record`` or ``@record(frozen=True)``)."""

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, frozen)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], frozen: bool) -> type[T]:
    names = list(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063  (no inspect here)
    namespace: dict[str, Any] = {"MISSING": MISSING, "setattr": object.__setattr__}
    params, body, compared = [], [], []
    for name in names:
        value = cls.__dict__.get(name, MISSING)
        compare, factory = True, MISSING
        if isinstance(value, Field):
            compare, factory, value = value.compare, value.default_factory, value.default
            if value is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value)
        if factory is not MISSING:
            namespace[f"_factory_{name}"] = factory
            params.append(f"{name}=MISSING")
            body.append(f"    if {name} is MISSING:\n        {name} = _factory_{name}()")
        elif value is not MISSING:
            namespace[f"_default_{name}"] = value
            params.append(f"{name}=_default_{name}")
        elif params and params[-1].count("="):
            raise TypeError(f"{cls.__name__}: non-default field {name!r} follows a default one")
        else:
            params.append(name)
        body.append(
            f"    setattr(self, {name!r}, {name})" if frozen else f"    self.{name} = {name}"
        )
        if compare:
            compared.append(name)
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    exec(source, namespace)  # one small function per class: what dataclasses does, minus inspect
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    cls.__record_fields__ = tuple(names)  # type: ignore[attr-defined]
    key = _key(tuple(compared))
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr(tuple(names))  # type: ignore[method-assign]
    if "__eq__" not in cls.__dict__:

        def __eq__(self: Any, other: object) -> bool:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return bool(key(self) == key(other))

        cls.__eq__ = __eq__  # type: ignore[method-assign]
    if frozen:
        if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
            cls.__hash__ = lambda self: hash(key(self))  # type: ignore[method-assign]
        cls.__setattr__ = _refuse  # type: ignore[method-assign]
        cls.__delattr__ = _refuse  # type: ignore[method-assign]
    elif "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
        cls.__hash__ = None  # type: ignore[assignment]  # mutable and comparable: unhashable
    return cls


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda self: tuple(getattr(self, n) for n in names)


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{self.__class__.__qualname__}({fields})"

    return __repr__


def _refuse(self: Any, name: str, *_value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")
