"""ReactorLag measures how late its timer fires: driven here with a clock the test controls."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from newsbot.extensions.reactorlag import TICK_SECONDS, ReactorLag


def test_lags_are_measured_from_when_each_tick_was_due() -> None:
    clock = Clock()
    crawler = get_crawler()
    lag = ReactorLag(crawler, clock=clock)
    lag.start()
    stats = crawler.stats

    def busy_then_run(seconds: float) -> None:
        """The main thread is busy for ``seconds`` (the due tick cannot run), then the loop runs."""
        clock.advance(seconds)

    busy_then_run(TICK_SECONDS)  # on time
    assert stats.get_value("newsbot/reactor/max_lag_ms") == 0.0
    busy_then_run(TICK_SECONDS + 0.030)  # 30 ms late
    assert stats.get_value("newsbot/reactor/max_lag_ms") == 30.0
    assert stats.get_value("newsbot/reactor/lags_over_100ms") is None
    busy_then_run(TICK_SECONDS + 0.250)  # busy for a quarter of a second
    # a second stall right after the first: measured from its own due time, not from a fixed grid
    busy_then_run(TICK_SECONDS + 0.120)
    busy_then_run(TICK_SECONDS)
    lag.stop()
    assert stats.get_value("newsbot/reactor/max_lag_ms") == 250.0
    assert stats.get_value("newsbot/reactor/lags_over_100ms") == 2
    # the 120 ms stall ended 0.05 + 0.08 + 0.30 + 0.17 s after the engine started
    assert stats.get_value("newsbot/reactor/last_lag_over_100ms_at_s") == pytest.approx(0.6)
    busy_then_run(1.0)  # stopped: no more ticks
    assert stats.get_value("newsbot/reactor/lags_over_100ms") == 2


def test_the_99th_percentile_is_the_delay_99_of_100_ticks_did_not_exceed() -> None:
    clock = Clock()
    crawler = get_crawler()
    lag = ReactorLag(crawler, clock=clock)
    lag.start()
    for _ in range(98):
        clock.advance(TICK_SECONDS + 0.003)  # 3 ms late
    clock.advance(TICK_SECONDS + 0.040)  # the 99th tick: 40 ms late
    clock.advance(TICK_SECONDS + 0.500)  # one stall in a hundred ticks
    lag.stop()
    assert crawler.stats.get_value("newsbot/reactor/max_lag_ms") == 500.0
    assert crawler.stats.get_value("newsbot/reactor/p99_lag_ms") == 40
