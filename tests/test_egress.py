"""Alerts leave through the corporate proxy the environment names (NO_PROXY honoured), and only to
destinations the address guard allows: Slack's API and webhooks, as sources are."""

from __future__ import annotations

import socket
from ipaddress import ip_address

import pytest

from alerts.slack import SlackChannel, slack_client
from alerts.webhook import WebhookChannel
from monitor.egress import Egress
from monitor.errors import ChannelConfigError
from monitor.guard import AddressPolicy, IPAddress
from monitor.proxies import ProxySettings
from tests.cli import slack_messages
from tests.queued import make_alert
from tests.servers import RunningServer


def relayed(proxy: RunningServer) -> list[str]:
    return proxy.control("GET", "/__requests__")


def slack_channel(slack_server: RunningServer, egress: Egress) -> SlackChannel:
    client = slack_client("xoxb-test", f"{slack_server.url}/api/", egress=egress)
    return SlackChannel("default", client, "#regwatch", egress=egress)


def test_slack_and_webhooks_go_through_the_environment_proxy(proxy, slack_server, site):
    egress = Egress.from_allow(["127.0.0.1"], {"HTTP_PROXY": proxy.url})
    slack_channel(slack_server, egress).send(make_alert("k1", "一件目"))
    WebhookChannel("hook", f"{site.url}/hooks/regwatch", egress=egress).send(make_alert("k2", "二件目"))
    assert relayed(proxy) == [f"{slack_server.url}/api/chat.postMessage", f"{site.url}/hooks/regwatch"]
    assert [m["text"].split("\n")[1] for m in slack_messages(slack_server)] == ["一件目"]
    assert [r["body"]["title"] for r in site.requests() if r.get("method") == "POST"] == ["二件目"]


def test_no_proxy_destinations_are_reached_directly(proxy, slack_server, site):
    egress = Egress.from_allow(["127.0.0.1"], {"HTTPS_PROXY": proxy.url, "HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
    slack_channel(slack_server, egress).send(make_alert("k1", "一件目"))
    WebhookChannel("hook", f"{site.url}/hooks/regwatch", egress=egress).send(make_alert("k2", "二件目"))
    assert relayed(proxy) == []
    assert len(slack_messages(slack_server)) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
    ],
)
def test_a_webhook_to_a_refused_address_is_held_before_any_request(proxy, url, reason):
    hook = WebhookChannel("hook", url, egress=Egress.from_allow([], {"HTTP_PROXY": proxy.url}))
    with pytest.raises(ChannelConfigError, match=reason):
        hook.send(make_alert("k1", "一件目"))
    assert relayed(proxy) == []  # the proxy is never asked to reach it


def test_slack_at_a_loopback_address_needs_an_explicit_allow(slack_server):
    with pytest.raises(ChannelConfigError, match="127.0.0.1 is a loopback address"):
        slack_channel(slack_server, Egress.from_allow([], {})).send(make_alert("k1", "一件目"))
    assert slack_messages(slack_server) == []


def test_a_destination_that_did_not_resolve_is_checked_again_once_it_does():
    answers: list[Exception | list[IPAddress]] = [socket.gaierror(socket.EAI_NONAME, "not known"), [ip_address("10.0.0.5")]]

    def resolve(host: str, port: int) -> list[IPAddress]:
        answer = answers.pop(0)  # a third lookup would find none left: an answer is kept once there is one
        if isinstance(answer, Exception):
            raise answer
        return answer

    egress = Egress(AddressPolicy(), ProxySettings({}, {}), resolve=resolve)
    egress.require("https://hooks.example.jp/regwatch", "hook")  # not resolvable here: left to the connection
    for _ in range(2):
        with pytest.raises(ChannelConfigError, match="hooks.example.jp resolves to 10.0.0.5, which is a private address"):
            egress.require("https://hooks.example.jp/regwatch", "hook")
