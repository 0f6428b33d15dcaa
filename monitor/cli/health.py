"""``regwatch health [--ready] [--worker | --dashboard]``: ask the running service's endpoint
(``[metrics]`` host and port, or worker_port for a ``regwatch worker``) whether it is live
(/healthz) or ready (/readyz), or the dashboard (``[dashboard]`` host and port) whether it and its
database answer; exit 0 or 1. Docker's HEALTHCHECK calls it, so the image needs no curl. Plain
http.client: no proxy from the environment applies to loopback."""

from __future__ import annotations

import sys

import click

from monitor.cli.app import CliError, Context, main, pass_context

# A service bound to every address is asked on loopback.
_ANY = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


@main.command("health")
@click.option("--ready", is_flag=True, help="Ask /readyz (database answers, migrations at head) instead of /healthz.")
@click.option("--worker", is_flag=True, help="Ask the `regwatch worker` on [metrics] worker_port instead of the service.")
@click.option("--dashboard", is_flag=True, help="Ask `regwatch serve` on [dashboard] port whether it and its database answer.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for the answer.")
@pass_context
def health(context: Context, ready: bool, worker: bool, dashboard: bool, timeout: float) -> None:
    """Exit 0 when the running service is live (the scheduler ticks; a worker's heartbeat with
    --worker), or ready with --ready, or the dashboard and its database answer with --dashboard; else 1."""
    import http.client

    config = context.settings().config
    if dashboard:
        host, port = config.dashboard.host, config.dashboard.port
    else:
        key, port = ("worker_port", config.metrics.worker_port) if worker else ("port", config.metrics.port)
        if port == 0:
            raise CliError(f"the health endpoint is off ([metrics] {key} = 0)")
        host = config.metrics.host
    host = _ANY.get(host, host)
    path = "/readyz" if ready and not dashboard else "/healthz"
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        answer = response.read().decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException) as exc:
        click.echo(f"regwatch does not answer on http://{host}:{port}{path}: {exc}", err=True)
        sys.exit(1)
    finally:
        connection.close()
    click.echo(f"{path}: {response.status} {answer}")
    sys.exit(0 if response.status == 200 else 1)
