"""A large listing's entries, sent back from the worker pool as small pickled chunks.

Parsing a 100,000-item feed in a worker keeps the 10 s of feedparser off the reactor, but the
100,000 entries it returns were then unpickled in one ``pickle.loads``: a single C call that holds
the GIL for seconds (3.9 s on a loaded machine) while the pool's result thread runs it, so the
reactor stalled as long as if it had parsed the feed itself. :class:`PackedEntries` travels as a
list of bytes (unpickled in no time) and unpickles one chunk at a time as the spider iterates it,
between the slices where it hands the reactor back.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from newsbot.discovery.entry import DiscoveredEntry

#: Entries per chunk: one chunk unpickles in a few ms (about 40 µs an entry on a loaded machine).
CHUNK = 250


class PackedEntries(Sequence[DiscoveredEntry]):
    """A read-only sequence of entries kept as pickled chunks of :data:`CHUNK`."""

    def __init__(self, chunks: list[bytes], count: int) -> None:
        self.chunks = chunks
        self.count = count

    @classmethod
    def pack(cls, entries: Sequence[DiscoveredEntry], chunk: int = CHUNK) -> PackedEntries:
        chunks = [
            pickle.dumps(list(entries[i : i + chunk]), protocol=pickle.HIGHEST_PROTOCOL)
            for i in range(0, len(entries), chunk)
        ]
        return cls(chunks, len(entries))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[DiscoveredEntry]:
        for data in self.chunks:
            yield from pickle.loads(data)

    @overload
    def __getitem__(self, index: int) -> DiscoveredEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[DiscoveredEntry]: ...

    def __getitem__(self, index: int | slice) -> DiscoveredEntry | list[DiscoveredEntry]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        per_chunk = len(pickle.loads(self.chunks[0]))
        return pickle.loads(self.chunks[index // per_chunk])[index % per_chunk]  # type: ignore[no-any-return]


def parse_packed(parse: Callable[[bytes, str], Any], body: bytes, url: str) -> Any:
    """``parse(body, url)`` (in a worker process), its entries packed for the trip back: a list of
    entries (a feed) becomes :class:`PackedEntries`, so does the ``entries`` field of a dataclass
    result (a sitemap)."""
    result = parse(body, url)
    if isinstance(result, list):
        return PackedEntries.pack(result)
    if dataclasses.is_dataclass(result) and hasattr(result, "entries"):
        return dataclasses.replace(result, entries=PackedEntries.pack(result.entries))  # type: ignore[type-var]
    return result
