"""The published form of a release: cells with intervals and privacy parameters, as JSON/CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from civitrace.analytics.errors import InputDataError

CSV_COLUMNS = ("region", "day", "age_band", "value", "low", "high", "suppressed", "epsilon")
"""Every row carries the release's ε, so a cell copied out of the file keeps its privacy cost."""


@dataclass(frozen=True)
class Cell:
    """One published number. ``value``/``low``/``high`` are ``None`` when suppressed."""

    region: str
    day: date  # for weekly cells: the first day of the window
    age_band: str
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "day": self.day.isoformat(),
            "age_band": self.age_band,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "suppressed": self.suppressed,
        }

    @classmethod
    def from_json(cls, document: Any) -> "Cell":
        def number(key: str) -> float | None:
            raw = document[key]
            if raw is None:
                return None
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise TypeError(f"{key} must be a number")
            return raw

        return cls(
            region=str(document["region"]),
            day=date.fromisoformat(document["day"]),
            age_band=str(document["age_band"]),
            value=number("value"),
            low=number("low"),
            high=number("high"),
            suppressed=bool(document["suppressed"]),
        )


@dataclass(frozen=True)
class Release:
    """A differentially private release and everything needed to read it honestly."""

    release_id: str
    kind: str
    mechanism: str
    epsilon: float
    delta: float
    sensitivity: int  # L1 sensitivity of the count vector (= contributions per person)
    contributions_per_person: int
    noise_scale: float
    window_start: date
    window_end: date
    period: str
    granularity: str  # "day" or "week"
    confidence: float
    suppression_threshold: float  # cells at or below it are suppressed
    cells: tuple[Cell, ...]
    totals: tuple[Cell, ...] = ()  # consistent totals of each group of cells
    derived_from: tuple[str, ...] = ()  # ids of the releases a ratio was computed from
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "kind": self.kind,
            "mechanism": self.mechanism,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "sensitivity": self.sensitivity,
            "contributions_per_person": self.contributions_per_person,
            "noise_scale": self.noise_scale,
            "window": {"start": self.window_start.isoformat(), "end": self.window_end.isoformat()},
            "period": self.period,
            "granularity": self.granularity,
            "confidence": self.confidence,
            "suppression_threshold": self.suppression_threshold,
            "notes": self.notes,
            "derived_from": list(self.derived_from),
            "cells": [c.to_json() for c in self.cells],
            "totals": [c.to_json() for c in self.totals],
        }

    @classmethod
    def from_json(cls, document: Any) -> "Release":
        try:
            return cls(
                release_id=str(document["release_id"]),
                kind=str(document["kind"]),
                mechanism=str(document["mechanism"]),
                epsilon=float(document["epsilon"]),
                delta=float(document["delta"]),
                sensitivity=int(document["sensitivity"]),
                contributions_per_person=int(document["contributions_per_person"]),
                noise_scale=float(document["noise_scale"]),
                window_start=date.fromisoformat(document["window"]["start"]),
                window_end=date.fromisoformat(document["window"]["end"]),
                period=str(document["period"]),
                granularity=str(document["granularity"]),
                confidence=float(document["confidence"]),
                suppression_threshold=float(document["suppression_threshold"]),
                notes=str(document.get("notes", "")),
                derived_from=tuple(str(i) for i in document.get("derived_from", [])),
                cells=tuple(Cell.from_json(c) for c in document["cells"]),
                totals=tuple(Cell.from_json(c) for c in document.get("totals", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputDataError(f"not a civitrace release ({exc!s})") from None

    def to_csv(self) -> str:
        """One row per cell (totals follow, with their region) with the release's ε, plus every
        parameter in a first comment line."""
        out = io.StringIO()
        out.write(
            f"# kind={self.kind} epsilon={self.epsilon:g} delta={self.delta:g}"
            f" mechanism={self.mechanism} sensitivity={self.sensitivity}"
            f" window={self.window_start.isoformat()}..{self.window_end.isoformat()}"
            f" confidence={self.confidence:g}"
            f" suppression_threshold={self.suppression_threshold:g}\n"
        )
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for cell in (*self.cells, *self.totals):
            row = {**cell.to_json(), "epsilon": self.epsilon}
            writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
        return out.getvalue()
