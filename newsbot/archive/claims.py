"""WARC files shared out between backfill processes through Redis (``NEWSBOT_REDIS_URL``).

Every process of one dataset (same ``NEWSBOT_REDIS_PREFIX``), on one machine or several, is given
the same files; each file is read by one of them. Before reading a file a process *claims* it:
``SET prefix:warc:claim:<sha1 of the file> <owner> NX PX lease``. The claimer renews its claims
every third of the lease while it works (:class:`newsbot.archive.progress.FileProgress`); if it
dies, the claim expires after ``NEWSBOT_WARC_CLAIM_LEASE`` seconds and another process, which
waits for the files claimed elsewhere, takes the file over. A file whose rows are all on disk is
added to the hash ``prefix:warc:finished`` and its claim deleted; every process skips it from
then on, and so does any later backfill of the dataset (the list of finished files is Redis's,
not ``DIR/state/``'s, when Redis is used).

A file taken over after a death is read again from its start; its records stored before the
death are recognised by the shared seen-URL memory (:mod:`newsbot.scaleout.seen`) and not
stored twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

from newsbot.archive.ledger import file_key
from newsbot.config.declared import getfloat
from newsbot.scaleout.keys import Keys, connect, redis_url

logger = logging.getLogger(__name__)

# Compare-and-act on a claim: only its owner renews or deletes it.
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
)
_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisLedger:
    """The finished files of a dataset and the claims on the others, in Redis."""

    #: spiders wait for files claimed by other processes (they may die and leave them)
    shared = True

    def __init__(self, client: Any, prefix: str, lease: float) -> None:
        self.client = client
        self.prefix = prefix
        self.lease_ms = max(int(lease * 1000), 1)
        self.renew_every = max(lease / 3, 0.05)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held: set[str] = set()
        self._renew = client.register_script(_RENEW)
        self._delete = client.register_script(_DELETE)

    @classmethod
    def from_settings(cls, settings: Any) -> RedisLedger:
        url = redis_url(settings)
        assert url, "RedisLedger needs NEWSBOT_REDIS_URL"
        return cls(
            connect(url), Keys.from_settings(settings).prefix, getfloat(settings, "NEWSBOT_WARC_CLAIM_LEASE")
        )

    @property
    def finished_key(self) -> str:
        return f"{self.prefix}:warc:finished"

    def claim_key(self, source: str) -> str:
        return f"{self.prefix}:warc:claim:{hashlib.sha1(file_key(source).encode()).hexdigest()}"

    def is_finished(self, source: str) -> bool:
        return bool(self.client.hexists(self.finished_key, file_key(source)))

    def claim(self, source: str) -> bool:
        key = self.claim_key(source)
        if self.client.set(key, self.owner, nx=True, px=self.lease_ms):
            # finished between our check and the claim: nothing to read
            if self.is_finished(source):
                self._delete(keys=[key], args=[self.owner])
                return False
            self.held.add(source)
            logger.info("Claimed %s", source)
            return True
        return False

    def renew(self) -> None:
        for source in list(self.held):
            if not self._renew(keys=[self.claim_key(source)], args=[self.owner, self.lease_ms]):
                # The lease lapsed (this process stalled longer than it): another may read the
                # file too; the shared seen-URL memory still keeps its records from being stored twice.
                logger.warning("Lost the claim on %s (its lease expired)", source)

    def finish(self, source: str, records: int) -> None:
        value = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "records": records}
        value["by"] = self.owner
        self.client.hset(self.finished_key, file_key(source), json.dumps(value))
        self.release(source)

    def release(self, source: str) -> None:
        if source in self.held:
            self.held.discard(source)
            self._delete(keys=[self.claim_key(source)], args=[self.owner])

    def close(self) -> None:
        for source in list(self.held):
            self.release(source)
        self.client.close()
