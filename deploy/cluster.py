"""Run the course for a class: N Streamlit processes behind HAProxy, sticky per learner.

    python deploy/cluster.py --processes 2 --port 8501 --bind 0.0.0.0

starts N ``streamlit run app.py`` processes on consecutive loopback ports (``--port`` + 1
… + N by default), writes HAProxy's configuration from ``deploy/haproxy.cfg`` and starts
HAProxy (Debian: ``apt-get install haproxy``) on ``--bind``:``--port`` in front of them.
Ctrl-C (or SIGTERM) stops them all. A Streamlit process that dies is started again.

One Python process runs one page at a time (the GIL), so a machine gives about one
process's worth of page runs per core: use as many processes as cores. Streamlit is
only ever reached through the balancer (its processes listen on 127.0.0.1); the
balancer listens on 127.0.0.1 unless ``--bind`` says otherwise (0.0.0.0: every network
interface, so learners' browsers on the room's network can reach it).

Importable: ``benchmarks/load.py`` and ``tests/deploy`` start a :class:`Cluster`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().with_name("haproxy.cfg")
HEALTH = "/_stcore/health"


def streamlit_command(
    port: int, python: str = sys.executable, options: dict[str, str] | None = None
) -> list[str]:
    """One course process on 127.0.0.1:``port``, as the balancer's backend.

    XSRF protection and CORS stay on (Streamlit's defaults): HAProxy passes the
    browser's Host header through unchanged, so the browser's requests and its
    websocket are same-origin for every process, and the XSRF cookie is checked against
    the header by the process the cookie SERVERID pins the learner to. (A shared
    cookie secret, in the environment: :func:`streamlit_env`, keeps any signed cookie
    valid on every process.)
    """
    return [
        python,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",  # a class's server does not watch its source files for edits
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        # Streamlit's default runs a full garbage collection after every script run: with
        # the course's figures and caches in memory that is about half of a page run's
        # CPU (benchmarks/profile_runs.py). Python's own collector still runs, and the
        # soak (benchmarks/load.py --soak) shows memory levelling off without it.
        "--runner.postScriptGC",
        "false",
    ] + [arg for key, value in (options or {}).items() for arg in (f"--{key}", value)]


def streamlit_env(cookie_secret: str) -> dict[str, str]:
    """The environment of every process: one cookie secret for all (Streamlit takes it
    from the environment or a config file, never from the command line)."""
    return {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}


def render_config(bind: str, port: int, backends: list[tuple[str, int]]) -> str:
    """HAProxy's configuration for the balancer on ``bind:port`` and these backends."""
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{backend_port} check cookie {name}"
        for name, backend_port in backends
    )
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        BIND=bind, PORT=port, SERVERS=servers
    )


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(count: int, low: int = 20000, high: int = 60000) -> int:
    """The first of ``count`` consecutive free loopback ports (for tests and benchmarks)."""
    rng = secrets.SystemRandom()
    for _ in range(200):
        base = rng.randrange(low, high - count)
        if all(port_is_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no block of {count} free ports found")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: a child gets SIGTERM when this process dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Cluster:
    """N Streamlit processes and, unless ``balancer`` is False, HAProxy in front."""

    processes: int = 2
    port: int = 8501  # the balancer's (or, without one, the single process's) port
    backend_port: int | None = None  # first backend port; default port + 1
    bind: str = "127.0.0.1"
    balancer: bool = True
    logs: Path | None = None  # a folder for the logs; default a new temporary one
    python: str = sys.executable
    cookie_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    options: dict[str, str] = field(default_factory=dict)  # more Streamlit options
    servers: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)
    haproxy: subprocess.Popen | None = field(default=None, init=False)
    restarts: dict[str, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.processes < 1:
            raise ValueError("processes must be at least 1")
        if not self.balancer and self.processes != 1:
            raise ValueError("more than one process needs the balancer")
        if self.backend_port is None:
            self.backend_port = self.port + 1 if self.balancer else self.port
        if self.logs is None:
            self.logs = Path(tempfile.mkdtemp(prefix="course-cluster-"))
        self.logs.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ addresses
    @property
    def backends(self) -> list[tuple[str, int]]:
        return [(f"st{i + 1}", self.backend_port + i) for i in range(self.processes)]

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "127.0.0.1", "") else self.bind
        return f"http://{host}:{self.port}"

    def server_pids(self) -> list[int]:
        return [proc.pid for proc in self.servers.values() if proc.poll() is None]

    def config(self) -> str:
        return render_config(self.bind, self.port, self.backends)

    # ------------------------------------------------------------------ life cycle
    def _start_server(self, name: str, port: int) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        self.servers[name] = subprocess.Popen(
            streamlit_command(port, self.python, self.options),
            cwd=ROOT,
            env=streamlit_env(self.cookie_secret),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches this script, which stops them in order
            preexec_fn=_die_with_parent,
        )
        log.close()

    def _wait(self, url: str, proc: subprocess.Popen, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited early (code {proc.returncode}); see {self.logs}")
            if _healthy(url):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{what} was not healthy after {timeout:.0f} s; see {self.logs}")

    def start(self, timeout: float = 120.0) -> Cluster:
        if self.balancer and shutil.which("haproxy") is None:
            raise RuntimeError("haproxy is not installed (Debian: apt-get install haproxy)")
        try:
            for name, port in self.backends:
                self._start_server(name, port)
            for name, port in self.backends:
                self._wait(f"http://127.0.0.1:{port}{HEALTH}", self.servers[name], name, timeout)
            if self.balancer:
                cfg = self.logs / "haproxy.cfg"
                cfg.write_text(self.config(), encoding="utf-8")
                check = subprocess.run(
                    ["haproxy", "-c", "-q", "-f", str(cfg)], capture_output=True, text=True
                )
                if check.returncode != 0:
                    raise RuntimeError(f"bad HAProxy configuration:\n{check.stderr}")
                log = open(self.logs / "haproxy.log", "ab")  # noqa: SIM115
                self.haproxy = subprocess.Popen(
                    ["haproxy", "-db", "-f", str(cfg)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
                log.close()
                self._wait(f"{self.url}{HEALTH}", self.haproxy, "haproxy", 30)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """The balancer first (no new requests), then every Streamlit process."""
        procs = ([self.haproxy] if self.haproxy else []) + list(self.servers.values())
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def restart_dead_servers(self, limit: int = 5) -> list[str]:
        """Start again any Streamlit process that has exited (at most ``limit`` times
        each: one that keeps dying stays down, out of HAProxy's rotation); their names."""
        dead = [
            name
            for name, proc in self.servers.items()
            if proc.poll() is not None and self.restarts.get(name, 0) < limit
        ]
        ports = dict(self.backends)
        for name in dead:
            self.restarts[name] = self.restarts.get(name, 0) + 1
            self._start_server(name, ports[name])
        return dead

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--port", type=int, default=8501, help="the balancer's port")
    parser.add_argument("--bind", default="127.0.0.1", help="the balancer's address")
    parser.add_argument(
        "--backend-port", type=int, default=None, help="first Streamlit port (default port+1)"
    )
    parser.add_argument("--logs", type=Path, default=None, help="folder for the logs")
    parser.add_argument(
        "--print-config", action="store_true", help="print HAProxy's configuration and exit"
    )
    args = parser.parse_args(argv)
    cluster = Cluster(
        processes=args.processes,
        port=args.port,
        backend_port=args.backend_port,
        bind=args.bind,
        logs=args.logs,
    )
    if args.print_config:
        print(cluster.config(), end="")
        return 0

    stopping = False

    def ask_to_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)
    print(f"starting {args.processes} Streamlit processes and HAProxy (logs: {cluster.logs})")
    try:
        cluster.start()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ports = ", ".join(str(port) for _, port in cluster.backends)
    where = (
        f"http://<this machine's address>:{args.port}/ (here: {cluster.url}/)"
        if args.bind == "0.0.0.0"
        else f"{cluster.url}/"
    )
    print(f"the course is at {where}; Streamlit on 127.0.0.1, ports {ports}")
    print("Ctrl-C stops everything")
    code = 0
    try:
        while not stopping:
            time.sleep(0.5)
            if cluster.haproxy is not None and cluster.haproxy.poll() is not None:
                print("error: haproxy exited; stopping", file=sys.stderr)
                code = 1
                break
            for name in cluster.restart_dead_servers():
                print(f"{name} had exited; started it again", file=sys.stderr)
    finally:
        print("stopping")
        cluster.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
