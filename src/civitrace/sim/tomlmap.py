"""TOML tables <-> the lab's frozen dataclasses, validated field by field.

Scenario files, sweep grids and sweep overrides all go through :func:`from_table`, so a bad
value is reported the same way everywhere: :class:`~civitrace.sim.errors.ScenarioError` naming
the dotted field (``app.uptake``). :func:`to_table` is the inverse (tuples become lists), which
lets a sweep change one field of an existing object and re-validate the whole of it.
"""

import math
import typing
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, Literal

from civitrace.sim.errors import ParameterError, ScenarioError


def _convert(value: Any, hint: Any, where: str, source: str) -> Any:  # noqa: PLR0911, PLR0912
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ScenarioError(source, where, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(source, where, f"must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(source, where, f"must be a number, got {value!r}")
        if math.isnan(value):
            raise ScenarioError(source, where, "must not be nan")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ScenarioError(source, where, f"must be a string, got {value!r}")
        return value
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ScenarioError(source, where, f"must be one of {choices}, got {value!r}")
        return value
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list | tuple):
            raise ScenarioError(source, where, f"must be a list, got {value!r}")
        if len(args) != 2 or args[1] is not Ellipsis:  # fixed length, e.g. tuple[int, int]
            if len(value) != len(args):
                raise ScenarioError(source, where, f"must be a list of {len(args)}")
            return tuple(
                _convert(item, h, f"{where}[{i}]", source)
                for i, (item, h) in enumerate(zip(value, args, strict=True))
            )
        return tuple(
            _convert(item, args[0], f"{where}[{i}]", source) for i, item in enumerate(value)
        )
    if isinstance(hint, type) and is_dataclass(hint):
        if not isinstance(value, dict):
            raise ScenarioError(source, where, f"must be a table, got {value!r}")
        return from_table(hint, value, where, source)
    raise TypeError(f"unsupported field type {hint!r}")  # a programming error, not bad input


def from_table(cls: type[Any], table: dict[str, Any], prefix: str, source: str) -> Any:
    """An instance of dataclass ``cls`` from a TOML table; ScenarioError names the bad field.

    A table holding an ``enabled`` field that is present but does not set it switches its
    intervention on (a scenario's ``[app]`` table means "use the app").
    """
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in table:
        if key not in known:
            where = f"{prefix}.{key}" if prefix else key
            raise ScenarioError(source, where, f"unknown key (expected one of {', '.join(known)})")
    kwargs: dict[str, Any] = {}
    for name, f in known.items():
        where = f"{prefix}.{name}" if prefix else name
        if name in table:
            kwargs[name] = _convert(table[name], hints[name], where, source)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ScenarioError(source, where, "is required")
    if "enabled" in known and "enabled" not in table and table:
        kwargs["enabled"] = True
    try:
        return cls(**kwargs)
    except ParameterError as exc:
        message = str(exc)
        head, _, rest = message.partition(" ")
        if "." in head and rest:  # "app.uptake must ..." -> field "app.uptake"
            field_name = head if not prefix or head.startswith(prefix) else f"{prefix}.{head}"
            raise ScenarioError(source, field_name, rest) from None
        raise ScenarioError(source, prefix or "scenario", message) from None


def to_table(obj: Any) -> Any:
    """The TOML-shaped value of ``obj``: dataclasses become tables, tuples lists."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_table(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_table(item) for item in obj]
    return obj


def with_field(obj: Any, path: str, value: Any, source: str) -> Any:
    """A copy of dataclass ``obj`` with the dotted field ``path`` set to ``value``, validated.

    ``path`` is relative to ``obj`` (``uptake``, ``detection.household``); the new value goes
    through the same conversion and checks as a file, so errors name ``path``.
    """
    table = to_table(obj)
    node = table
    parts = path.split(".")
    for depth, key in enumerate(parts):
        if not isinstance(node, dict) or key not in node:
            where = ".".join(parts[: depth + 1])
            raise ScenarioError(source, where, "unknown parameter")
        if depth == len(parts) - 1:
            node[key] = value
        else:
            node = node[key]
    return from_table(type(obj), table, "", source)
