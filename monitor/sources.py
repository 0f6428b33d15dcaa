"""Configured sources resolved into what the pipeline runs: scraper, detail parser, options, filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

import scrapers
from monitor.config import Config, SourceConfig
from monitor.patterns import Pattern


@dataclass(frozen=True)
class SourceSpec:
    id: str
    name: str
    url: str
    interval: float
    jitter: float
    enabled: bool
    scraper: scrapers.ListScraper
    detail: scrapers.DetailParser | None
    options: BaseModel
    include_links: tuple[Pattern, ...]
    exclude_links: tuple[Pattern, ...]

    @property
    def kind(self) -> str:
        return self.scraper.kind

    def keeps(self, link: str) -> bool:
        """Whether an item linked as ``link`` belongs to this source (include/exclude patterns);
        raises PatternTimeoutError when a pattern exceeds its time budget."""
        if self.include_links and not any(pattern.search(link) for pattern in self.include_links):
            return False
        return not any(pattern.search(link) for pattern in self.exclude_links)

    def page_urls(self, today: date) -> list[str]:
        return self.scraper.page_urls(self.url, self.options, today)


def resolve(source: SourceConfig, index: int = 0) -> SourceSpec:
    scraper = scrapers.get_list_scraper(source.kind)
    detail_kind = scraper.default_detail if source.detail is None else source.detail
    return SourceSpec(
        id=source.id,
        name=source.name or source.id,
        url=source.url,
        interval=source.interval,
        jitter=source.jitter,
        enabled=source.enabled,
        scraper=scraper,
        detail=scrapers.get_detail_parser(detail_kind) if detail_kind else None,
        options=scraper.options.model_validate(source.options),
        include_links=tuple(Pattern.compile(p, f"sources[{index}] ({source.id}).include_links") for p in source.include_links),
        exclude_links=tuple(Pattern.compile(p, f"sources[{index}] ({source.id}).exclude_links") for p in source.exclude_links),
    )


def resolve_all(config: Config) -> dict[str, SourceSpec]:
    return {source.id: resolve(source, index) for index, source in enumerate(config.sources)}
