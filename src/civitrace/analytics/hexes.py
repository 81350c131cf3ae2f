"""H3 hexagons as regions (``h3`` from PyPI, an optional extra: ``pip install h3==4.5.0``).

Points are assigned to the H3 cell containing them at a configured resolution; the region set
is every cell that covers the configured area (not only cells that hold data, which would
reveal where cases are), with the cell boundary as its polygon, so releases, the ledger and the
choropleth work unchanged.
"""

import importlib
from typing import Any

from civitrace.analytics.errors import ParameterError, RegionDataError
from civitrace.analytics.regions import RegionSet, Ring, regions_from_polygons

MIN_RESOLUTION = 4  # coarser cells span several cities
MAX_RESOLUTION = 9  # finer cells (< 0.11 km²) approach single buildings: refused


def _h3() -> Any:  # h3 ships no type information
    try:
        h3 = importlib.import_module("h3")  # optional dependency
    except ImportError:
        raise RegionDataError("H3 regions need the optional package h3 (pip install h3)") from None
    return h3


def _check(resolution: int) -> None:
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ParameterError(f"H3 resolution must lie in {MIN_RESOLUTION}..{MAX_RESOLUTION}")


def cell_of(lon: float, lat: float, resolution: int) -> str:
    """The H3 cell id holding a point."""
    _check(resolution)
    h3 = _h3()
    return str(h3.latlng_to_cell(lat, lon, resolution))


def hex_regions(outline: Ring, resolution: int) -> RegionSet:
    """Every H3 cell whose centre lies in ``outline`` (a closed lon/lat ring), as regions."""
    _check(resolution)
    h3 = _h3()
    shape = h3.LatLngPoly([(lat, lon) for lon, lat in outline[:-1]])
    cells = sorted(h3.polygon_to_cells(shape, resolution))
    if not cells:
        raise RegionDataError("no H3 cell centre lies inside the outline at this resolution")
    polygons = []
    for cell in cells:
        boundary = [(lon, lat) for lat, lon in h3.cell_to_boundary(cell)]
        polygons.append((str(cell), str(cell), (*boundary, boundary[0])))
    return regions_from_polygons(polygons)
