"""A TCP forwarder on loopback: stop it and whatever is behind it (PostgreSQL) is gone for its clients.

    python -m tests.servers.forward --to 127.0.0.1:5432 [--port 0] [--listen 127.0.0.1]

A new forwarder started on the same port brings it back: an outage and its end, on demand.
``--listen`` another local address (a Docker network's gateway) lets containers reach a server
that listens on loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(listen: str, port: int, host: str, target_port: int) -> None:
    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    server = await asyncio.start_server(forward, listen, port, reuse_address=True)
    print("READY " + json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--to", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--listen", default="127.0.0.1")
    arguments = parser.parse_args()
    host, target_port = arguments.to.rsplit(":", 1)
    # Gone at once, connections and all, as a server that dies is.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(serve(arguments.listen, arguments.port, host, int(target_port)))


if __name__ == "__main__":
    main()
