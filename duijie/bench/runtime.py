"""What every benchmark needs around the code it measures: throwaway databases, subprocesses with
their own environment, a production server on a free local port, and a description of the machine.

Everything started here is stopped and everything created is removed by the context managers, also
on Ctrl-C and on errors.
"""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

Log = Callable[[str], None]

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    import django

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(terse=True),
        "processor": platform.processor() or platform.machine(),
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the system has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def duijie_command(*args: str) -> list[str]:
    """``duijie ARGS`` with this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-m", "duijie.cli", *args]


def run_checked(cmd: list[str], env: Mapping[str, str], log: Log, *, timeout: float = 1800) -> float:
    """Run a subprocess to completion (its output to our stderr); seconds taken. Raises on failure."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=dict(env), stdout=sys.stderr, stderr=sys.stderr, start_new_session=True)
    try:
        code = process.wait(timeout=timeout)
    except BaseException:  # Ctrl-C, timeout: do not leave it running
        _stop(process, grace=5)
        raise
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd[1:4])} ... exited with status {code}")
    return time.perf_counter() - started


def _stop(process: subprocess.Popen[Any], grace: float) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gunicorn:
    """``duijie.wsgi:application`` under gunicorn on a free 127.0.0.1 port, in its own session (a
    Ctrl-C in the terminal reaches the benchmark, which stops it). ``ensure()`` starts it again if
    something outside stopped it, and counts that in ``restarts``."""

    def __init__(self, env: Mapping[str, str], log: Log, *, workers: int = 2, log_file: Path,
                 ready_path: str = "/healthz", start_timeout: float = 90) -> None:
        self.env, self.log, self.workers, self.log_file = dict(env), log, workers, log_file
        self.ready_path, self.start_timeout = ready_path, start_timeout
        self.port = 0
        self.restarts = -1
        self.process: subprocess.Popen[Any] | None = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure(self) -> int:
        """The port of a running server (started, or restarted if it exited)."""
        if self.alive():
            return self.port
        if self.process is not None:
            self.log(f"  gunicorn exited (status {self.process.returncode}); starting it again. Its log:\n"
                     + _tail(self.log_file, 10))
        self._start()
        self.restarts += 1
        return self.port

    def _start(self) -> None:
        from duijie.bench import loadgen

        self.port = free_port()
        cmd = [
            sys.executable, "-m", "gunicorn", "duijie.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "120",
            "--graceful-timeout", "5", "--error-logfile", str(self.log_file), "--log-level", "warning",
        ]
        with self.log_file.open("ab") as sink:
            self.process = subprocess.Popen(cmd, env=self.env, stdout=sink, stderr=sink, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}:\n" + _tail(self.log_file))
            with contextlib.suppress(OSError):
                status, _ = loadgen.get(self.port, self.ready_path, timeout=5)
                if status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer {self.ready_path} within {self.start_timeout:.0f} s:\n"
                                   + _tail(self.log_file))
            time.sleep(0.2)
        self.log(f"  gunicorn ({self.workers} workers) on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, grace=10)

    def __enter__(self) -> Gunicorn:
        self.ensure()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- PostgreSQL ---------------------------------------------------------------------------------------


def postgres_server_url(explicit: str | None = None) -> str:
    """The server to create throwaway databases on: ``--postgres-url``, else ``DATABASE_URL`` when it
    is PostgreSQL, else the local server."""
    if explicit:
        return explicit
    configured = os.environ.get("DATABASE_URL", "")
    return configured if configured.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES_URL


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5, autocommit=True)


def postgres_reachable(url: str) -> bool:
    try:
        connect(url).close()
    except Exception:  # any failure to connect means "not here"
        return False
    return True


@contextlib.contextmanager
def postgres_database(server_url: str, log: Log, prefix: str = "duijie_bench_") -> Iterator[str]:
    """A new, empty database on the server (dropped at the end); yields its URL."""
    from psycopg import sql

    name = f"{prefix}{secrets.token_hex(4)}"
    with connect(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    log(f"  created PostgreSQL database {name}")
    try:
        yield _with_database(server_url, name)
    finally:
        with connect(server_url) as conn:
            try:  # FORCE (PostgreSQL 13+) ends a connection a killed worker may have left behind
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            except Exception:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        log(f"  dropped PostgreSQL database {name}")
