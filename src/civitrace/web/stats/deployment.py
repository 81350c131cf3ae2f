"""What the statistics pages of one deployment draw and release from: its regions and its cases.

Releases store no geometry, so the map draws the deployment's region file; and the statistician
releases from the deployment's :class:`~civitrace.server.analytics.sources.CaseSource`. Both hang
on ``app.state.stats`` as a :class:`StatsDeployment`, built once on first use; a host embedding
the app (or a test) may put its own there beforehand, as with the console's services.

Without one, the deployment is built from what civitrace ships:

- regions: the demo city's GeoJSON (``civitrace.analytics.data``), the deployment's region file;
- cases: the synthetic demo city when this is the demo deployment (``civitrace serve --demo``
  wrote ``demo.json`` in the data directory), and **none** otherwise. The console's cases carry
  no region or age band yet (see ``docs/analytics.md``), so a real deployment plugs its own
  source in; until then the release screen says so and releases nothing, rather than
  publishing made-up numbers as if they were real.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from civitrace.analytics.regions import RegionSet, demo_regions
from civitrace.server.analytics.sources import CaseSource, SyntheticCaseSource
from civitrace.server.demo import demo_path


@dataclass(frozen=True)
class StatsDeployment:
    """The regions maps are drawn with, and the case data releases count (``None``: none)."""

    regions: RegionSet
    source: CaseSource | None
    synthetic: bool = False  # the source is the synthetic demo city, not real cases


@cache
def shipped_regions() -> RegionSet:
    """The region file that ships with civitrace (parsed once per process)."""
    return demo_regions()


def build_deployment(state: Any) -> StatsDeployment:
    """The default deployment of an app's ``state`` (see the module doc)."""
    regions = shipped_regions()
    if demo_path(state.settings.data_dir).is_file():
        return StatsDeployment(regions, SyntheticCaseSource(regions), synthetic=True)
    return StatsDeployment(regions, None)


def deployment(state: Any) -> StatsDeployment:
    """The app's statistics deployment, built once."""
    found = getattr(state, "stats", None)
    if not isinstance(found, StatsDeployment):
        found = build_deployment(state)
        state.stats = found
    return found
