"""Fetching and reading the attachments of the articles a poll fetched (the I/O edge of attachments).

Each readable attachment (of ``attachments.types``, the first ``max_per_item`` of an article) is
fetched through the poll's Fetcher, so the address guard, robots.txt, the host's politeness and a
size cap (``attachments.max_bytes``) apply as to pages, then read in a bounded child process.
A failure is the attachment's, never the item's: it is kept with the reason and the item goes on
to be alerted. What is not read by the poll's deadline is left unread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from monitor.attachments.bounded import Bounds, read_bounded
from monitor.config import AttachmentsConfig
from monitor.details import DetailResult
from monitor.errors import AttachmentError, FetchError
from monitor.fetch import BodyLimit, Fetcher
from monitor.items import AttachmentText
from monitor.text import without_controls

logger = logging.getLogger(__name__)

# Excel files are zip archives: what their members may inflate to, as a multiple of max_bytes.
_INFLATION = 20


def readable(listed: Sequence[Mapping[str, Any]], config: AttachmentsConfig) -> list[tuple[str, str, str]]:
    """(url, label, type) of the attachments to read: of a configured type (by the recorded type,
    else the link's extension), the first ``max_per_item``."""
    chosen: dict[str, tuple[str, str, str]] = {}  # by URL: a page may link one file twice
    for attachment in listed:
        url = str(attachment.get("url") or "")
        kind = str(attachment.get("type") or url.split("?", 1)[0].rsplit(".", 1)[-1]).lower()
        if url and kind in config.types:
            chosen.setdefault(url, (url, str(attachment.get("label") or ""), kind))
    return list(chosen.values())[: config.max_per_item]


async def with_attachments(
    fetcher: Fetcher,
    config: AttachmentsConfig,
    results: dict[str, DetailResult],
    deadline: float,
    read_before: Mapping[str, tuple[str, str]],
) -> dict[str, DetailResult]:
    """``results`` with the attachments of each fetched article read, by ``deadline`` (loop time).
    ``read_before``: url → (sha256, text) of the files read by an earlier poll."""
    if not config.enabled:
        return results
    wanted = {
        key: readable(result.article.attributes.get("attachments") or (), config)
        for key, result in results.items()
        if result.article is not None
    }
    tasks = {
        (key, url): asyncio.create_task(read_attachment(fetcher, config, url, label, kind, read_before.get(url)))
        for key, chosen in wanted.items()
        for url, label, kind in chosen
    }
    if not tasks:
        return results
    try:
        remaining = deadline - asyncio.get_running_loop().time()
        await asyncio.wait(tasks.values(), timeout=max(remaining, 0.0))
    finally:
        for task in tasks.values():
            task.cancel()
    read = dict(results)
    for key, chosen in wanted.items():
        texts = tuple(_outcome(tasks[key, url], url, label, kind) for url, label, kind in chosen)
        read[key] = replace(results[key], attachments=texts)
    return read


def _outcome(task: asyncio.Task[AttachmentText], url: str, label: str, kind: str) -> AttachmentText:
    if task.done() and not task.cancelled():
        return task.result()
    return AttachmentText(url, label, kind, error="not read within service.poll_deadline")


async def read_attachment(
    fetcher: Fetcher, config: AttachmentsConfig, url: str, label: str, kind: str, read_before: tuple[str, str] | None
) -> AttachmentText:
    """One attachment fetched and read, or the reason it could not be. A file whose bytes are those
    read before (``read_before``: their sha256 and text) keeps that text: reading one takes a child
    process and a quarter of a second of CPU, on every fetch of a revised page that links it."""
    try:
        page = await fetcher.get(url, limit=BodyLimit(config.max_bytes, "attachments.max_bytes"))
    except FetchError as exc:  # one larger than its limit is said so, naming the key that set it
        return AttachmentText(url, label, kind, error=str(exc))
    digest = hashlib.sha256(page.content).hexdigest()
    if read_before is not None and read_before[0] == digest:
        return AttachmentText(url, label, kind, digest, len(page.content), read_before[1])
    bounds = Bounds(config.timeout, config.max_memory, config.max_chars, config.max_bytes * _INFLATION)
    try:
        text = await asyncio.to_thread(read_bounded, page.content, kind, bounds)
    except AttachmentError as exc:
        logger.info("%s: attachment not read: %s", url, exc)
        return AttachmentText(url, label, kind, digest, len(page.content), error=str(exc))
    return AttachmentText(url, label, kind, digest, len(page.content), without_controls(text))
