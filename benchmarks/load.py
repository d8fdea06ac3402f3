"""A lecture hall at once: N simulated learners speaking Streamlit's own protocol.

No browser: each learner does what the browser's code does. It GETs the page, then
``/_stcore/health`` (which sets the XSRF cookie) and ``/_stcore/host-config``, keeping
its own cookie jar (so a balancer's SERVERID cookie pins it like a browser), and opens
the websocket ``/_stcore/stream``. Over it the learner sends ``BackMsg.rerun_script``
(the page's URL path, the widget states a browser would send, the fragment a widget
lives in) and reads ``ForwardMsg``s until ``script_finished``. Widget ids come from the
deltas, and the page list from the server's ``navigation`` message, so the benchmark
knows nothing of the app's files.

Each learner walks every page ``--rounds`` times, starting at a different page, and on
each page: visits it, moves a slider to a new value, moves one more control (checkbox,
selectbox, pills, number input), and answers the first open quiz question (pick an
option, press "Check answer"). Then every learner stays connected while the server's
memory is read.

Measured:
  latency   from sending a rerun to its script_finished (a rerun the script asks for
            itself, FINISHED_EARLY_FOR_RERUN, is part of the same wait), per run;
  runs/s    runs finished over the walking phase's wall time (all learners at once);
  errors    exceptions drawn on a page, page-not-found, a run that fails, times out or
            loses its websocket, an HTTP request that fails;
  MB/session  (RSS of the server process(es), read from /proc, with every learner
            connected − RSS after a warm-up walk) ÷ learners: what each extra learner
            costs, caches they fill included.
The server runs on this machine, so it shares the cores with the learners' client
(one Python process; parsing is light next to a page run).

Run (the last line is the summary):
  python benchmarks/load.py                     # 10 learners, 1 round, own server
  python benchmarks/load.py --processes 2       # 2 processes behind HAProxy (deploy/)
  python benchmarks/load.py --url http://127.0.0.1:8501 [--pids PID ...]
  python benchmarks/load.py --soak              # 30 learners × 10 rounds: memory per round

  load: N learners, p50 X ms, p99 Y ms, Z runs/s, E errors, M MB/session

Only loopback addresses are ever contacted; every run is bounded in count (rounds) and
time (--max-seconds, per-run --timeout) and stops its own server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.Slider_pb2 import Slider  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from deploy.cluster import Cluster, free_port_block  # noqa: E402

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED, COMPILE_ERROR, EARLY_FOR_RERUN, FRAGMENT_FINISHED = 0, 1, 2, 3
WIDGETS = (
    "slider",
    "checkbox",
    "selectbox",
    "radio",
    "button_group",
    "number_input",
    "button",
    "download_button",
    "file_uploader",
)
OTHER_CONTROLS = ("checkbox", "selectbox", "button_group", "number_input")
TEXTS = ("markdown", "heading", "alert", "progress", "text", "code")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# --------------------------------------------------------------------------- records
@dataclass
class Run:
    """One rerun: what the learner did and how long the server took to finish it."""

    learner: int
    page: str  # URL path; "" is the default page
    action: str  # visit, slider, control, quiz-pick, quiz-check, upload, ...
    fragment: bool
    ms: float
    error: str = ""


@dataclass
class Widget:
    id: str
    kind: str  # the Element field: slider, checkbox, button, ...
    proto: Any
    fragment_id: str
    label: str


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _label(proto: Any) -> str:
    return getattr(proto, "label", "")


# --------------------------------------------------------------------------- widget moves
def slider_state(w: Widget, rng: random.Random, current: list[Any] | None) -> WidgetState | None:
    """A new value for a slider or select slider (a range slider keeps being a range)."""
    p = w.proto
    if p.disabled:
        return None
    state = WidgetState(id=w.id)
    if p.type == Slider.SELECT_SLIDER or p.options:
        options = list(p.options)
        if len(options) < 2:
            return None
        now = [options.index(v) for v in current] if current else list(p.value or p.default)
        picks = [i for i in range(len(options)) if i != int(now[0])]
        first = rng.choice(picks)
        if len(now) == 2:
            lo, hi = sorted((first, rng.randrange(len(options))))
            if lo == hi:
                lo, hi = 0, len(options) - 1
            state.string_array_value.data.extend([options[lo], options[hi]])
        else:
            state.string_array_value.data.append(options[first])
        return state
    if p.data_type not in (Slider.INT, Slider.FLOAT) or p.max <= p.min:
        return None
    step = p.step or (1 if p.data_type == Slider.INT else (p.max - p.min) / 100)
    n = max(1, round((p.max - p.min) / step))
    now = current or list(p.value or p.default)

    def at(k: int) -> float:
        v = min(p.max, p.min + k * step)
        return float(round(v)) if p.data_type == Slider.INT else v

    ks = [k for k in range(n + 1) if abs(at(k) - float(now[0])) > 1e-12] or [0]
    first = rng.choice(ks)
    if len(now) == 2:
        second = rng.randrange(n + 1)
        values = sorted([at(first), at(second)])
    else:
        values = [at(first)]
    state.double_array_value.data.extend(values)
    return state


def control_state(w: Widget, rng: random.Random, current: Any) -> WidgetState | None:
    """A new value for a checkbox, selectbox, radio, pills/segmented or number input."""
    p = w.proto
    if getattr(p, "disabled", False):
        return None
    state = WidgetState(id=w.id)
    if w.kind == "checkbox":
        now = current if current is not None else (p.value if p.set_value else p.default)
        state.bool_value = not now
    elif w.kind in ("selectbox", "radio"):
        options = list(p.options)
        if len(options) < 2:
            return None
        now = (
            current
            if current is not None
            else (options[p.default] if p.HasField("default") else None)
        )
        state.string_value = rng.choice([o for o in options if o != now])
    elif w.kind == "button_group":
        options = [o.content for o in p.options]
        if len(options) < 2:
            return None
        now = current[0] if current else (options[p.default[0]] if p.default else None)
        state.string_array_value.data.append(rng.choice([o for o in options if o != now]))
    elif w.kind == "number_input":
        step = p.step or 1.0
        now = current if current is not None else (p.value if p.set_value else p.default)
        up = now + step
        value = up if (not p.has_max or up <= p.max) else now - step
        if p.has_min and value < p.min:
            return None
        state.double_value = value
    else:
        return None
    return state


def state_value(state: WidgetState) -> Any:
    kind = state.WhichOneof("value")
    value = getattr(state, kind)
    return list(value.data) if hasattr(value, "data") else value


# --------------------------------------------------------------------------- a learner
class Learner:
    """One browser tab: a cookie jar, one websocket, the current page's widgets."""

    def __init__(self, base: str, index: int, *, timeout: float = 60.0, seed: int = 0):
        host = urllib.parse.urlsplit(base).hostname
        if host not in LOOPBACK:
            raise ValueError(f"only loopback addresses are load-tested, not {host!r}")
        self.base = base.rstrip("/")
        self.index = index
        self.timeout = timeout
        self.rng = random.Random(seed * 100_003 + index)
        self.cookies: dict[str, str] = {}
        self.served_by: list[str] = []  # X-Served-By of every response (behind HAProxy)
        self.ws: ClientConnection | None = None
        self.session_id = ""
        self.pages: dict[str, str] = {}  # URL path -> page script hash, navigation order
        self.page = ""
        self.widgets: dict[str, Widget] = {}
        self.values: dict[str, WidgetState] = {}  # non-trigger states this learner has set
        self.texts: list[tuple[str, str]] = []  # (element kind, text) of the last full run
        self.runs: list[Run] = []
        self.correct = 0  # quiz answers this learner got right (its own progress)
        self.errors: list[str] = []

    # -------------------------------------------------------------- HTTP, as a browser
    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _http_sync(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Response:
        request = urllib.request.Request(self.base + path, data=body, method=method)
        for key, value in {"Cookie": self._cookie_header(), **headers}.items():
            if value:
                request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                status, msg, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            status, msg, data = exc.code, exc.headers, exc.read()
        for cookie in msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0].strip()
        if msg.get("X-Served-By"):
            self.served_by.append(msg["X-Served-By"])
        return Response(status, {k.lower(): v for k, v in msg.items()}, data)

    async def http(
        self,
        path: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return await asyncio.to_thread(self._http_sync, method, path, body, headers or {})

    # -------------------------------------------------------------- the websocket
    async def open(self, page: str = "", *, reconnect: bool = False) -> None:
        """What a browser does on opening ``/page`` (or, ``reconnect``, after a blip)."""
        self.page = page
        for path in (f"/{page}", "/_stcore/health", "/_stcore/host-config"):
            response = await self.http(path)
            if response.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status}")
        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE, "PLACEHOLDER_AUTH_TOKEN")]
        if reconnect and self.session_id:
            protocols.append(self.session_id)  # the browser asks for its old session back
        ws_base = "ws" + self.base[len("http") :]
        self.ws = await connect(
            f"{ws_base}/_stcore/stream",
            subprotocols=protocols,
            origin=self.base,
            additional_headers={"Cookie": self._cookie_header()},
            max_size=None,
            open_timeout=self.timeout,
        )
        if self.ws.response and self.ws.response.headers.get("X-Served-By"):
            self.served_by.append(self.ws.response.headers["X-Served-By"])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def send(self, msg: BackMsg) -> None:
        assert self.ws is not None, "open() first"
        await self.ws.send(msg.SerializeToString())

    async def rerun(
        self,
        action: str,
        *,
        page: str | None = None,
        changed: WidgetState | None = None,
        fragment_id: str = "",
    ) -> Run:
        """Ask for a run, as the browser does after a click, and wait for its end."""
        navigating = page is not None and page != self.page
        if page is not None:
            self.page = page
        if navigating:
            self.values.clear()
        states = dict(self.values)
        if changed is not None:
            states[changed.id] = changed
            if changed.WhichOneof("value") != "trigger_value":
                self.values[changed.id] = changed
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_name = self.page
        cs.page_script_hash = self.pages.get(self.page, "")
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(states.values())
        ctx = cs.context_info
        ctx.timezone, ctx.locale = "UTC", "en-US"
        ctx.url = f"{self.base}/{self.page}"
        start = time.perf_counter()
        error = ""
        try:
            await self.send(msg)
            error = await asyncio.wait_for(self._until_finished(bool(fragment_id)), self.timeout)
        except TimeoutError:
            error = f"no script_finished in {self.timeout:.0f} s"
        except Exception as exc:  # a lost websocket is an error of this run
            error = f"{type(exc).__name__}: {exc}"
        run = Run(
            self.index,
            self.page,
            action,
            bool(fragment_id),
            (time.perf_counter() - start) * 1000,
            error,
        )
        self.runs.append(run)
        if error:
            self.errors.append(f"{self.page or '/'} {action}: {error}")
        return run

    async def _until_finished(self, fragment: bool) -> str:
        assert self.ws is not None
        errors: list[str] = []
        while True:
            msg = ForwardMsg.FromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
                if not fragment:
                    self.widgets, self.texts = {}, []
            elif kind == "navigation":
                self.pages = {
                    ("" if p.is_default else p.url_pathname): p.page_script_hash
                    for p in msg.navigation.app_pages
                    if not p.is_hidden and not p.external_url
                }
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, msg.delta.fragment_id, errors)
            elif kind == "page_not_found":
                errors.append(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "script_finished":
                status = msg.script_finished
                if status == EARLY_FOR_RERUN:
                    continue  # the script asked for a rerun: the learner waits for that one
                if status == COMPILE_ERROR:
                    errors.append("script compile error")
                return "; ".join(errors)

    def _element(self, element: Any, fragment_id: str, errors: list[str]) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            errors.append(f"exception: {element.exception.type}: {element.exception.message}")
        elif kind in WIDGETS:
            proto = getattr(element, kind)
            self.widgets[proto.id] = Widget(proto.id, kind, proto, fragment_id, _label(proto))
        elif kind in TEXTS:
            proto = getattr(element, kind)
            text = getattr(proto, "body", "") or getattr(proto, "text", "")
            self.texts.append((kind, text))

    # -------------------------------------------------------------- what a learner does
    def find(self, kind: str, label: str | None = None) -> list[Widget]:
        return [
            w
            for w in self.widgets.values()
            if w.kind == kind and (label is None or w.label == label)
        ]

    def current(self, widget_id: str) -> Any:
        state = self.values.get(widget_id)
        return state_value(state) if state is not None else None

    async def move(self, w: Widget, state: WidgetState, action: str) -> Run:
        return await self.rerun(action, changed=state, fragment_id=w.fragment_id)

    async def press(self, w: Widget, action: str = "button") -> Run:
        state = WidgetState(id=w.id, trigger_value=True)
        return await self.rerun(action, changed=state, fragment_id=w.fragment_id)

    async def move_slider(self) -> Run | None:
        sliders = [
            (w, s)
            for w in self.find("slider")
            if (s := slider_state(w, self.rng, self.current(w.id))) is not None
        ]
        if not sliders:
            return None
        w, state = sliders[self.index % len(sliders)]
        return await self.move(w, state, "slider")

    async def move_control(self) -> Run | None:
        controls = [
            (w, s)
            for w in self.widgets.values()
            if w.kind in OTHER_CONTROLS
            if (s := control_state(w, self.rng, self.current(w.id))) is not None
        ]
        if not controls:
            return None
        w, state = controls[self.index % len(controls)]
        return await self.move(w, state, "control")

    def open_question(self) -> tuple[Widget, Widget] | None:
        """The first quiz question not yet answered: its radio and its Check button."""
        ordered = list(self.widgets.values())
        for i, w in enumerate(ordered):
            if w.kind == "radio" and not w.proto.disabled:
                for after in ordered[i + 1 : i + 3]:
                    if after.kind == "button" and after.label == "Check answer":
                        return w, after
        return None

    async def answer_question(self, pick: int | None = None) -> list[Run]:
        question = self.open_question()
        if question is None:
            return []
        radio, check = question
        options = list(radio.proto.options)
        choice = options[pick if pick is not None else self.rng.randrange(len(options))]
        first = await self.move(radio, WidgetState(id=radio.id, string_value=choice), "quiz-pick")
        if first.error:
            return [first]
        check = self.widgets.get(check.id, check)
        second = await self.press(check, "quiz-check")
        if any(k == "alert" and t.startswith("Correct:") for k, t in self.texts):
            self.correct += 1
        self.check_progress(second)
        return [first, second]

    def progress_shown(self) -> int | None:
        """The sidebar's count of correct quiz answers in the last full run."""
        for kind, text in self.texts:
            found = re.fullmatch(r"(\d+) of \d+ questions", text) if kind == "progress" else None
            if found:
                return int(found.group(1))
        return None

    def check_progress(self, run: Run) -> None:
        """The session's progress is this learner's own: not lost, nobody else's."""
        shown = self.progress_shown()
        if not run.error and not run.fragment and shown is not None and shown != self.correct:
            run.error = f"state: the sidebar shows {shown} correct, this learner has {self.correct}"
            self.errors.append(f"{self.page or '/'} {run.action}: {run.error}")

    # -------------------------------------------------------------- files
    async def download(self, w: Widget) -> Response:
        """GET a download button's file (kept in the memory of the session's process)."""
        return await self.http(w.proto.url)

    async def file_urls(self, name: str) -> Any:
        """Ask the session where to upload a file (the browser's first step)."""
        assert self.ws is not None
        request_id = f"load-{self.index}-{self.rng.randrange(1 << 30)}"
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self.send(msg)
        while True:
            reply = ForwardMsg.FromString(await asyncio.wait_for(self.ws.recv(), self.timeout))
            if reply.WhichOneof("type") == "file_urls_response":
                if reply.file_urls_response.response_id == request_id:
                    return reply.file_urls_response.file_urls[0]

    async def put_file(
        self, urls: Any, name: str, data: bytes, mime: str = "application/json"
    ) -> Response:
        """PUT a file to its upload URL as the browser does (multipart, XSRF header)."""
        boundary = f"load{self.rng.randrange(1 << 60):x}"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="UploadedFile"; '
                f'filename="{name}"\r\nContent-Type: {mime}\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return await self.http(
            urllib.parse.urlsplit(urls.upload_url).path,
            "PUT",
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": self.cookies.get(XSRF_COOKIE, ""),
            },
        )

    async def upload(
        self, w: Widget, name: str, data: bytes, mime: str = "application/json"
    ) -> tuple[Response, Run | None]:
        """Upload a file into a file_uploader: its URL, the PUT, then a rerun with the
        uploader's state. Returns the PUT's response and the run (None if it failed)."""
        urls = await self.file_urls(name)
        response = await self.put_file(urls, name, data, mime)
        if response.status not in (200, 204):
            return response, None
        state = WidgetState(id=w.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        return response, await self.move(w, state, "upload")

    async def walk(self, pages: list[str], moves: int, deadline: float) -> None:
        """Visit each page and move up to ``moves`` things on it (slider, control, quiz)."""
        for page in pages:
            if time.monotonic() > deadline:
                return
            visit = await self.rerun("visit", page=page)
            self.check_progress(visit)
            if visit.error:
                continue
            steps = [self.move_slider, self.move_control, self.answer_question][:moves]
            for step in steps:
                if time.monotonic() > deadline:
                    return
                await step()


# --------------------------------------------------------------------------- memory, CPU
def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of these processes (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks if pids else None


def rss_mb(pids: list[int]) -> float | None:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024 if pids else None


def listening_pids(port: int) -> list[int]:
    """Processes with a socket listening on ``port`` (root sees them all)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            pids.append(int(proc.name))
    return pids


# --------------------------------------------------------------------------- figures
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def table(runs: list[Run], key: str) -> list[str]:
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        groups[getattr(run, key)].append(run)
    lines = [f"{key:<18} {'runs':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}"]
    for name, group in groups.items():
        ms = [r.ms for r in group if not r.error]
        label = (name or "(default)") if key == "page" else name
        lines.append(
            f"{label:<18} {len(group):>5} {percentile(ms, 0.5):>8.0f} {percentile(ms, 0.9):>8.0f}"
            f" {percentile(ms, 0.99):>8.0f} {sum(bool(r.error) for r in group):>7}"
        )
    return lines


def summary(learners: int, runs: list[Run], seconds: float, errors: int, mb: float | None) -> str:
    ms = [r.ms for r in runs if not r.error]
    per = "n/a" if mb is None else f"{mb:.1f}"
    return (
        f"load: {learners} learners, p50 {percentile(ms, 0.5):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, {len(runs) / max(seconds, 1e-9):.1f} runs/s, "
        f"{errors} errors, {per} MB/session"
    )


# --------------------------------------------------------------------------- phases
async def arrive(base: str, count: int, first: int, args: argparse.Namespace) -> list[Learner]:
    """Learners open the course one after another, as a class arrives (a balancer
    counting open connections then spreads them evenly)."""
    learners = []
    for i in range(first, first + count):
        learner = Learner(base, i, timeout=args.timeout, seed=args.seed)
        await learner.open()
        learners.append(learner)
    return learners


async def discover_pages(learner: Learner) -> list[str]:
    await learner.rerun("visit", page="")
    if not learner.pages:
        raise RuntimeError("the server sent no navigation: is this the course app?")
    return list(learner.pages)


async def warm_up(base: str, processes: int, args: argparse.Namespace) -> list[str]:
    """One learner per process visits every page once, so the measured runs are not a
    fresh process's first imports and first figures."""
    learners = await arrive(base, processes, -processes, args)
    pages = await discover_pages(learners[0])
    deadline = time.monotonic() + args.max_seconds
    await asyncio.gather(*(learner.walk(pages, 0, deadline) for learner in learners))
    for learner in learners:
        await learner.close()
    return pages


def rotated(pages: list[str], start: int) -> list[str]:
    k = start % len(pages)
    return pages[k:] + pages[:k]


async def load(base: str, pids: list[int], processes: int, args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    pages = await warm_up(base, processes, args)
    print(
        f"warm-up: {processes} learner(s) walked {len(pages)} pages in {time.monotonic() - t0:.1f} s"
    )
    warm = rss_mb(pids)
    learners = await arrive(base, args.learners, 0, args)
    start = time.monotonic()
    deadline = start + args.max_seconds
    cpu0, client0 = cpu_seconds(pids), time.process_time()

    async def walk(learner: Learner) -> None:
        for r in range(args.rounds):
            await learner.walk(rotated(pages, learner.index + r), args.moves, deadline)

    await asyncio.gather(*(walk(learner) for learner in learners))
    seconds = time.monotonic() - start
    cpu1, client1 = cpu_seconds(pids), time.process_time()
    if args.hold:
        await asyncio.sleep(args.hold)
    loaded = rss_mb(pids)
    runs = [run for learner in learners for run in learner.runs]
    errors = [e for learner in learners for e in learner.errors]
    print()
    print("\n".join(table(runs, "page")))
    print()
    print("\n".join(table(runs, "action")))
    print()
    spread = Counter(learner.served_by[-1] for learner in learners if learner.served_by)
    if spread:
        print("learners per process: " + ", ".join(f"{k} {v}" for k, v in sorted(spread.items())))
    if time.monotonic() > deadline:
        print(f"stopped at the {args.max_seconds:.0f} s limit (fewer rounds than asked)")
    if cpu0 is not None and cpu1 is not None and runs:
        per_run = (cpu1 - cpu0) / len(runs) * 1000
        print(
            f"server CPU: {per_run:.0f} ms per run, {(cpu1 - cpu0) / seconds:.2f} cores busy on "
            f"average; this client: {(client1 - client0) / seconds:.2f} cores; machine load "
            f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    for error in errors[:10]:
        print(f"error: {error}")
    mb = None
    if warm is not None and loaded is not None:
        mb = (loaded - warm) / max(1, len(learners))
        print(
            f"server memory: {warm:.0f} MB warm, {loaded:.0f} MB with {len(learners)} "
            f"sessions connected ({len(pids)} process(es))"
        )
    else:
        print("server memory: not measured (pass --pids for a server behind a balancer)")
    for learner in learners:
        await learner.close()
    print(summary(len(learners), runs, seconds, len(errors), mb))
    return 0 if not errors else 1


async def soak(base: str, pids: list[int], processes: int, args: argparse.Namespace) -> int:
    """Rounds of light traffic: each learner, each round, visits its next page and moves
    a slider or another control to a fresh random value (new cache keys). Each learner
    cycles through ``--soak-pages`` pages (from its own starting page, so all learners
    together cover every page): once every learner has seen its pages, the sessions
    hold all they will hold, and memory that still grows is caches filling with new
    keys or a leak. The server's memory is printed after each round."""
    pages = await warm_up(base, processes, args)
    warm = rss_mb(pids)
    print(f"warm: {warm:.0f} MB" if warm is not None else "warm: memory not measured")
    learners = await arrive(base, args.learners, 0, args)
    start = time.monotonic()
    deadline = start + args.max_seconds
    figures: list[float] = []
    cycle = max(1, min(args.soak_pages, len(pages)))
    print(f"each learner cycles through {cycle} of the {len(pages)} pages")
    for r in range(args.rounds):
        if time.monotonic() > deadline:
            print(f"stopped at the {args.max_seconds:.0f} s limit after {r} rounds")
            break
        before = [len(learner.runs) for learner in learners]
        t = time.monotonic()

        async def step(learner: Learner, r: int = r) -> None:
            page = pages[(learner.index + r % cycle) % len(pages)]
            visit = await learner.rerun("visit", page=page)
            if not visit.error:
                await (learner.move_slider() if r % 2 == 0 else learner.move_control())

        await asyncio.gather(*(step(learner) for learner in learners))
        runs = [
            run for k, learner in zip(before, learners, strict=True) for run in learner.runs[k:]
        ]
        mem = rss_mb(pids)
        figures.append(mem or 0.0)
        ms = [run.ms for run in runs if not run.error]
        print(
            f"round {r + 1:>2}: {len(runs)} runs in {time.monotonic() - t:.1f} s, "
            f"p50 {percentile(ms, 0.5):.0f} ms, {sum(bool(run.error) for run in runs)} errors, "
            + (f"server {mem:.0f} MB" if mem is not None else "server memory n/a")
            + (f" ({', '.join(f'{rss_mb([p]):.0f}' for p in pids)})" if len(pids) > 1 else "")
        )
    seconds = time.monotonic() - start
    if len(figures) > cycle and warm is not None:
        first, second = figures[cycle - 1] - warm, figures[-1] - figures[cycle - 1]
        print(
            f"memory: +{first:.0f} MB over the first {cycle} rounds (sessions filling), "
            f"+{second:.0f} MB over the {len(figures) - cycle} rounds after "
            f"({second / (len(figures) - cycle):.1f} MB a round)"
        )
    runs = [run for learner in learners for run in learner.runs]
    errors = [e for learner in learners for e in learner.errors]
    for error in errors[:10]:
        print(f"error: {error}")
    mb = None if warm is None or not figures else (figures[-1] - warm) / len(learners)
    for learner in learners:
        await learner.close()
    print(summary(len(learners), runs, seconds, len(errors), mb))
    return 0 if not errors else 1


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=None, help="default 10 (soak 30)")
    parser.add_argument("--rounds", type=int, default=None, help="default 1 (soak 10)")
    parser.add_argument("--moves", type=int, default=3, help="things moved per page, 0-3")
    parser.add_argument("--url", default=None, help="a running server (default: start one)")
    parser.add_argument("--pids", type=int, nargs="*", default=None, help="its process ids")
    parser.add_argument(
        "--processes", type=int, default=None, help="start K processes behind HAProxy"
    )
    parser.add_argument("--soak", action="store_true", help="memory per round, 30 × 10")
    parser.add_argument(
        "--soak-pages", type=int, default=5, help="pages each soak learner cycles through"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=None, help="walking phase limit (60; soak 240)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="one run's limit, s")
    parser.add_argument("--hold", type=float, default=0.0, help="stay connected s after")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Streamlit option for the servers it starts, e.g. runner.postScriptGC=false",
    )
    args = parser.parse_args(argv)
    args.learners = args.learners or (30 if args.soak else 10)
    args.rounds = args.rounds or (10 if args.soak else 1)
    args.max_seconds = args.max_seconds or (240.0 if args.soak else 60.0)
    phase = soak if args.soak else load

    if args.url:
        port = urllib.parse.urlsplit(args.url).port or 80
        pids = args.pids if args.pids is not None else listening_pids(port)
        if any(Path(f"/proc/{pid}/comm").read_text().strip() == "haproxy" for pid in pids):
            pids = args.pids or []  # the balancer's own memory is not the servers'
        print(f"server: {args.url} (pids {pids or 'unknown'})")
        return asyncio.run(phase(args.url, pids, args.processes or 1, args))

    processes = args.processes or 1
    balancer = args.processes is not None
    options = dict(item.split("=", 1) for item in args.option)
    cluster = Cluster(
        processes=processes,
        port=free_port_block(processes + 1),
        balancer=balancer,
        options=options,
    )
    what = f"{processes} process(es) behind HAProxy" if balancer else "1 process, no balancer"
    t = time.monotonic()
    with cluster:
        print(
            f"server: {what} at {cluster.url}, pids {cluster.server_pids()}, {options or ''} "
            f"started in {time.monotonic() - t:.1f} s; {os.cpu_count()} cores"
        )
        return asyncio.run(phase(cluster.url, cluster.server_pids(), processes, args))


if __name__ == "__main__":
    sys.exit(main())
