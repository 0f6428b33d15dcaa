"""Routing: which channels an event reaches, with which mentions, and why (pure functions)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from alerts.slack_blocks import mention_markup, render_message
from monitor.config import RouteConfig, load_settings
from monitor.errors import ConfigError
from monitor.items import Alert, Classification
from monitor.route import decide, route_event

GUIDANCE = Classification(("guidance_notice",), {"guidance_notice": 0.93}, {}, {}, "test")
WEAK_DONATION = Classification(("donation_refund",), {"donation_refund": 0.55}, {}, {}, "test")
BOTH = Classification(("donation_refund", "guidance_notice"), {"donation_refund": 0.9, "guidance_notice": 0.8}, {}, {}, "test")
NOTHING = Classification((), {}, {}, {}, "test")

ROUTES = [
    RouteConfig(name="telecom", categories=["guidance_notice"], min_score=0.6, channels=["telecom"], mention=["S0TELECOM"]),
    RouteConfig(name="politics", categories=["donation_refund"], min_score=0.7, channels=["politics"], mention=["U0EDITOR"]),
    RouteConfig(name="mic-only", categories=["*"], sources=["mic-press"], events=["new"], channels=["telecom"], mention=["here"]),
    RouteConfig(name="morning", categories=["*"], channels=["morning"]),
]


def channels(classification: Classification, source_id: str = "mic-press", event: str = "new") -> dict[str, tuple[str, ...]]:
    deliveries = route_event(ROUTES, source_id=source_id, event=event, classification=classification)  # type: ignore[arg-type]
    return {delivery.channel: delivery.mentions for delivery in deliveries}


def test_each_category_reaches_its_teams_channel_with_its_mentions():
    assert channels(GUIDANCE, source_id="nhk-politics") == {"telecom": ("S0TELECOM",), "morning": ()}
    assert channels(BOTH, source_id="nhk-politics") == {"telecom": ("S0TELECOM",), "politics": ("U0EDITOR",), "morning": ()}


def test_two_routes_to_one_channel_give_one_alert_with_both_routes_mentions():
    deliveries = route_event(ROUTES, source_id="mic-press", event="new", classification=GUIDANCE)
    (telecom,) = [d for d in deliveries if d.channel == "telecom"]
    assert telecom.route == "telecom" and telecom.mentions == ("S0TELECOM", "here")


def test_score_threshold_event_kind_and_source_filters_apply():
    assert "politics" not in channels(WEAK_DONATION)  # 0.55 < min_score 0.7
    assert channels(GUIDANCE, event="updated") == {"telecom": ("S0TELECOM",), "morning": ()}  # mic-only takes new only
    assert channels(NOTHING) == {}


def test_decide_says_why_a_route_does_or_does_not_apply():
    politics = decide(ROUTES[1], source_id="nhk-politics", event="new", classification=WEAK_DONATION)
    assert not politics.applies
    assert "category donation_refund scores 0.55, below min_score 0.7" in politics.reasons
    mic_only = decide(ROUTES[2], source_id="nhk-politics", event="updated", classification=GUIDANCE)
    assert not mic_only.applies
    assert "event updated is not among new" in mic_only.reasons
    assert "source nhk-politics is not among mic-press" in mic_only.reasons
    telecom = decide(ROUTES[0], source_id="nhk-politics", event="new", classification=BOTH)
    assert telecom.applies and telecom.categories == ("guidance_notice",)
    assert "category donation_refund is not among guidance_notice" in telecom.reasons


def test_mentions_render_in_slack_syntax_and_only_from_the_config():
    assert [mention_markup(m) for m in ("U0EDITOR", "S0TELECOM", "here", "@channel")] == [
        "<@U0EDITOR>",
        "<!subteam^S0TELECOM>",
        "<!here>",
        "<!channel>",
    ]
    alert = Alert(
        key="1:telecom",
        event="new",
        item_id=1,
        source_id="mic-press",
        source_name="総務省",
        title="<@U999> に対する行政指導",
        url="https://www.soumu.go.jp/x.html",
        published_at=datetime(2024, 2, 9, tzinfo=timezone.utc),
        categories=("guidance_notice",),
        scores={"guidance_notice": 0.9},
        evidence={},
        facts={
            "amounts_jpy": [2_000_000],
            "organizations": ["北陸通信サービス株式会社"],
            "corporate_numbers": ["1234567890123", "8220001012345"],
            "corporate_number_owners": {"1234567890123": "北陸通信サービス株式会社"},
        },
        mentions=("S0TELECOM",),
    )
    text, blocks = render_message(alert)  # what the Slack channel posts
    assert text.startswith("<!subteam^S0TELECOM> ")
    assert "<@U999>" not in text and "&lt;@U999&gt;" in text
    assert blocks[1]["text"]["text"] == "<!subteam^S0TELECOM>"
    fields = [field["text"] for block in blocks if "fields" in block for field in block["fields"]]
    assert "*金額*\n200万円" in fields and "*事業者*\n北陸通信サービス株式会社（法人番号 1234567890123）" in fields
    assert "*法人番号*\n8220001012345" in fields  # a number with no name next to it stands alone
    assert render_message(alert) == (text, blocks)  # a retry posts what the first try did


@pytest.mark.parametrize("mention", ["<!channel>", "U1", "everyone here", "#general"])
def test_a_mention_that_is_not_a_slack_id_is_refused_by_the_config(tmp_path, mention):
    (tmp_path / "regwatch.toml").write_text(
        f'[[routes]]\nname = "r"\nchannels = ["default"]\nmention = ["{mention}"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"routes\[0\] \(r\)\.mention"):
        load_settings(tmp_path / "regwatch.toml", env={})
