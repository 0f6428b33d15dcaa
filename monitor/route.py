"""Routing (pure): which channels an event reaches, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.config import RouteConfig
from monitor.items import Classification, EventKind


@dataclass(frozen=True)
class Delivery:
    route: str
    channel: str
    categories: tuple[str, ...]


def route_event(
    routes: Sequence[RouteConfig],
    *,
    source_id: str,
    event: EventKind,
    classification: Classification,
) -> list[Delivery]:
    """One Delivery per channel: the first route that sends the event to a channel names it."""
    deliveries: dict[str, Delivery] = {}
    for route in routes:
        categories = matching_categories(route, source_id=source_id, event=event, classification=classification)
        if not categories:
            continue
        for channel in route.channels:
            deliveries.setdefault(channel, Delivery(route.name, channel, categories))
    return list(deliveries.values())


def matching_categories(
    route: RouteConfig, *, source_id: str, event: EventKind, classification: Classification
) -> tuple[str, ...]:
    """The item's categories this route accepts (empty when the route does not apply)."""
    if event not in route.events:
        return ()
    if "*" not in route.sources and source_id not in route.sources:
        return ()
    return tuple(
        label
        for label in classification.labels
        if ("*" in route.categories or label in route.categories) and classification.scores.get(label, 0.0) >= route.min_score
    )
