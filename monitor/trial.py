"""Trying a source before relying on it (``regwatch sources test``): fetch it once, parse it, fetch
a few detail pages, classify and route what it lists, and show all of that. Nothing is stored,
nothing is sent, no ETag is kept: the same code as a poll, without the recording."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor import extract
from monitor.classification import Classifier
from monitor.config import Settings, SourceConfig
from monitor.diff import list_entries
from monitor.errors import RegwatchError
from monitor.fetch import Fetcher
from monitor.jpdates import JST, format_jst, utcnow
from monitor.prepared import document, from_article, from_listing
from monitor.route import route_event
from monitor.sources import SourceSpec, resolve, resolve_all
from monitor.watch import classify_watched, watchlist


@dataclass
class TrialItem:
    title: str
    link: str
    published_at: datetime | None
    labels: dict[str, float]
    channels: list[str]
    detail: str  # "detail page read", or why not


@dataclass
class Trial:
    source: SourceSpec
    pages: list[str] = field(default_factory=list)  # "URL: status, bytes"
    listed: int = 0
    items: list[TrialItem] = field(default_factory=list)
    error: str | None = None

    def text(self) -> str:
        lines = [f"{self.source.id}: {self.source.kind} {self.source.url}"]
        lines += [f"  fetched {page}" for page in self.pages]
        if self.error:
            return "\n".join([*lines, f"  FAILED: {self.error}"])
        lines.append(f"  {self.listed} item(s) listed; the first {len(self.items)}:")
        for item in self.items:
            labels = ", ".join(f"{name} {score:.2f}" for name, score in item.labels.items()) or "no category"
            lines += [
                f"  - {item.title}",
                f"    {format_jst(item.published_at) if item.published_at else 'no date'}  {item.link}",
                f"    {item.detail}; {labels}; → {', '.join(item.channels) or 'no channel'}",
            ]
        return "\n".join(lines)


def source_to_try(settings: Settings, source: str | None, preset: str | None = None, url: str | None = None) -> SourceSpec:
    """A configured source by id, a URL read as a feed with the default detail parser, or a preset
    of the catalog (at ``url`` instead of its own when given)."""
    if preset is not None:
        return resolve(SourceConfig.model_validate({"preset": preset, **({"url": url} if url else {})}))
    configured = resolve_all(settings.config)
    if source in configured:
        return configured[source]
    if source and source.startswith(("http://", "https://")):
        return resolve(SourceConfig(id="trial", name="trial", kind="feed", url=source))
    raise KeyError(f"no source {source!r}; configured: {', '.join(configured) or 'none'} (or give a URL, or --preset NAME)")


async def try_source(settings: Settings, spec: SourceSpec, limit: int, classifier: Classifier) -> Trial:
    trial = Trial(spec)
    fetcher = Fetcher(settings.config.fetch, proxies=settings.proxies)
    try:
        pages = [await fetcher.get(url) for url in spec.page_urls(utcnow().astimezone(JST).date())]
        trial.pages = [f"{page.url}: HTTP {page.status}, {len(page.content):,} bytes" for page in pages]
        entries = list_entries(await extract.list_items(spec, pages), spec.scraper.canonicalize)
        trial.listed = len(entries)
        prepared = []
        for entry in entries[:limit]:
            if spec.detail is None:
                prepared.append((from_listing(entry), "no detail page (the list entry is the item)"))
                continue
            result = await extract.fetch_article(fetcher, spec, entry.raw.link)
            if result.article is not None:
                prepared.append((from_article(entry, result.article), "detail page read"))
            else:
                prepared.append((from_listing(entry), f"detail page failed ({result.error}); the list entry is used"))
    except RegwatchError as exc:
        trial.error = str(exc)
        return trial
    finally:
        await fetcher.aclose()
    watch = watchlist(settings.config.watch)
    results = classify_watched(classifier, watch, [document(spec.id, item) for item, _ in prepared])
    for (item, detail), result in zip(prepared, results, strict=True):
        routes = route_event(settings.config.routes, source_id=spec.id, event="new", classification=result)
        trial.items.append(
            TrialItem(
                " ".join(item.content.title_raw.split()),
                item.entry.raw.link,
                item.published_at,
                {label: result.scores[label] for label in result.labels},
                [delivery.channel for delivery in routes],
                detail,
            )
        )
    return trial
