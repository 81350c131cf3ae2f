"""What the visitor's pages need to know about the deployment they are served by.

- ``health_authority_id``: the ``healthAuthorityID`` the positive-test page submits under;
- ``device_api_key``: a DEVICE API key **meant to be public**, embedded in the positive-test
  page so a browser can call ``/api/verify`` and ``/api/certificate`` as an app does. It grants
  nothing a phone app's key would not (it only exchanges codes a person was given), and an
  operator can revoke and replace it like any other key;
- ``regions``: the regions whose hourly warning packages every visitor's browser downloads.

The section is read from ``Settings.pages`` (``CIVITRACE_PAGES__…``) once the server's settings
object carries it. Until then, and in any deployment that leaves it empty, a demo deployment's
``demo.json`` (written by ``civitrace serve --demo``) supplies the three values, so the demo
works end to end; otherwise the pages say that sharing and warnings are not set up here.
"""

from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import Request

# This module imports nothing of the server at load time, so that the server's settings object
# can carry :class:`PageSettings` as its ``pages`` section without an import cycle.

MAX_REGIONS: Final = 16  # each region costs every visitor's device a download per hour
_STATE_KEY: Final = "presence_pages"  # where the resolved section is cached on app.state


class PageSettings(BaseModel):
    """The deployment facts the visitor's pages embed (nothing here is secret)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    health_authority_id: str | None = Field(
        default=None, max_length=200, description="healthAuthorityID of report submissions"
    )
    device_api_key: str | None = Field(
        default=None,
        max_length=200,
        description="a public DEVICE API key for the positive-test page (revocable)",
    )
    regions: tuple[str, ...] = Field(
        default=(), description="regions whose warning packages devices download"
    )

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        from civitrace.server.exports.config import REGION  # noqa: PLC0415 - see above

        if len(regions) > MAX_REGIONS:
            raise ValueError(f"at most {MAX_REGIONS} regions")
        for region in regions:
            if not REGION.match(region):
                raise ValueError(f"{region!r} is not an ISO 3166 region code")
        return regions

    @property
    def can_submit(self) -> bool:
        """Whether the positive-test page can send check-ins from this deployment."""
        return bool(self.health_authority_id and self.device_api_key)


def _from_demo(settings: Any) -> PageSettings | None:
    from civitrace.server.demo import DemoError, demo_path, read_demo  # noqa: PLC0415 - see above

    data_dir = getattr(settings, "data_dir", None)
    if data_dir is None:
        return None
    try:
        document = read_demo(demo_path(data_dir))
    except DemoError:
        return None
    if document is None:
        return None
    try:
        return PageSettings(
            health_authority_id=document.get("health_authority_id"),
            device_api_key=document.get("device_api_key"),
            regions=(document["region"],) if document.get("region") else (),
        )
    except ValueError:
        return None


def resolve(settings: Any) -> PageSettings:
    """The ``pages`` section of ``settings``, else a demo deployment's values, else empty."""
    section = getattr(settings, "pages", None)
    if isinstance(section, PageSettings) and (section.regions or section.can_submit):
        return section
    return _from_demo(settings) or PageSettings()


def page_settings(request: Request) -> PageSettings:
    """The pages' settings for the app serving ``request``, resolved once per app."""
    state = request.app.state
    found = getattr(state, _STATE_KEY, None)
    if not isinstance(found, PageSettings):
        found = resolve(getattr(state, "settings", None))
        setattr(state, _STATE_KEY, found)
    return found
