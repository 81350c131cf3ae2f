"""Regions from GeoJSON (and H3), and the SVG map with its table holding the same numbers."""

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from civitrace.analytics.choropleth import render_svg, render_table, select
from civitrace.analytics.errors import RegionDataError
from civitrace.analytics.hexes import cell_of, hex_regions
from civitrace.analytics.ledger import InMemoryLedger, PrivacyBudget
from civitrace.analytics.regions import RegionSet, parse_geojson
from civitrace.analytics.release import release_case_counts
from tests.analytics.conftest import WEEK, events

SVG = "{http://www.w3.org/2000/svg}"


def test_demo_city(regions: RegionSet) -> None:
    assert len(regions) == 12
    west, south, _east, _north = regions.bounds()
    for region in regions:
        ring = region.rings[0]
        lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
        lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        assert regions.locate(lon, lat) == region.id
    assert regions.locate(west - 1, south) is None


@pytest.mark.parametrize(
    "document",
    [
        {"type": "Feature"},
        {"type": "FeatureCollection", "features": [{"properties": {}, "geometry": None}]},
        {
            "type": "FeatureCollection",
            "features": [
                {"id": "a", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}}
            ],
        },
        {"type": "FeatureCollection", "features": []},
    ],
)
def test_bad_geojson(document: Any) -> None:
    with pytest.raises(RegionDataError):
        parse_geojson(document)


def test_map_and_table_hold_the_same_numbers(regions: RegionSet) -> None:
    release = release_case_counts(
        events(regions, 2000, people=2000), regions, WEEK, 1.0, InMemoryLedger(PrivacyBudget(10.0)),
        granularity="week", by_age=False,
    )  # fmt: skip
    svg = render_svg(release, regions)
    root = ET.fromstring(svg)
    titles = {
        p.get("data-region"): p.find(f"{SVG}title").text  # type: ignore[union-attr]
        for p in root.iter(f"{SVG}path")
    }
    assert set(titles) == set(regions.ids)
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}desc") is not None
    assert "ε = 1" in svg
    table = ET.fromstring(render_table(release, regions))
    assert "ε = 1" in (table.find("caption").text or "")  # type: ignore[union-attr]
    rows = {
        r.get("data-region"): [c.text for c in r] for r in table.iter("tr") if r.get("data-region")
    }
    for cell in select(release).cells:
        _name, value, low, high, status = rows[cell.region]
        if cell.suppressed:
            assert status == "suppressed"
            assert "suppressed" in (titles[cell.region] or "")
        else:
            found = re.search(
                r": ([\d.]+) \(\d+% interval ([\d.]+)-([\d.]+)\)", titles[cell.region] or ""
            )
            assert found is not None
            numbers = [float(x) for x in found.groups()]
            assert numbers == [cell.value, cell.low, cell.high]
            assert [float(value or 0), float(low or 0), float(high or 0)] == numbers


def test_h3_regions() -> None:
    """h3 is an optional extra for deployments, but part of the dev install: it must be here."""
    import h3  # noqa: F401, PLC0415 - fail loudly if the dev install lacks it

    outline = ((10.0, 50.0), (10.24, 50.0), (10.24, 50.12), (10.0, 50.12), (10.0, 50.0))
    hexes = hex_regions(outline, 7)
    assert len(hexes) > 10
    assert cell_of(10.1, 50.05, 7) in hexes.ids
    assert hexes.locate(10.1, 50.05) == cell_of(10.1, 50.05, 7)
