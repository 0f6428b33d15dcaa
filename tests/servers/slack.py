"""A local server that answers like the Slack Web API, for the real slack-sdk client.

    python -m tests.servers.slack [--token xoxb-test] [--channel regwatch=C0REGWATCH ...] [--latency 0.05]

Implements auth.test, chat.postMessage, conversations.history (with message metadata, newest
first, paged by ``limit`` and ``cursor``), conversations.list and conversations.info. A channel
given with ``--outside name=ID`` exists but the bot is not in it: posts there are refused with
``not_in_channel``, as Slack does without the chat:write.public scope. Answers as Slack does (STACK.md): HTTP 200 with ``{"ok": true, ...}``; errors
as HTTP 200 ``{"ok": false, "error": ...}``; rate limits as HTTP 429 with an integer Retry-After.

Control endpoints:
- ``POST /__faults__`` with a list of faults applied, in order, to the next chat.postMessage calls:
  ``{"kind": "error", "error": "channel_not_found"}``, ``{"kind": "http500"}``,
  ``{"kind": "ratelimit", "retry_after": 1}``, ``{"kind": "hang", "seconds": 30}``,
  ``{"kind": "lost_answer"}`` (the message is posted, then the connection is dropped).
- ``POST /__mode__`` ``{"down": true}``: every API call answers HTTP 500 until set back.
- ``GET /__messages__``: every message posted (with ``received_at``, the server's clock when the
  request arrived); ``DELETE /__messages__`` clears them.
``--latency`` delays every chat.postMessage answer, after the message is recorded: a client
killed meanwhile leaves a message it never heard about.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class Workspace:
    def __init__(self, token: str, channels: dict[str, str], latency: float = 0.0, outside: dict[str, str] | None = None) -> None:
        self.token = token
        self.latency = latency
        self.channels = channels  # name → id
        self.outside = outside or {}  # name → id of channels the bot is not a member of
        self.messages: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.down = False
        self.lock = threading.Lock()
        self._last_ts = 0.0

    def channel_id(self, reference: str) -> str | None:
        name = reference.lstrip("#")
        if name in self.channels:
            return self.channels[name]
        return reference if reference in self.channels.values() else None

    def next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"


def make_handler(workspace: Workspace) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (~40 ms), which real servers do not impose.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _arguments(self) -> dict[str, Any]:
            arguments: dict[str, Any] = dict(parse_qsl(urlsplit(self.path).query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if raw:
                if "json" in (self.headers.get("Content-Type") or ""):
                    arguments.update(json.loads(raw))
                else:
                    arguments.update(parse_qsl(raw.decode("utf-8")))
            return arguments

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def do_DELETE(self) -> None:
            if self.path == "/__messages__":
                with workspace.lock:
                    workspace.messages.clear()
                self._json(200, [])

        def _dispatch(self) -> None:
            path = urlsplit(self.path).path
            arguments = self._arguments()
            if path == "/__messages__":
                with workspace.lock:
                    self._json(200, list(workspace.messages))
                return
            if path == "/__faults__":
                with workspace.lock:
                    workspace.faults.extend(arguments.get("faults", []))
                self._json(200, {"queued": len(workspace.faults)})
                return
            if path == "/__mode__":
                workspace.down = bool(arguments.get("down"))
                self._json(200, {"down": workspace.down})
                return
            if not path.startswith("/api/"):
                self._json(404, {"ok": False, "error": "unknown_method"})
                return
            if workspace.down:
                self._json(500, {"ok": False, "error": "internal_error"})
                return
            if self.headers.get("Authorization") != f"Bearer {workspace.token}":
                self._json(200, {"ok": False, "error": "invalid_auth"})
                return
            method = path[len("/api/") :]
            handler = getattr(self, "_api_" + method.replace(".", "_"), None)
            if handler is None:
                self._json(200, {"ok": False, "error": "unknown_method"})
                return
            handler(arguments)

        def _api_auth_test(self, arguments: dict[str, Any]) -> None:
            self._json(200, {"ok": True, "team": "regwatch-test", "user": "regwatch", "bot_id": "B0REGWATCH"})

        def _api_conversations_list(self, arguments: dict[str, Any]) -> None:
            channels = [{"id": cid, "name": name, "is_member": True} for name, cid in workspace.channels.items()]
            channels += [{"id": cid, "name": name, "is_member": False} for name, cid in workspace.outside.items()]
            self._json(200, {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}})

        def _api_conversations_info(self, arguments: dict[str, Any]) -> None:
            channel = str(arguments.get("channel", ""))
            for members, known in ((True, workspace.channels), (False, workspace.outside)):
                for name, cid in known.items():
                    if channel == cid:
                        info = {"id": cid, "name": name, "is_channel": True, "is_archived": False, "is_member": members}
                        self._json(200, {"ok": True, "channel": info})
                        return
            self._json(200, {"ok": False, "error": "channel_not_found"})

        def _api_conversations_history(self, arguments: dict[str, Any]) -> None:
            channel = arguments.get("channel", "")
            if channel not in workspace.channels.values():
                self._json(200, {"ok": False, "error": "channel_not_found"})
                return
            oldest = float(arguments.get("oldest") or 0)
            include_metadata = str(arguments.get("include_all_metadata", "")).lower() in ("1", "true")
            with workspace.lock:
                found = [m for m in workspace.messages if m["channel"] == channel and float(m["ts"]) > oldest]
            limit = int(arguments.get("limit") or 100)
            offset = int(arguments.get("cursor") or 0)  # Slack's cursors are opaque; here, an offset
            newest_first = [
                {k: v for k, v in m.items() if k != "metadata" or include_metadata} | {"type": "message"} for m in reversed(found)
            ]
            page = newest_first[offset : offset + limit]
            more = offset + limit < len(newest_first)
            self._json(
                200,
                {
                    "ok": True,
                    "messages": page,
                    "has_more": more,
                    "response_metadata": {"next_cursor": str(offset + limit) if more else ""},
                },
            )

        def _api_chat_postMessage(self, arguments: dict[str, Any]) -> None:
            received_at = time.time()
            with workspace.lock:
                fault = workspace.faults.pop(0) if workspace.faults else None
            if fault and fault["kind"] == "hang":
                time.sleep(float(fault.get("seconds", 30)))
                self.close_connection = True
                return
            if fault and fault["kind"] == "http500":
                self._json(500, {"ok": False, "error": "internal_error"})
                return
            if fault and fault["kind"] == "ratelimit":
                retry_after = str(int(fault.get("retry_after", 1)))
                self._json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after})
                return
            if fault and fault["kind"] == "error":
                self._json(200, {"ok": False, "error": fault["error"]})
                return
            reference = str(arguments.get("channel", ""))
            if reference.lstrip("#") in workspace.outside or reference in workspace.outside.values():
                self._json(200, {"ok": False, "error": "not_in_channel"})
                return
            channel = workspace.channel_id(reference)
            if channel is None:
                self._json(200, {"ok": False, "error": "channel_not_found"})
                return
            if not arguments.get("text") and not arguments.get("blocks"):
                self._json(200, {"ok": False, "error": "no_text"})
                return
            blocks = arguments.get("blocks")
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            if len(arguments.get("text", "")) > TEXT_LIMIT:
                self._json(200, {"ok": False, "error": "msg_too_long"})
                return
            if blocks and blocks_problem(blocks):
                self._json(200, {"ok": False, "error": "invalid_blocks", "errors": [blocks_problem(blocks)]})
                return
            metadata = arguments.get("metadata")
            message = {
                "channel": channel,
                "ts": None,
                "text": arguments.get("text", ""),
                "blocks": blocks,
                "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
                "thread_ts": arguments.get("thread_ts"),
                "received_at": received_at,
            }
            with workspace.lock:
                message["ts"] = workspace.next_ts()
                workspace.messages.append(message)
            if fault and fault["kind"] == "lost_answer":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if workspace.latency:
                time.sleep(workspace.latency)
            self._json(200, {"ok": True, "channel": channel, "ts": message["ts"], "message": message})

    return Handler


# Slack's limits (api.slack.com/reference/block-kit): a post over them is refused, as Slack does.
TEXT_LIMIT = 40_000
_LIMITS = {"header": 150, "section": 3000, "field": 2000, "context": 3000}


def blocks_problem(blocks: list[dict[str, Any]]) -> str | None:
    if len(blocks) > 50:
        return f"{len(blocks)} blocks (at most 50)"
    for index, block in enumerate(blocks):
        kind = block.get("type")
        texts = [(kind, block["text"]["text"])] if isinstance(block.get("text"), dict) else []
        texts += [("field", field["text"]) for field in block.get("fields", [])]
        texts += [("context", element.get("text", "")) for element in block.get("elements", []) if kind == "context"]
        if len(block.get("fields", [])) > 10:
            return f"block {index}: more than 10 fields"
        for name, text in texts:
            if len(text) > _LIMITS.get(name, 3000):
                return f"block {index}: {name} text of {len(text)} characters (at most {_LIMITS.get(name, 3000)})"
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", default="xoxb-test")
    parser.add_argument("--channel", action="append", default=[], help="name=ID")
    parser.add_argument("--outside", action="append", default=[], help="name=ID of a channel the bot is not in")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    arguments = parser.parse_args()
    channels = dict(pair.split("=", 1) for pair in arguments.channel) or {"regwatch": "C0REGWATCH"}
    server = ThreadingHTTPServer(
        ("127.0.0.1", arguments.port),
        make_handler(
            Workspace(arguments.token, channels, arguments.latency, dict(pair.split("=", 1) for pair in arguments.outside))
        ),
    )
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("READY " + json.dumps({"port": server.server_address[1], "channels": channels}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
