"""Source leases taken by poll jobs. A job leases its source under an owner that names the job,
so that when its worker dies the scheduler can end exactly that lease (instead of leaving the
source to wait ``[service] lease`` for it to expire) and the retried job polls at once."""

from __future__ import annotations

from sqlalchemy import Connection, update

from monitor.store.database import SOURCE


def job_owner(process: str, job_id: int) -> str:
    """The lease owner of a poll job: the worker process (host:pid), then the job."""
    return f"{process}/job {job_id}"


def release_job_lease(connection: Connection, source_id: str, job_id: int) -> bool:
    """End the lease the poll job ``job_id`` holds on ``source_id``, if it holds one. Only for a
    job whose worker is known dead: a live one would finish its poll alongside the next."""
    released = connection.execute(
        update(SOURCE)
        .where(SOURCE.c.id == source_id, SOURCE.c.lease_owner.like(f"%/job {job_id}"))
        .values(lease_until=None, lease_owner=None)
    )
    return released.rowcount > 0
