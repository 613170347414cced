"""The WARC files a backfill has finished, so that a killed backfill resumes where it stopped.

A file is *finished* when every record of it has been read and every row it gave (articles and
rejects) is on disk; the ``warc`` spider (:mod:`newsbot.archive.progress`) says when. Finished
files are listed in ``DIR/state/warc-files.json`` (written aside and renamed into place, so a
kill leaves the old list or the new one) and skipped by the next run over the same output; a
file the kill interrupted is read again, and the records already stored are recognised by the
seen-URL memory and not stored twice.

With ``NEWSBOT_REDIS_URL`` the list is kept in Redis instead and shared by every backfill process
of the dataset, which split the files between them by claims (:mod:`newsbot.archive.claims`).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any, Protocol

from newsbot.archive.reader import is_remote
from newsbot.storage.location import Location, output_location

logger = logging.getLogger(__name__)

STATE_FILE = "warc-files.json"


def file_key(source: str) -> str:
    """The name a WARC file is recorded under: its URL, or its absolute local path."""
    return source if is_remote(source) else os.path.abspath(source)


class Ledger(Protocol):
    #: whether other processes share the files (then a file claimed elsewhere is waited for)
    shared: bool
    #: seconds between renewals of this process's claims (None: nothing to renew)
    renew_every: float | None

    def is_finished(self, source: str) -> bool: ...

    def claim(self, source: str) -> bool:
        """Whether this process may read ``source`` now (always, without Redis)."""
        ...

    def renew(self) -> None:
        """Keep this process's claims alive (a no-op without Redis)."""
        ...

    def finish(self, source: str, records: int) -> None: ...

    def release(self, source: str) -> None:
        """Give up a claim without finishing the file (it failed, or the run stops)."""
        ...

    def close(self) -> None: ...


class LocalLedger:
    """The finished files of one output directory, in ``DIR/state/warc-files.json``."""

    shared = False
    renew_every = None

    def __init__(self, location: Location) -> None:
        self.location = location
        self.files: dict[str, dict[str, Any]] = self._load()

    @classmethod
    def from_settings(cls, settings: Any) -> LocalLedger:
        return cls(output_location(settings).child("state"))

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.location.read_bytes(STATE_FILE))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as exc:
            # Losing the list costs a re-read (the stored records are still recognised), never data.
            logger.warning(
                "Ignoring %s (%s): every WARC file will be read", self.location.uri_of(STATE_FILE), exc
            )
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        return {str(k): v for k, v in files.items()} if isinstance(files, dict) else {}

    def is_finished(self, source: str) -> bool:
        return file_key(source) in self.files

    def claim(self, source: str) -> bool:
        return True

    def renew(self) -> None:
        pass

    def finish(self, source: str, records: int) -> None:
        self.files[file_key(source)] = {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "records": records,
        }
        self.location.makedirs()
        data = json.dumps({"files": self.files}, indent=1, sort_keys=True).encode()
        self.location.write_bytes(STATE_FILE, data=data)

    def release(self, source: str) -> None:
        pass

    def close(self) -> None:
        pass


def open_ledger(settings: Any) -> Ledger:
    """The ledger of a backfill's settings: shared in Redis with ``NEWSBOT_REDIS_URL``
    (:mod:`newsbot.archive.claims`), else the output directory's."""
    from newsbot.scaleout.keys import redis_url

    if redis_url(settings):
        from newsbot.archive.claims import RedisLedger

        return RedisLedger.from_settings(settings)
    return LocalLedger.from_settings(settings)


__all__ = ["STATE_FILE", "Ledger", "LocalLedger", "file_key", "open_ledger"]
