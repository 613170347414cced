"""ReactorLag measures how late its timer fires: driven here with a clock the test controls."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from newsbot.extensions import reactorlag
from newsbot.extensions.reactorlag import TICK_SECONDS, ReactorLag


def test_lags_are_measured_from_when_each_tick_was_due(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(reactorlag.time, "monotonic", lambda: clock[0])
    crawler = get_crawler()
    lag = ReactorLag.from_crawler(crawler)
    lag._opened, lag._due = clock[0], clock[0] + TICK_SECONDS  # what spider_opened sets, minus the timer

    def tick_at(offset: float) -> None:
        clock[0] += offset
        lag.tick()

    stats = crawler.stats
    tick_at(TICK_SECONDS)  # on time
    assert stats.get_value("newsbot/reactor/max_lag_ms") is None
    tick_at(TICK_SECONDS + 0.030)  # 30 ms late
    assert stats.get_value("newsbot/reactor/max_lag_ms") == 30.0
    assert stats.get_value("newsbot/reactor/lags_over_100ms") is None
    tick_at(TICK_SECONDS + 0.250)  # the main thread was busy for a quarter of a second
    tick_at(TICK_SECONDS + 0.120)
    tick_at(TICK_SECONDS)
    lag.spider_closed()
    assert stats.get_value("newsbot/reactor/max_lag_ms") == 250.0
    assert stats.get_value("newsbot/reactor/lags_over_100ms") == 2
    # the 120 ms stall ended 0.05 + 0.08 + 0.30 + 0.17 s after the spider opened
    assert stats.get_value("newsbot/reactor/last_lag_over_100ms_at_s") == pytest.approx(0.6)
