"""Near-duplicate signatures in Redis: :class:`newsbot.identify.neardup.SignatureIndex` for a cluster.

Signatures, band keys and the match rule are those of the in-process
:class:`~newsbot.identify.neardup.NearDuplicateIndex` (same parameters, same code), so a cluster
links the same copies as one process would. Layout under ``<prefix>:nd``:

``:doc:<id hex>``
    ``seq, root_seq, content hash (64 bits), root id (16 bytes)`` then the 8-bit minima
    (``num_perm`` bytes): about 130 bytes of value a document with the defaults.
``:band:<band key hex>``
    the 16-byte ids of the documents with that band key, appended.
``:seq``
    the storage order: the earliest member of a cluster (lowest ``seq``) is its root.

``add`` matches and inserts under a short lock (``:lock``) so that two processes storing two
copies of one story at the same moment still agree on which is the original.
"""

from __future__ import annotations

import logging
import struct
import time
import uuid

import numpy as np
import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot.config.declared import getbool, getfloat
from newsbot.identify.neardup import Match, NearDuplicateIndex, NearDupParams, _hash64, _id_bytes
from newsbot.scaleout.keys import Keys

logger = logging.getLogger(__name__)

_HEAD = struct.Struct(">QQQ16s")
_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class RedisSignatureIndex:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSignatureIndex:
        """``NEWSBOT_NEARDUP_INDEX_CLASS`` with the Redis add-on: signatures shared by the cluster."""
        from newsbot.scaleout.keys import connect, redis_url

        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_NEARDUP_ENABLED"):
            raise NotConfigured
        params = NearDupParams(threshold=getfloat(settings, "NEWSBOT_NEARDUP_THRESHOLD"))
        index = cls(connect(redis_url(settings)), Keys.from_settings(settings), params)
        logger.info("Near-duplicate signatures are shared in Redis (%s:*)", index.base)
        return index

    def __init__(self, client: redis.Redis, keys: Keys, params: NearDupParams | None = None) -> None:
        self.client = client
        self.base = keys.neardup
        self.local = NearDuplicateIndex(params)  # signatures and band keys only; holds no documents
        self.params = self.local.params
        self._unlock = client.register_script(_UNLOCK)

    def signature(self, text: str) -> np.ndarray | None:
        return self.local.signature(text)

    def signature_from_hashes(self, hashes: list[int]) -> np.ndarray | None:
        return self.local.signature_from_hashes(hashes)

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and bool(self.client.exists(f"{self.base}:doc:{id}"))

    def _band_keys(self, signature: np.ndarray) -> list[str]:
        keys = self.local.band_keys(np.asarray(signature, dtype=np.uint64).reshape(1, -1))[0]
        return [f"{self.base}:band:{int(k):08x}" for k in keys.tolist()]

    def _match(self, signature: np.ndarray, content_hash: str | None) -> tuple[Match, int] | None:
        bands = [b for b in self.client.mget(self._band_keys(signature)) if b]
        ids = {raw[i : i + 16] for raw in bands for i in range(0, len(raw), 16)}  # type: ignore[index]
        if not ids:
            return None
        docs = [d for d in self.client.mget([f"{self.base}:doc:{i.hex()}" for i in ids]) if d]
        if not docs:
            return None
        heads = [_HEAD.unpack_from(d) for d in docs]  # type: ignore[arg-type]
        sig8 = np.frombuffer(b"".join(d[_HEAD.size :] for d in docs), dtype=np.uint8)  # type: ignore[index]
        sig8 = sig8.reshape(len(docs), -1)
        query = self.local.bbit(np.asarray(signature, dtype=np.uint64).reshape(1, -1))[0]
        chance = 1.0 / 256
        jac = ((sig8 == query).mean(axis=1) - chance) / (1.0 - chance)
        want = int(_hash64(content_hash)) if content_hash else None
        exact = np.array([want is not None and h[2] == want for h in heads])
        ok = (jac >= self.params.threshold) | exact
        if not ok.any():
            return None
        best = min((heads[i] for i in np.flatnonzero(ok).tolist()), key=lambda h: h[1])
        return Match(best[3].hex(), float(jac[ok].max()), bool(exact.any())), int(best[1])

    def match(self, signature: np.ndarray, content_hash: str | None = None) -> Match | None:
        found = self._match(signature, content_hash)
        return found[0] if found else None

    def add(self, id: str, signature: np.ndarray, content_hash: str | None = None) -> Match | None:
        raw_id = _id_bytes(id)
        token = uuid.uuid4().hex
        lock = f"{self.base}:lock"
        while not self.client.set(lock, token, nx=True, px=5000):
            time.sleep(0.002)
        try:
            found = self._match(signature, content_hash)
            seq = int(self.client.incr(f"{self.base}:seq"))  # type: ignore[arg-type]
            root_id, root_seq = (bytes.fromhex(found[0].id), found[1]) if found else (raw_id, seq)
            sig = np.asarray(signature, dtype=np.uint64).reshape(1, -1)
            head = _HEAD.pack(seq, root_seq, int(_hash64(content_hash)), root_id)
            pipe = self.client.pipeline(transaction=True)
            pipe.set(f"{self.base}:doc:{id}", head + self.local.bbit(sig)[0].tobytes())
            for key in self._band_keys(signature):
                pipe.append(key, raw_id)
            pipe.execute()
        finally:
            self._unlock(keys=[lock], args=[token])
        return found[0] if found else None
