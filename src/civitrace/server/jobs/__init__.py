"""Batch jobs run from cron or any scheduler: one host at a time per job (DESIGN §2).

- :mod:`.lock` — :func:`job_lock`, the cross-host lock every batch job takes;
- :mod:`.settings` — settings sections of the retention and federation jobs.
"""

from civitrace.server.jobs.lock import JOB_BUSY_EXIT_CODE, JobAlreadyRunningError, job_lock

__all__ = ["JOB_BUSY_EXIT_CODE", "JobAlreadyRunningError", "job_lock"]
