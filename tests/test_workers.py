"""The worker pool with real processes: a stuck call fails alone, the pool carries on."""

from __future__ import annotations

import subprocess
import sys

# In a subprocess: the pool is driven from a running asyncio reactor, as in a crawl.
CODE = """
import asyncio, time
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import defer, reactor
from newsbot.workers import ProcessPoolRunner, WorkerTimeout

async def main():
    runner = ProcessPoolRunner(1, timeout=3)
    try:
        print("warm", await runner.run(sum, [1, 2]))
        started = time.monotonic()
        try:
            await runner.run(time.sleep, 60)
        except WorkerTimeout as exc:
            print("timeout", round(time.monotonic() - started), exc)
        print("after", await runner.run(sum, [1, 2, 3]), "replaced", runner.replaced)
    finally:
        runner.close()

d = defer.Deferred.fromFuture(asyncio.ensure_future(main()))
d.addErrback(lambda f: print("error", f.value))
d.addBoth(lambda _: reactor.stop())
reactor.run()
"""


def test_a_stuck_call_times_out_and_the_next_call_runs_in_a_fresh_pool() -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    lines = proc.stdout.splitlines()
    assert lines[0] == "warm 3", proc.stderr
    word, waited, *message = lines[1].split()
    assert word == "timeout", proc.stdout + proc.stderr
    assert 3 <= int(waited) < 30  # the stuck call (60 s) is abandoned at the timeout
    assert " ".join(message) == "sleep took over 3s"
    assert lines[2] == "after 6 replaced 1"


def test_start_launches_every_worker_before_the_first_call() -> None:
    """``start`` (called when the spider opens) launches the processes, so that they import and
    load their profiles while the crawl starts, not while the first page waits."""
    code = """
import time
from newsbot.workers import ProcessPoolRunner
runner = ProcessPoolRunner(2, timeout=30)
print("before", len(runner._pool._processes))
runner.start()
time.sleep(0.5)
pids = [p.pid for p in runner._pool._processes.values()]
print("after", len(pids), all(pids))
print("niceness", runner._pool.submit(os.nice, 0).result() - os.nice(0))
runner.close()
"""
    proc = subprocess.run(
        [sys.executable, "-c", "import os\n" + code], capture_output=True, text=True, timeout=120
    )
    # and they run below the main process, which must stay responsive when the cores are busy
    assert proc.stdout.splitlines() == ["before 0", "after 2 True", "niceness 5"], proc.stderr
