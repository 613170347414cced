from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.identify.canonical import article_id
from newsbot.identify.neardup import NearDuplicateIndex
from newsbot.items import ArticleItem
from newsbot.pipelines.identify import IdentityPipeline, NearDuplicatePipeline
from tests.test_seen import write_partition

PAIRS = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "neardup-pairs.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
]
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _id(n: int) -> str:
    return f"{n:032x}"


def pick(kind: str, n: int = 3) -> list[dict]:
    return [p for p in PAIRS if p["kind"] == kind][:n]


@pytest.mark.parametrize(
    "pair",
    pick("new_intro_dateline") + pick("intro_trim_footer") + pick("heavy_trim") + pick("copy_edits"),
)
def test_copies_found(pair: dict) -> None:
    index = NearDuplicateIndex()
    index.add(_id(1), index.signature(pair["a"]))
    assert index.query(index.signature(pair["b"])) == _id(1)


@pytest.mark.parametrize(
    "pair", pick("same_event") + pick("shared_template") + pick("follow_up") + pick("same_event_wire_styled")
)
def test_hard_negatives_not_matched(pair: dict) -> None:
    index = NearDuplicateIndex()
    index.add(_id(1), index.signature(pair["a"]))
    assert index.query(index.signature(pair["b"])) is None


def test_short_text_has_no_signature() -> None:
    assert NearDuplicateIndex().signature("Breaking: explosions heard in the capital.") is None


def test_earliest_member_of_cluster() -> None:
    p = pick("intro_trim_footer", 1)[0]
    index = NearDuplicateIndex()
    first = index.signature(p["a"])
    assert index.add(_id(1), first) is None
    copy = index.add(_id(2), index.signature(p["b"]))
    assert copy is not None and copy.id == _id(1)
    exact = index.add(_id(3), first, "ab" * 32)
    assert exact is not None and exact.id == _id(1)
    index.add(_id(4), first, "ab" * 32)
    assert index.match(first, "ab" * 32).exact


def test_save_load(tmp_path: Path) -> None:
    index = NearDuplicateIndex()
    pairs = pick("new_intro_dateline", 10)  # ten different stories
    sigs = [index.signature(p["a"]) for p in pairs]
    for i, s in enumerate(sigs):
        index.add(_id(i), s)
    index.save(tmp_path / "state" / "neardup.npz")
    assert not list((tmp_path / "state").glob(".*"))  # no temporary file left
    loaded = NearDuplicateIndex.load(tmp_path / "state" / "neardup.npz")
    assert len(loaded) == len(index)
    for i, p in enumerate(pairs):
        assert loaded.query(loaded.signature(p["b"])) == index.query(index.signature(p["b"])) == _id(i)
    (tmp_path / "bad.npz").write_bytes(b"not numpy")
    with pytest.raises(ValueError):
        NearDuplicateIndex.load(tmp_path / "bad.npz")


def test_rebuild_from_dataset(tmp_path: Path) -> None:
    p = pick("new_intro_dateline", 1)[0]
    other = pick("same_event", 2)[1]  # a Gaza story: another event than p
    urls = [f"https://example.com/world/story-{i}" for i in range(4)]
    ids = [article_id(u) for u in urls]
    rows = [
        {"url": urls[0], "canonical_url": urls[0], "body": p["a"], "fetched_at": NOW},
        {"url": urls[1], "canonical_url": urls[1], "body": p["b"], "fetched_at": NOW + timedelta(hours=1),
         "duplicate_of": ids[0]},
        {"url": urls[2], "canonical_url": urls[2], "body": other["b"],
         "fetched_at": NOW + timedelta(hours=2)},
        {"url": urls[3], "canonical_url": urls[3], "body": "too short", "fetched_at": NOW},
    ]  # fmt: skip
    write_partition(tmp_path, "2024-06-01", rows)
    index = NearDuplicateIndex.rebuild_from_dataset(tmp_path)
    assert len(index) == 3
    assert index.query(index.signature(p["b"] + "\nA new closing line for the repost.")) == ids[0]
    assert index.query(index.signature(other["a"])) is None


def _article(url: str, body: str, hours: int = 0) -> ArticleItem:
    return ArticleItem(url=url, source="example", fetched_at=NOW + timedelta(hours=hours), body=body)


@deferred_f_from_coro_f
async def test_pipelines_across_runs(tmp_path: Path) -> None:
    p = pick("extra_paragraph", 1)[0]
    q = pick("trimmed_end", 2)[1]
    settings = {"NEWSBOT_OUTPUT_DIR": str(tmp_path), "NEWSBOT_NEARDUP_SAVE_EVERY": 0}

    async def run(items: list[ArticleItem]) -> tuple[list[ArticleItem], dict]:
        crawler = get_crawler(settings_dict=settings)
        identity = build_from_crawler(IdentityPipeline, crawler)
        neardup = build_from_crawler(NearDuplicatePipeline, crawler)
        neardup.open_spider()
        out = [await neardup.process_item(await identity.process_item(i)) for i in items]
        neardup.close_spider()
        return out, crawler.stats.get_stats()

    out, stats = await run([
        _article("https://example.com/a/original-1", p["a"]),
        _article("https://partner.com/b/copy-1", p["b"], 1),
        _article("https://mirror.com/c/exact-1", p["a"], 2),
        _article("https://example.com/a/other-2", q["a"], 3),
    ])  # fmt: skip
    first = out[0].id
    assert out[0].duplicate_of is None
    assert out[1].duplicate_of == first and out[2].duplicate_of == first
    assert out[3].duplicate_of is None
    assert stats["newsbot/duplicates/near"] == 1 and stats["newsbot/duplicates/exact"] == 1
    assert (tmp_path / "state" / "neardup.npz").exists()

    # next run: the state file is reused and an older story's copy is linked to it
    out, _ = await run([_article("https://other.com/d/copy-2", q["b"], 24)])
    assert out[0].duplicate_of == article_id("https://example.com/a/other-2")


def test_pipeline_state_lost_rebuilds_and_catches_up(tmp_path: Path) -> None:
    p = pick("heavy_trim", 1)[0]
    url = "https://example.com/world/story-1"
    write_partition(
        tmp_path, "2024-06-01", [{"url": url, "canonical_url": url, "body": p["a"], "fetched_at": NOW}]
    )
    crawler = get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path)})
    pipe = build_from_crawler(NearDuplicatePipeline, crawler)
    pipe.open_spider()  # no state file: rebuilt from the dataset
    assert len(pipe.index) == 1
    pipe.close_spider()
    # a newer dataset file (another process wrote it after our save) is picked up on the next start
    url2 = "https://example.com/world/story-2"
    path = write_partition(
        tmp_path,
        "2024-06-02",
        [{"url": url2, "canonical_url": url2, "body": pick("same_event")[0]["a"], "fetched_at": NOW}],
    )
    state = tmp_path / "state" / "neardup.npz"
    old = state.stat().st_mtime - 60
    os.utime(state, (old, old))
    pipe2 = build_from_crawler(
        NearDuplicatePipeline, get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path)})
    )
    pipe2.open_spider()
    assert len(pipe2.index) == 2
    assert path.exists()
    assert isinstance(pipe2.index._bands, np.ndarray)


def test_signature_from_worker_hashes_equals_datasketch_hashing_the_shingles() -> None:
    """The signature is computed with numpy (in the main process, from the shingle hashes a worker
    sent); it must be datasketch's own, value for value."""
    import zlib

    from datasketch import MinHash

    from newsbot.identify.neardup import NearDuplicateIndex
    from newsbot.identify.shingles import shingle_hashes, shingles

    index = NearDuplicateIndex()
    text = (Path(__file__).parent / "data" / "dirty-record.txt").read_text(encoding="utf-8")
    reference = MinHash(
        num_perm=index.params.num_perm,
        hashfunc=zlib.crc32,
        scheme="affine32",
        seed=index.params.seed,
    )
    reference.update_batch(shingles(text, index.params.shingle))
    ours = index.signature_from_hashes(shingle_hashes(text, index.params.shingle))
    assert ours is not None
    assert (reference.hashvalues.astype("uint64") == ours).all()


@pytest.mark.parametrize(("num_perm", "seed", "n"), [(64, 1, 1), (64, 1, 500), (128, 7, 40), (16, 3, 3)])
def test_numpy_minhash_equals_datasketch_on_random_hashes(num_perm: int, seed: int, n: int) -> None:
    from datasketch import MinHash

    from newsbot.identify.minhash import minhash_signature

    rng = np.random.default_rng(seed * 1000 + n)
    hashes = rng.integers(0, 2**32, size=n, dtype=np.uint64).tolist()
    reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda v: v, scheme="affine32")
    reference.update_batch(hashes)
    assert (
        minhash_signature(hashes, num_perm, seed).tolist() == reference.hashvalues.astype("uint64").tolist()
    )


def test_main_process_modules_do_not_load_scipy() -> None:
    """SciPy (pulled in by ``import datasketch``) costs ~77 MB in every process that loads it."""
    code = (
        "import sys, newsbot.pipelines.identify, newsbot.identify.neardup, newsbot.identify.shingles;"
        "print('scipy' in sys.modules, 'datasketch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_index_finds_copies_across_pending_flushes_and_merges_and_keeps_python_state_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Band entries move dict -> recent sorted array -> main array; lookups must see all three."""
    from newsbot.identify import neardup as nd

    monkeypatch.setattr(nd, "_MERGE_AT", 12_000)  # small, so that this test reaches every level
    index = NearDuplicateIndex()
    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 2**32, size=(1200, index.params.num_perm), dtype=np.uint64)
    for i, sig in enumerate(sigs):
        assert index.add(f"{i:032x}", sig) is None  # random signatures: no match
        assert index._pending_entries < nd._PENDING_MAX
    # 1,200 documents x 22 bands: some merged into the main array, some recent, some pending
    assert len(index._bands) and len(index._recent) and index._pending_entries
    where = {"main": 0, "recent": 900, "pending": 1199}  # documents whose entries sit at each level
    for level, i in where.items():
        copy = sigs[i].copy()
        copy[:3] = 0  # a near copy
        m = index.add(f"{10_000 + i:032x}", copy)
        assert m is not None and m.id == f"{i:032x}", level


@pytest.mark.parametrize(("na", "nb"), [(0, 0), (0, 5), (5, 0), (1000, 37), (37, 1000)])
def test_merge_sorted_equals_sorting_the_concatenation(na: int, nb: int) -> None:
    from newsbot.identify.sortedarrays import merge_sorted

    rng = np.random.default_rng(na * 7 + nb)
    a = np.sort(rng.integers(0, 50, na, dtype=np.uint64))  # small range: many repeats
    b = np.sort(rng.integers(0, 50, nb, dtype=np.uint64))
    assert merge_sorted(a, b).tolist() == sorted(a.tolist() + b.tolist())
