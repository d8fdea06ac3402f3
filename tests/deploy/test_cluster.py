"""Two Streamlit processes behind HAProxy (deploy/): every learner stays on one process.

Learners are ``benchmarks.load.Learner``s: Streamlit's websocket protocol with a cookie
jar, as a browser. HAProxy's answers carry ``X-Served-By`` (the process), so every
request a learner makes — the page, the websocket, a reconnect, a download, an upload —
can be checked to land on the learner's one process. Skipped where ``haproxy`` is not
installed, except under CI=true (``.ci/run`` installs it), where that is a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.load import Learner
from deploy.cluster import Cluster, free_port_block, render_config

pytestmark = pytest.mark.deploy


def _require_haproxy() -> None:
    if shutil.which("haproxy"):
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("CI=true but haproxy is missing: .ci/run must apt-get install it")
    pytest.skip("haproxy is not installed (apt-get install haproxy); deploy tests skipped")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    _require_haproxy()
    logs = tmp_path_factory.mktemp("cluster")
    with Cluster(processes=2, port=free_port_block(3), logs=logs) as running:
        yield running


def run(coro):
    """Run ``coro`` to completion in its own event loop, on its own thread: a browser test
    run earlier in the same session (Playwright's sync API) may have left this thread's
    loop running, and asyncio.run refuses to start inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout=300)).result()


async def arrive(url: str, first: int, count: int) -> list[Learner]:
    """Learners open the course one after another (leastconn then alternates them)."""
    learners = []
    for i in range(first, first + count):
        learner = Learner(url, i, timeout=120)
        await learner.open()
        await learner.rerun("visit", page="")
        learners.append(learner)
    return learners


async def answer_correctly(learner: Learner) -> None:
    """Answer the page's first open question, trying each option in turn (with
    "Try again" after a miss) until the learner's own score goes up by one."""
    before = learner.correct
    for pick in range(12):
        if learner.open_question() is None:
            retry = [
                w
                for w in learner.widgets.values()
                if w.kind == "button" and w.label.startswith("Try again")
            ]
            assert retry, "no open question and no Try again button"
            await learner.press(retry[0], "retry")
        radio, _ = learner.open_question()
        await learner.answer_question(pick % len(radio.proto.options))
        if learner.correct > before:
            return
    raise AssertionError("no answer was graded correct in 12 tries")


def one_process(learner: Learner) -> str:
    """The process that served every request of this learner (asserts there is one)."""
    assert learner.served_by, "HAProxy's X-Served-By header is missing"
    assert set(learner.served_by) == {learner.served_by[0]}, learner.served_by
    return learner.served_by[0]


def test_configuration_renders_and_haproxy_accepts_it(tmp_path):
    _require_haproxy()
    text = render_config("127.0.0.1", 18500, [("st1", 18501), ("st2", 18502), ("st3", 18503)])
    assert "cookie SERVERID insert indirect nocache" in text
    assert "option httpchk GET /_stcore/health" in text
    assert "timeout tunnel" in text
    assert "server st3 127.0.0.1:18503 check cookie st3" in text
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(text)
    check = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_each_learner_stays_on_one_process_with_its_own_progress(cluster):
    async def scenario():
        learners = await arrive(cluster.url, 0, 4)
        try:
            processes = {one_process(learner) for learner in learners}
            assert processes == {"st1", "st2"}, "the balancer should use both processes"
            alice, others = learners[0], learners[1:]

            await answer_correctly(alice)
            assert alice.correct == 1 and alice.progress_shown() == 1
            for other in others:  # nobody else sees Alice's answer, on either process
                run_ = await other.rerun("visit", page="sgd")
                assert not run_.error, run_.error
                assert other.progress_shown() == 0

            # More reruns: a slider, two other pages, back again: still her progress.
            assert await alice.move_slider() is not None
            for page in ("momentum", "progress", ""):
                run_ = await alice.rerun("visit", page=page)
                assert not run_.error, run_.error
                assert alice.progress_shown() == 1, page

            # A dropped connection: the browser reconnects with its cookie and its
            # session id, lands on the same process and finds the same session.
            session = alice.session_id
            await alice.close()
            await alice.open(reconnect=True)
            run_ = await alice.rerun("visit", page="adam")
            assert not run_.error, run_.error
            assert alice.session_id == session
            assert alice.progress_shown() == 1

            for learner in learners:
                one_process(learner)
                assert not learner.errors, learner.errors
        finally:
            for learner in learners:
                await learner.close()

    run(scenario())


def test_downloads_and_uploads_reach_the_learners_own_process(cluster):
    async def scenario():
        learners = await arrive(cluster.url, 10, 2)
        try:
            alice, bob = learners
            assert one_process(alice) != one_process(bob)
            await alice.answer_question(0)  # right or wrong, one answered question

            await alice.rerun("visit", page="progress")
            (download,) = alice.find("download_button")
            got = await alice.download(download)  # a file in her process's memory
            assert got.status == 200
            exported = json.loads(got.body)
            assert sum(len(v) for v in exported["progress"].values()) == 1

            (uploader,) = alice.find("file_uploader")
            put, upload_run = await alice.upload(uploader, "progress.json", got.body)
            assert put.status == 204, put.body
            assert upload_run is not None and not upload_run.error, upload_run
            alerts = [text for kind, text in alice.texts if kind == "alert"]
            assert any(text.startswith("This file holds 1 answered") for text in alerts), alerts
            one_process(alice)

            await bob.rerun("visit", page="progress")  # Bob's own, empty progress
            (bob_download,) = bob.find("download_button")
            bob_file = json.loads((await bob.download(bob_download)).body)
            assert sum(len(v) for v in bob_file["progress"].values()) == 0
            assert not any(
                text.startswith("This file holds") for kind, text in bob.texts if kind == "alert"
            )
            one_process(bob)

            # Without the SERVERID cookie the same upload is balanced like any new
            # request, and the other process knows no such session: the cookie is what
            # keeps uploads on the learner's process.
            stray = Learner(cluster.url, 99, timeout=60)
            statuses = []
            for _ in range(6):
                stray.cookies = {k: v for k, v in alice.cookies.items() if k != "SERVERID"}
                urls = await alice.file_urls("progress.json")
                statuses.append((await stray.put_file(urls, "progress.json", got.body)).status)
            assert 400 in statuses, statuses
            assert not alice.errors and not bob.errors, alice.errors + bob.errors
        finally:
            for learner in learners:
                await learner.close()

    run(scenario())
