"""The child process that reads one attachment (see monitor.attachments.bounded).

Standard input: one JSON line (kind and bounds), then the file's bytes. Standard output: one JSON
object, ``{"text": ...}`` or ``{"error": ...}``. The bounds are set before anything is read.
"""

from __future__ import annotations

import json
import resource
import sys


def main() -> None:
    header = json.loads(sys.stdin.buffer.readline())
    cpu = max(1, int(header["timeout"] + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (header["max_memory"], header["max_memory"]))
    data = sys.stdin.buffer.read()
    kind = header["kind"]
    try:
        from monitor.attachments.extract import extract_text
        from monitor.errors import AttachmentError

        try:
            answer = {"text": extract_text(data, kind, max_chars=header["max_chars"], max_inflated=header["max_inflated"])}
        except AttachmentError as exc:
            answer = {"error": str(exc)}
    except MemoryError:
        answer = {"error": f"reading needed more than attachments.max_memory ({header['max_memory']:,} bytes)"}
    except RecursionError:
        answer = {"error": "the file nests too deeply to be read"}
    except Exception as exc:  # a parser's own failure on a malformed file: the file's fault, said plainly
        answer = {"error": f"unreadable .{kind} file ({exc.__class__.__name__}: {exc})"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main()
