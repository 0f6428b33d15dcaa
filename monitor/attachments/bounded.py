"""Reading an attachment in a child process with hard bounds: wall time, CPU time and memory.

A parser cannot be interrupted from inside (a PDF stream that inflates to gigabytes, a sheet of a
million rows), so each file is read by ``python -m monitor.attachments.child``, which limits its
own address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``) before it reads a byte, and is
killed by its own pid when it outlives ``timeout``. A child imports only the parsers (about
0.4 s of CPU): attachments are few (those of new and changed releases), and a crash, a hang or a
runaway allocation stays in the child. Whatever happens there, the caller gets the text or an
AttachmentError saying which bound was hit.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass

from monitor.errors import AttachmentError

# The child's interpreter start and imports, on top of the reading time the config allows.
_START_SECONDS = 10.0
# Readers at once in this process: each may map attachments.max_memory.
_READERS = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class Bounds:
    timeout: float  # seconds of reading, wall clock and CPU
    max_memory: int  # bytes of address space the child may map
    max_chars: int  # characters of text kept
    max_inflated: int  # bytes an Excel file's zip members may inflate to


def read_bounded(data: bytes, kind: str, bounds: Bounds) -> str:
    """The text of ``data`` (a ``kind`` file), read in a bounded child process."""
    with _READERS:
        return _read(data, kind, bounds)


def _read(data: bytes, kind: str, bounds: Bounds) -> str:
    header = json.dumps({"kind": kind, **asdict(bounds)}).encode() + b"\n"
    child = subprocess.Popen(
        [sys.executable, "-m", "monitor.attachments.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        output, _ = child.communicate(header + data, timeout=bounds.timeout + _START_SECONDS)
    except subprocess.TimeoutExpired:
        raise AttachmentError(f"reading took longer than {bounds.timeout:g}s (attachments.timeout)") from None
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    try:
        answer = json.loads(output)
    except ValueError:
        raise AttachmentError(_death(child.returncode, bounds)) from None
    if "error" in answer:
        raise AttachmentError(answer["error"])
    return str(answer["text"])


def _death(returncode: int | None, bounds: Bounds) -> str:
    """Why a child that gave no answer died: its CPU bound (SIGXCPU), else most likely its memory."""
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"reading used more than {bounds.timeout:g}s of CPU (attachments.timeout)"
    return f"the reader died (exit {returncode}), most likely over attachments.max_memory ({bounds.max_memory:,} bytes)"
