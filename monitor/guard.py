"""The address guard: which addresses a fetch may connect to (pure; the network layer applies it).

A source URL, a redirect or a detail link written by someone else must not reach the machine's
own services, the private network or a cloud metadata endpoint. Every address a host name
resolves to is checked, whatever the spelling (decimal ``2130706433`` and hexadecimal ``0x7f.1``
resolve to ``127.0.0.1`` first; dotted octal is not even a valid URL), and IPv4 addresses
wrapped in IPv6 (mapped ``::ffff:127.0.0.1``, compatible ``::7f00:1``, SIIT, 6to4, NAT64) are
checked as the IPv4 address they carry.

Operators open holes explicitly with ``[fetch] allow``: CIDRs or addresses (``10.1.2.0/24``,
``127.0.0.1``) and host names (``intranet.example.jp``, ``*.corp.example.jp``). A host allowed by
name may resolve anywhere; any other host must resolve to public addresses or allowed ones.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")

# Each range a fetch may not reach unless allowed, with the name an operator reads in the error.
_REFUSED_RANGES: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), label)
    for network, label in (
        ("0.0.0.0/8", "an unspecified (this-network) address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a shared (CGNAT) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address (cloud metadata lives here)"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/8", "a reserved address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard address"),
        ("2001::/23", "an IETF protocol address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique-local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    )
)
# IPv6 ranges whose last 32 bits are an IPv4 address: NAT64, SIIT, and the old IPv4-compatible form.
_CARRYING_IPV4 = tuple(ipaddress.ip_network(network) for network in ("64:ff9b::/96", "::ffff:0:0/96", "::/96"))
_HOST_NAME = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$")


def carried_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if int(address) > 1 and any(address in network for network in _CARRYING_IPV4):  # not :: or ::1
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refused_range(address: IPAddress) -> str | None:
    """Why ``address`` is not public (``"a loopback address"``), or None when it is."""
    address = carried_ipv4(address)
    for network, label in _REFUSED_RANGES:
        if address.version == network.version and address in network:
            return label
    if not address.is_global:
        return "a non-public address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """What ``[fetch] allow`` opens beyond the public internet."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()  # exact names
    suffixes: tuple[str, ...] = ()  # ".corp.example.jp" from "*.corp.example.jp"

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AddressPolicy:
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        suffixes: list[str] = []
        for entry in entries:
            parsed = parse_allow_entry(entry)
            if isinstance(parsed, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
                networks.append(parsed)
            elif parsed.startswith("*."):
                suffixes.append(parsed[1:])
            else:
                hosts.add(parsed)
        return cls(tuple(networks), frozenset(hosts), tuple(suffixes))

    def host_allowed(self, host: str) -> bool:
        """Whether ``host`` is allowed by name (then any address it resolves to is)."""
        name = host.lower().rstrip(".")
        return name in self.hosts or any(name.endswith(suffix) for suffix in self.suffixes)

    def refusal(self, host: str, address: IPAddress) -> str | None:
        """Why connecting to ``address`` (resolved from ``host``) is refused, or None when allowed."""
        if self.host_allowed(host):
            return None
        plain = carried_ipv4(address)
        if any(plain.version == network.version and plain in network for network in self.networks):
            return None
        reason = refused_range(address)
        if reason is None:
            return None
        shown = f"{address} is" if host.strip("[]") == str(address) else f"{host} resolves to {address}, which is"
        return f"{shown} {reason}; regwatch fetches only public addresses unless [fetch] allow lists it"


def parse_allow_entry(entry: str) -> IPNetwork | str:
    """An address or CIDR as a network, or a host name (``*.`` prefix for a whole domain) in lower case."""
    text = entry.strip().lower()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    if not _HOST_NAME.match(text):
        raise ValueError(f"{entry!r} is neither an address, a CIDR (10.0.0.0/8) nor a host name (*.example.jp)")
    return text.rstrip(".")
