"""Distributed mode: the same pipeline, run as jobs of a PostgreSQL task queue (procrastinate 3).

``regwatch run`` in distributed mode is the scheduler (``scheduler``): each tick it queues a poll
job for every due source, a delivery job when alerts wait, and a digest job when one is due, and
it puts the jobs of dead workers back in line. ``regwatch worker`` (``worker``), on any number of
machines, runs those jobs (``tasks`` → ``jobs``), calling the functions the embedded service
calls: ``Pipeline.claim`` and ``Pipeline.run_source`` for one source, ``Deliverer.deliver_due``,
``Digests.send_due``.

What keeps work from being done twice:
- a queueing lock per source (``poll:ID``): at most one poll job of a source waits in the queue,
  and the scheduler queues none while one waits or runs;
- the source lease (``Pipeline.claim``): a job polls only a source that is due and not leased,
  so two jobs of one source never poll it at once, and a job retried after its poll was
  recorded polls nothing;
- items unique by URL, and the outbox (one row per event and channel, looked up in Slack before
  any second attempt): a poll repeated after a crash alerts nothing twice.

- ``queue``: the procrastinate app on regwatch's database, task names and locks, deferring once
- ``schema``: the queue's tables, created once by ``regwatch db upgrade`` or at start
- ``due``: what is due (sources without a queued job, alerts, digests), read from the database
- ``tasks``: the queue's tasks, each handing over to ``jobs``
- ``jobs``: what a worker does for a poll, a delivery or a digest job
- ``stalled``: jobs of workers that stopped sending heartbeats, put back in line
- ``worker``, ``scheduler``: the two processes
"""
