"""The live display of ``newsbot crawl`` on a terminal (issue 14, item 4): the real command under a
pseudo-terminal, against the hostile loopback site, its screen read back frame by frame.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.crawl_helpers import run_in_pty
from tests.data.hostile.harness import FAST, hostile_site, newsbot_cmd, set_delay

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
HEAD = re.compile(r"newsbot +\d+(?:m\d\ds|h\d\dm|s)  ")
ROW = re.compile(r"^(\w+) +(\d+) +(\d+) +(\d+) +(\w+) *$", re.M)


def frames(screen: str) -> list[str]:
    """The display's successive pictures: the text from one head line to the next."""
    text = ANSI.sub("", screen).replace("\r\n", "\n").replace("\r", "\n")
    starts = [m.start() for m in HEAD.finditer(text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def test_the_screen_shows_rate_queue_backlog_time_left_and_no_source_failed_before_it_answered(
    tmp_path: Path,
) -> None:
    with hostile_site() as base:
        set_delay(base, 0.2)  # each article takes 0.2 s: the crawl lasts long enough to watch
        reg = tmp_path / "sources.toml"
        reg.write_text(
            f'[[source]]\nid = "steady"\nname = "S"\nhomepage = "{base}/"\nlanguages = ["en"]\n'
            f'feeds = ["{base}/feed.xml?n=150"]\nenabled = true\n\n'
            # its feed answers after 30 s: until DOWNLOAD_TIMEOUT, it has no state yet
            f'[[source]]\nid = "late"\nname = "L"\nhomepage = "{base}/"\nlanguages = ["en"]\n'
            f'feeds = ["{base}/slow"]\nenabled = true\n',
            encoding="utf-8",
        )
        assert FAST[-2:] == ["-s", "LOG_LEVEL=INFO"]
        fast = FAST[:-2]  # the display's own log level (WARNING)
        screen = run_in_pty(
            newsbot_cmd(
                "crawl",
                *fast,
                "-s",
                f"NEWSBOT_SOURCES_FILE={reg}",
                "--output",
                str(tmp_path / "out"),
                # two requests at a time, ten scheduled at most: a queue and a backlog to show
                "-s",
                "CONCURRENT_REQUESTS=2",
                "-s",
                "NEWSBOT_MAX_SCHEDULED=10",
                "-s",
                "DOWNLOAD_TIMEOUT=6",
                "-s",
                "RETRY_TIMES=0",
                "--max-time",
                "8",
            )  # fmt: skip
        )
    pictures = frames(screen)
    assert len(pictures) > 5, screen[-3000:]
    rates = [float(m.group(1)) for p in pictures for m in re.finditer(r"(\d+\.\d) pages/s", p)]
    assert rates and max(rates) > 0, pictures[-1]
    queued = [int(m.group(1)) for p in pictures for m in re.finditer(r"queued (\d+) \(\+\d+ in flight\)", p)]
    assert queued and max(queued) > 0, pictures[-1]
    assert any(re.search(r"backlog [1-9]\d*  left ~\d+", p) for p in pictures), pictures[-1]
    waiting_seen = False
    for p in pictures:
        errors = int(re.search(r"errors (\d+)", p).group(1))  # type: ignore[union-attr]
        for source, requests, _stored, _rejected, state in ROW.findall(p):
            if state == "failed":
                assert errors > 0, p  # a failure came back: the state is earned
            if source == "late" and state == "waiting":
                waiting_seen = waiting_seen or int(requests) > 0
    # the late source's request was out, with no answer yet: shown waiting, not failed
    assert waiting_seen, "\n".join(pictures[:5])
    assert "newsbot: run " in screen and "Traceback" not in screen
