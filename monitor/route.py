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
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteDecision:
    route: str
    categories: tuple[str, ...]  # the item's categories this route takes (empty: the route does not apply)
    reasons: tuple[str, ...]  # why it applies or does not
    channels: tuple[str, ...]

    @property
    def applies(self) -> bool:
        return bool(self.categories)


def route_event(
    routes: Sequence[RouteConfig],
    *,
    source_id: str,
    event: EventKind,
    classification: Classification,
) -> list[Delivery]:
    """One Delivery per channel: the first route that sends the event there names it; the
    mentions of every route that sends it there are kept."""
    deliveries: dict[str, Delivery] = {}
    for route in routes:
        decision = decide(route, source_id=source_id, event=event, classification=classification)
        if not decision.applies:
            continue
        for channel in route.channels:
            known = deliveries.get(channel)
            if known is None:
                deliveries[channel] = Delivery(route.name, channel, decision.categories, tuple(route.mention))
            else:
                mentions = tuple(dict.fromkeys([*known.mentions, *route.mention]))
                categories = tuple(dict.fromkeys([*known.categories, *decision.categories]))
                deliveries[channel] = Delivery(known.route, channel, categories, mentions)
    return list(deliveries.values())


def decide(route: RouteConfig, *, source_id: str, event: EventKind, classification: Classification) -> RouteDecision:
    """Whether ``route`` takes the event, with the reason for each of its conditions."""
    reasons: list[str] = []
    applies = True
    if event in route.events:
        reasons.append(f"event {event} is among {', '.join(route.events)}")
    else:
        applies = False
        reasons.append(f"event {event} is not among {', '.join(route.events)}")
    if "*" in route.sources or source_id in route.sources:
        reasons.append(f"source {source_id} matches {', '.join(route.sources)}")
    else:
        applies = False
        reasons.append(f"source {source_id} is not among {', '.join(route.sources)}")
    taken: list[str] = []
    for label in classification.labels:
        score = classification.scores.get(label, 0.0)
        if "*" not in route.categories and label not in route.categories:
            reasons.append(f"category {label} is not among {', '.join(route.categories)}")
        elif score < route.min_score:
            reasons.append(f"category {label} scores {score:.2f}, below min_score {route.min_score:g}")
        else:
            reasons.append(f"category {label} scores {score:.2f} (min_score {route.min_score:g})")
            taken.append(label)
    if not classification.labels:
        reasons.append("the item has no category")
    return RouteDecision(route.name, tuple(taken) if applies else (), tuple(reasons), tuple(route.channels))
