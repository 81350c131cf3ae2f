"""Retention enforced by ``serve`` itself, on a timer.

Deletion must not depend on an operator remembering to set up cron: every ``serve`` process
runs the same job as ``civitrace retention run`` every ``retention.run_every`` (default hourly;
``0`` leaves it to cron). The job lock makes this safe with many processes and with cron
alongside: whoever holds the lock enforces, the others skip that round. The first round comes
one interval after start-up, so restarts do not pile up runs.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import Engine

from civitrace.server.exports.storage import open_storage
from civitrace.server.jobs.lock import JobAlreadyRunningError
from civitrace.server.retention import RetentionReport, run_retention
from civitrace.server.settings import Settings

logger = logging.getLogger("civitrace.server.scheduler")


def enforce_retention(
    engine: Engine, settings: Settings, now: datetime | None = None
) -> RetentionReport:
    """One round of ``civitrace retention run`` with the server's settings."""
    return run_retention(
        engine,
        settings.retention,
        now=now,
        exports=settings.exports,
        storage=open_storage(settings.exports, settings.data_dir),
        governance=settings.governance,
        presence=settings.presence,
    )


async def enforce_periodically(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Enforce retention every ``settings.retention.run_every`` until ``stop`` is set; a failed
    round is logged and the next one still runs (it never stops the server). A round in
    progress when ``stop`` is set finishes first, so its connection is returned, not leaked."""
    interval = settings.retention.run_every.total_seconds()
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
        else:
            return
        try:
            report = await asyncio.to_thread(enforce_retention, engine, settings)
        except JobAlreadyRunningError:
            logger.info("retention: another process holds the job lock; skipped this round")
        except Exception:
            logger.exception("retention: this round failed; the next one runs as planned")
        else:
            deleted = sum(report.counts.values())
            logger.info("retention: %d records deleted", deleted, extra={"counts": report.counts})


@asynccontextmanager
async def retention_timer(engine: Engine, settings: Settings) -> AsyncIterator[None]:
    """Run :func:`enforce_periodically` for the lifetime of the app (not at all when
    ``run_every`` is zero)."""
    if not settings.retention.run_every:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(enforce_periodically(engine, settings, stop), name="retention")
    try:
        yield
    finally:
        stop.set()
        await task
