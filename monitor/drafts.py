"""From a classified event to what a poll records (pure): the event, and one alert per channel its
routes reach, each a snapshot of what that channel shows (lead, bureau, attachments, why it came)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.config import Config
from monitor.items import Alert, Change, Classification, EventKind
from monitor.prepared import Prepared
from monitor.record import EventDraft
from monitor.route import Delivery, route_event
from monitor.sources import SourceSpec


@dataclass(frozen=True)
class FoundEvent:
    """An event found among the prepared items (``item_id`` None: a new item)."""

    item_id: int | None
    kind: EventKind
    prepared: Prepared
    changes: tuple[Change, ...] = ()


def event_drafts(config: Config, spec: SourceSpec, found: list[FoundEvent], classified: list[Classification]) -> list[EventDraft]:
    """Route each classified event; the alerts get their keys when recorded."""
    drafts = []
    alert_channels = config.alert_channels  # email channels are digests: they read the store, not the outbox
    for event, result in zip(found, classified, strict=True):
        deliveries = route_event(config.routes, source_id=spec.id, event=event.kind, classification=result)
        alerts = tuple((d, alert_for(event, spec, result, d)) for d in deliveries if d.channel in alert_channels)
        drafts.append(
            EventDraft(
                event.prepared.entry.url,
                event.item_id,
                event.kind,
                event.prepared.content.fingerprint,
                event.changes,
                result,
                alerts,
            )
        )
    return drafts


def alert_for(event: FoundEvent, spec: SourceSpec, result: Classification, delivery: Delivery) -> Alert:
    prepared = event.prepared
    return Alert.of_item(
        event=event.kind,
        item_id=event.item_id or 0,
        source_id=spec.id,
        source_name=spec.name,
        title=" ".join(prepared.content.title_raw.split()),
        url=prepared.entry.raw.link,
        published_at=prepared.published_at,
        categories=delivery.categories,
        scores=result.scores,
        evidence=result.evidence,
        facts=result.facts,
        changes=event.changes,
        mentions=delivery.mentions,
        lead=prepared.lead,
        body_opening=prepared.content.body_raw,
        attributes=prepared.attributes,
        route=delivery.route,
    )
