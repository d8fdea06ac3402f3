"""Where a page run spends its time, inside a real Streamlit server.

Starts ``streamlit run app.py`` with every script run wrapped in cProfile (the script
thread: the page's own code, the engine, Plotly, Streamlit's element building), then one
learner of ``benchmarks/load.py`` visits every page once to warm the caches and
``--repeats`` more times, moving a slider after each visit. For each page it prints:
  run ms     the server process's CPU time per full run (from /proc, without the
             profiler's overhead: measured in a second pass, unprofiled runs),
  own time   the profiled script-thread CPU time per run by where the code lives: the
             course's own code (chapters/, kit/, core/, app.py), the engine (engine/), Plotly,
             numpy, Streamlit, protobuf, json, pandas, the rest (the standard library:
             copy.deepcopy, the garbage collector, ...),
  top        the functions with the most cumulative time (course code and the library
             calls it makes).
The profiler (a CPU-time clock, so other processes on the machine do not count) slows
pure-Python code several times more than numpy: compare shares, not absolute times.
The server runs with deploy/'s settings; --option KEY=VALUE changes one (for example
runner.postScriptGC=true, Streamlit's default, to see the collection after every run).

Run: python benchmarks/profile_runs.py [--repeats 3] [--top 8] [--pages sgd adam]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load import Learner, cpu_seconds  # noqa: E402
from deploy.cluster import free_port_block, streamlit_command  # noqa: E402

# Runs inside the server: wrap ScriptRunner._run_script (the script thread) in cProfile
# and dump one stats file per run, named after the page and the kind of run.
BOOT = """
import cProfile, itertools, os, sys, time
from pathlib import Path
from streamlit.runtime.scriptrunner import script_runner as sr

out = Path(os.environ["PROFILE_DIR"])
count = itertools.count()
original = sr.ScriptRunner._run_script

def profiled(self, rerun_data):
    if (out / "off").exists():
        return original(self, rerun_data)
    kind = "fragment" if rerun_data.fragment_id_queue else "full"
    prof = cProfile.Profile(time.thread_time)  # CPU time: waits and other processes excluded
    prof.enable()
    try:
        return original(self, rerun_data)
    finally:
        prof.disable()
        name = f"{rerun_data.page_name or '(default)'}~{kind}~{next(count)}.prof"
        prof.dump_stats(out / name)

sr.ScriptRunner._run_script = profiled
from streamlit.web import cli
sys.argv = ["streamlit"] + sys.argv[1:]
sys.exit(cli.main())
"""

SITE = "site-packages/"


def where(func: tuple[str, int, str]) -> str:
    """Which group a profiled function belongs to, by its file (or a built-in's name)."""
    f = func[0].replace("\\", "/")
    if f == "~":  # a built-in: its name says whose it is
        name = func[2]
        for mark, group in (("numpy", "numpy"), ("json", "json"), ("google", "protobuf")):
            if mark in name:
                return group
        return "upb" in name and "protobuf" or "other"
    if f.startswith(str(ROOT)):
        return "engine" if f[len(str(ROOT)) + 1 :].startswith("engine/") else "course"
    if SITE in f:
        package = f.split(SITE, 1)[1].split("/", 1)[0]
        return {
            "_plotly_utils": "plotly",
            "google": "protobuf",
            "numpy": "numpy",
            "plotly": "plotly",
            "streamlit": "streamlit",
            "pandas": "pandas",
            "narwhals": "pandas",
        }.get(package, "other")
    return "json" if "/json/" in f else "other"


GROUPS = ("course", "engine", "plotly", "numpy", "streamlit", "protobuf", "json", "pandas")


def short(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    f = filename.replace("\\", "/")
    if f.startswith(str(ROOT)):
        f = f[len(str(ROOT)) + 1 :]
    elif SITE in f:
        f = f.split(SITE, 1)[1]
    return f"{f}:{line} {name}" if line else name


def summarize(files: list[Path], top: int) -> tuple[float, dict[str, float], list[str]]:
    stats = pstats.Stats(*map(str, files))
    raw = stats.stats  # func -> (cc, nc, tottime, cumtime, callers)
    n = len(files)
    own: dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tottime, _cum, _callers) in raw.items():
        own[where(func)] += tottime / n
    total = sum(own.values())
    library_entries = ("to_json", "to_dict", "to_plotly_json", "plotly_chart", "update_layout")
    interesting = [
        (cum / n, func)
        for func, (_cc, _nc, _tt, cum, _callers) in raw.items()
        if where(func) in ("course", "engine") or func[2] in library_entries
    ]
    interesting.sort(reverse=True)
    lines, seen = [], set()
    for cum, func in interesting:
        label = short(func)
        if label in seen or func[2] in ("<module>",) or cum < 0.002:
            continue
        seen.add(label)
        lines.append(f"    {cum * 1000:7.0f} ms  {label}")
        if len(lines) >= top:
            break
    return total, dict(own), lines


async def drive(url: str, pages: list[str] | None, repeats: int, pid: int, out: Path) -> dict:
    learner = Learner(url, 0, timeout=180)
    await learner.open()
    await learner.rerun("visit", page="")
    chosen = pages if pages is not None else list(learner.pages)
    for page in chosen:  # warm: first imports, first figures
        await learner.rerun("visit", page=page)
    for f in out.glob("*.prof"):
        f.unlink()
    for _ in range(repeats):  # profiled
        for page in chosen:
            await learner.rerun("visit", page=page)
            await learner.move_slider()
    (out / "off").touch()
    cpu: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):  # unprofiled: CPU and wall time of a full run
        for page in chosen:
            before = cpu_seconds([pid])
            run = await learner.rerun("visit", page=page)
            cpu[page].append((cpu_seconds([pid]) - before) * 1000)
            wall[page].append(run.ms)
    await learner.close()
    return {"pages": chosen, "cpu": cpu, "wall": wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--pages", nargs="*", default=None, help="URL paths ('' = default)")
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="a Streamlit option"
    )
    args = parser.parse_args()

    out = Path(tempfile.mkdtemp(prefix="profile-runs-"))
    port = free_port_block(1)
    cmd = streamlit_command(port, options=dict(item.split("=", 1) for item in args.option))
    cmd = [cmd[0], "-c", BOOT] + cmd[cmd.index("run") :]
    log = open(out / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, "PROFILE_DIR": str(out)}, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {out / 'server.log'}") from None
                time.sleep(0.3)
        result = asyncio.run(drive(url, args.pages, args.repeats, proc.pid, out))
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; profiles in {out}")
    header = "".join(f"{g:>10}" for g in GROUPS)
    for page in result["pages"]:
        cpu = sorted(result["cpu"][page])[len(result["cpu"][page]) // 2]
        wall = sorted(result["wall"][page])[len(result["wall"][page]) // 2]
        name = page or "(default)"
        print(f"\n{name}: full run {cpu:.0f} ms server CPU, {wall:.0f} ms wall (median)")
        for kind in ("full", "fragment"):
            files = sorted(out.glob(f"{name}~{kind}~*.prof"))
            if not files:
                continue
            total, own, lines = summarize(files, args.top)
            shares = "".join(f"{own.get(g, 0) * 1000:>8.0f}ms" for g in GROUPS)
            print(f"  {kind:<8} profiled {total * 1000:.0f} ms/run ({len(files)} runs), own time:")
            print(f"  {'':<8}{header}{'other':>10}")
            print(f"  {'':<8}{shares}{own.get('other', 0) * 1000:>8.0f}ms")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
