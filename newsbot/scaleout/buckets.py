"""Sets of 64-bit hashes in Redis, compact and optionally expiring.

A plain Redis set of a million 8-byte members costs about 60 MB (one hash-table entry and one
string object per member). Here the top ``bucket_bits`` of a hash pick one of ``2**bucket_bits``
small Redis hashes and the remaining bits are the field: a hash with at most
``hash-max-listpack-entries`` (default 128) fields is stored as one flat listpack, a few bytes
per field. With the default 16 bits that holds up to about 8 million entries per time bucket in
the compact encoding (``python -m newsbot.bench.redis_memory`` measures it).

Expiry works on whole keys: entries added in the same ``window`` share keys that expire together
``ttl`` after the window ends, so an entry lives between ``ttl`` and ``ttl + window``. A lookup
checks every window that can still be alive (``ceil(ttl / window) + 1`` of them).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence

import redis

# Atomic check-and-add across the live windows: two processes adding the same hash at the same
# moment get exactly one "added".
_ADD_IF_ABSENT = """
local n = #KEYS
for i = 1, n - 1 do
  if redis.call('HEXISTS', KEYS[i], ARGV[1]) == 1 then return 0 end
end
local added = redis.call('HSETNX', KEYS[n], ARGV[1], ARGV[2])
if added == 1 and ARGV[3] ~= '0' then redis.call('PEXPIREAT', KEYS[n], ARGV[3]) end
return added
"""

_SET = """
local n = #KEYS
redis.call('HSET', KEYS[n], ARGV[1], ARGV[2])
if ARGV[3] ~= '0' then redis.call('PEXPIREAT', KEYS[n], ARGV[3]) end
return 1
"""


class HashBuckets:
    """A set (or map to small values) of 64-bit hashes under ``base``.

    ``ttl`` and ``window`` are seconds; ``ttl=0`` keeps entries for ever (one window, no expiry).
    """

    def __init__(
        self,
        client: redis.Redis,
        base: str,
        *,
        ttl: float = 0.0,
        window: float = 86400.0,
        bucket_bits: int = 16,
    ) -> None:
        if not 4 <= bucket_bits <= 32:
            raise ValueError(f"bucket_bits must be between 4 and 32, got {bucket_bits}")
        self.client = client
        self.base = base
        self.ttl = max(0.0, float(ttl))
        self.window = min(float(window), self.ttl) if self.ttl else 0.0
        if self.ttl and self.window <= 0:
            raise ValueError("window must be positive")
        self.bucket_bits = bucket_bits
        self._field_bits = 64 - bucket_bits
        self._field_len = math.ceil(self._field_bits / 8)
        self._mask = (1 << self._field_bits) - 1
        self._add = client.register_script(_ADD_IF_ABSENT)
        self._set = client.register_script(_SET)

    # --- layout ----------------------------------------------------------------------------
    def _windows(self, now: float) -> tuple[list[int], int]:
        """Live window numbers (oldest first, current last) and the current window's expiry (ms)."""
        if not self.ttl:
            return [0], 0
        current = int(now // self.window)
        back = math.ceil(self.ttl / self.window)
        expire_ms = int(((current + 1) * self.window + self.ttl) * 1000)
        return list(range(current - back, current + 1)), expire_ms

    def _split(self, h: int) -> tuple[str, bytes]:
        h &= 0xFFFFFFFFFFFFFFFF
        bucket = h >> self._field_bits
        return f"{bucket:x}", (h & self._mask).to_bytes(self._field_len, "big")

    def _keys(self, h: int, now: float) -> tuple[list[str], bytes, int]:
        windows, expire_ms = self._windows(now)
        bucket, field = self._split(h)
        return [f"{self.base}:{w}:{bucket}" for w in windows], field, expire_ms

    def lookup_keys(self, h: int, now: float | None = None) -> tuple[list[str], bytes]:
        """The keys (oldest window first) and the field that can hold ``h``: for a caller that
        pipelines the lookups of several sets in one round trip."""
        keys, field, _ = self._keys(h, time.time() if now is None else now)
        return keys, field

    # --- operations ------------------------------------------------------------------------
    def add_if_absent(self, h: int, value: bytes | str = b"1", now: float | None = None) -> bool:
        """Add ``h``; True if it was not there (in any live window)."""
        keys, field, expire_ms = self._keys(h, time.time() if now is None else now)
        return bool(self._add(keys=keys, args=[field, value, expire_ms]))

    def add_many_if_absent(
        self, hashes: Iterable[int], value: bytes | str = b"1", now: float | None = None, chunk: int = 10_000
    ) -> int:
        """Bulk :meth:`add_if_absent` over pipelined round trips; returns how many were added."""
        now = time.time() if now is None else now
        added = 0
        pipe = self.client.pipeline(transaction=False)
        pending = 0
        for h in hashes:
            keys, field, expire_ms = self._keys(h, now)
            self._add(keys=keys, args=[field, value, expire_ms], client=pipe)
            pending += 1
            if pending >= chunk:
                added += sum(int(r) for r in pipe.execute())
                pending = 0
        if pending:
            added += sum(int(r) for r in pipe.execute())
        return added

    def set(self, h: int, value: bytes | str, now: float | None = None) -> None:
        """Store ``value`` for ``h`` in the current window (overwrites)."""
        keys, field, expire_ms = self._keys(h, time.time() if now is None else now)
        self._set(keys=keys, args=[field, value, expire_ms])

    def set_many(self, hashes: Sequence[int], value: bytes | str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        pipe = self.client.pipeline(transaction=False)
        for i, h in enumerate(hashes, 1):
            keys, field, expire_ms = self._keys(h, now)
            self._set(keys=keys, args=[field, value, expire_ms], client=pipe)
            if i % 10_000 == 0:
                pipe.execute()
        pipe.execute()

    def discard_many(self, hashes: Iterable[int], now: float | None = None) -> None:
        """Remove ``hashes`` from every live window (absent ones are ignored)."""
        now = time.time() if now is None else now
        pipe = self.client.pipeline(transaction=False)
        for i, h in enumerate(hashes, 1):
            keys, field, _ = self._keys(h, now)
            for key in keys:
                pipe.hdel(key, field)
            if i % 10_000 == 0:
                pipe.execute()
        pipe.execute()

    def get(self, h: int, now: float | None = None) -> bytes | None:
        """The newest value stored for ``h`` in a live window, or None."""
        keys, field, _ = self._keys(h, time.time() if now is None else now)
        if len(keys) == 1:
            return self.client.hget(keys[0], field)  # type: ignore[return-value]
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hget(key, field)
        for value in reversed(pipe.execute()):
            if value is not None:
                return value  # type: ignore[no-any-return]
        return None

    def __contains__(self, h: object) -> bool:
        return isinstance(h, int) and self.get(h) is not None

    def clear(self) -> int:
        """Delete every key of this set; returns how many keys were deleted."""
        n = 0
        batch: list[bytes] = []
        for key in self.client.scan_iter(match=f"{self.base}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                n += int(self.client.delete(*batch))  # type: ignore[arg-type]
                batch = []
        if batch:
            n += int(self.client.delete(*batch))  # type: ignore[arg-type]
        return n
