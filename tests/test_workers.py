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
from newsbot.process.pool import ProcessPoolRunner, WorkerTimeout

async def main():
    # The first call waits for the worker's start-up (imports, profiles): seconds on a loaded
    # machine, which is not what this test is about. The stuck call gets the 3 s limit.
    runner = ProcessPoolRunner(1, timeout=120)
    try:
        print("warm", await runner.run(sum, [1, 2]))
        runner.timeout = 3
        started = time.monotonic()
        try:
            await runner.run(time.sleep, 60)
        except WorkerTimeout as exc:
            print("timeout", round(time.monotonic() - started), exc)
        runner.timeout = 120  # the fresh pool's worker starts up too
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


def test_every_worker_starts_with_its_pool_before_the_first_call() -> None:
    """A pool's processes start when it is made (the crawl's at spider open, a replacement at
    once), so that they import and load their profiles before a page waits for them."""
    code = """
import os
from newsbot.process.pool import ProcessPoolRunner
runner = ProcessPoolRunner(2, timeout=30)
print("started", len(runner._pool._processes), all(p.pid for p in runner._pool._processes.values()))
runner._replace(runner._pool, "test")
print("replaced", len(runner._pool._processes), all(p.pid for p in runner._pool._processes.values()))
print("niceness", runner._pool.submit(os.nice, 0).result() - os.nice(0))
runner.close()
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    # and they run below the main process, which must stay responsive when the cores are busy
    assert proc.stdout.splitlines() == ["started 2 True", "replaced 2 True", "niceness 5"], proc.stderr
