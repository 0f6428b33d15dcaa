"""Reading a running regwatch's /metrics (and its probes) as Prometheus would: the exposition
parsed by prometheus_client, samples summed by the labels a test names."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=15, trust_env=False)
    except httpx.TransportError:
        return None  # not listening yet


def scrape(port: int) -> Samples:
    response = get(port, "/metrics")
    assert response is not None and response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(value for (sample, found), value in samples.items() if sample == name and wanted <= found)
