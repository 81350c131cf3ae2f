"""Regions a release is broken down by: polygons from a GeoJSON file (or H3 cells, see ``hexes``).

Only outer and inner rings of ``Polygon`` and ``MultiPolygon`` features are read; a point lies in
a region by the even-odd rule over all its rings, so holes work. Coordinates are WGS 84
longitude/latitude as GeoJSON (RFC 7946) has them.
"""

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from civitrace.analytics.errors import RegionDataError

Point = tuple[float, float]  # (longitude, latitude)
Ring = tuple[Point, ...]

DEMO_CITY = "demo_city.geojson"  # 12 districts of "Demoville", a synthetic city


@dataclass(frozen=True)
class Region:
    """One published area: a stable id, a display name, and its rings (closed, lon/lat)."""

    id: str
    name: str
    rings: tuple[Ring, ...]

    def __post_init__(self) -> None:
        if not self.id or not self.id.strip():
            raise RegionDataError("a region has an empty id")
        if not self.rings:
            raise RegionDataError(f"region {self.id!r} has no polygon")
        for ring in self.rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise RegionDataError(f"region {self.id!r}: a ring must be closed (4+ positions)")

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies inside (even-odd rule over every ring)."""
        inside = False
        for ring in self.rings:
            for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
        return inside


@dataclass(frozen=True)
class RegionSet:
    """The regions of one release, in publication order, with unique ids."""

    regions: tuple[Region, ...]

    def __post_init__(self) -> None:
        if not self.regions:
            raise RegionDataError("a region set needs at least one region")
        ids = [r.id for r in self.regions]
        if len(set(ids)) != len(ids):
            raise RegionDataError("region ids must be unique")

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def __len__(self) -> int:
        return len(self.regions)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.regions)

    def by_id(self, region_id: str) -> Region:
        for region in self.regions:
            if region.id == region_id:
                return region
        raise RegionDataError(f"unknown region {region_id!r}")

    def locate(self, lon: float, lat: float) -> str | None:
        """The id of the first region containing the point, or ``None``."""
        for region in self.regions:
            if region.contains(lon, lat):
                return region.id
        return None

    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) over every ring."""
        points = [p for r in self.regions for ring in r.rings for p in ring]
        return (
            min(p[0] for p in points),
            min(p[1] for p in points),
            max(p[0] for p in points),
            max(p[1] for p in points),
        )


def _ring(raw: Any, where: str) -> Ring:
    if not isinstance(raw, list):
        raise RegionDataError(f"{where}: a ring must be a list of positions")
    points: list[Point] = []
    for position in raw:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position)
        ):
            raise RegionDataError(f"{where}: a position must be [longitude, latitude]")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RegionDataError(f"{where}: position {position} is out of range")
        points.append((lon, lat))
    return tuple(points)


def _rings(geometry: Any, where: str) -> tuple[Ring, ...]:
    if not isinstance(geometry, Mapping):
        raise RegionDataError(f"{where}: missing geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coordinates, list):
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        raise RegionDataError(f"{where}: geometry must be a Polygon or MultiPolygon")
    rings: list[Ring] = []
    for polygon in polygons:
        if not isinstance(polygon, list):
            raise RegionDataError(f"{where}: a polygon must be a list of rings")
        rings.extend(_ring(ring, where) for ring in polygon)
    return tuple(rings)


def parse_geojson(document: Any) -> RegionSet:
    """Regions from a GeoJSON FeatureCollection; ids from ``properties.id`` or the feature id."""
    if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
        raise RegionDataError("regions must be a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise RegionDataError("the FeatureCollection has no features list")
    regions: list[Region] = []
    for index, feature in enumerate(features):
        where = f"feature {index}"
        if not isinstance(feature, Mapping):
            raise RegionDataError(f"{where}: not an object")
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise RegionDataError(f"{where}: properties must be an object")
        region_id = properties.get("id", feature.get("id"))
        if not isinstance(region_id, str | int) or isinstance(region_id, bool):
            raise RegionDataError(f"{where}: needs an id (properties.id or the feature id)")
        name = properties.get("name", str(region_id))
        regions.append(Region(str(region_id), str(name), _rings(feature.get("geometry"), where)))
    return RegionSet(tuple(regions))


def load_geojson(path: Path) -> RegionSet:
    """Regions from a GeoJSON file."""
    try:
        document = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RegionDataError(f"{path} is not valid JSON ({exc})") from None
    return parse_geojson(document)


def demo_regions() -> RegionSet:
    """The shipped demo set: a synthetic city of 12 districts with simple polygons."""
    text = resources.files("civitrace.analytics").joinpath("data", DEMO_CITY).read_text("utf-8")
    return parse_geojson(json.loads(text))


def regions_from_polygons(polygons: Sequence[tuple[str, str, Ring]]) -> RegionSet:
    """A region set from (id, name, one ring) triples, e.g. H3 cell boundaries."""
    return RegionSet(tuple(Region(i, n, (ring,)) for i, n, ring in polygons))
