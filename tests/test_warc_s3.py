"""``NEWSBOT_WARC_ENABLED`` with ``--output s3://...``: the WARC files are uploaded whole through the
dataset's Location API, to a real S3-compatible server on loopback (moto's, as in test_s3_output)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from tests.data.hostile.harness import FAST, hostile_site, newsbot
from tests.data.hostile.server import article_html
from tests.test_s3_output import BUCKET, keys, read_s3_articles, s3, s3_endpoint  # noqa: F401 - fixture
from tests.test_warc_writer import WARC_ON, page_number
from tests.warc_check import check_layout, record_at, records


def test_a_crawl_into_s3_uploads_its_warc_files_and_rows_name_them(s3_endpoint, tmp_path: Path) -> None:  # noqa: F811
    staging = tmp_path / "tmp"
    staging.mkdir()
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(staging)  # where the crawl stages its files before the upload
    try:
        with hostile_site() as base:
            proc = newsbot(
                "crawl", "--output", f"s3://{BUCKET}/warcs", "--lock-dir", str(tmp_path / "lock"),
                *FAST, *WARC_ON, "-s", "NEWSBOT_WARC_MAX_SIZE=6000",
                "-s", f"NEWSBOT_S3_ENDPOINT_URL={s3_endpoint}",
                "--feeds", f"{base}/feed.xml?n=10",
                timeout=300,
            )  # fmt: skip
    finally:
        if saved is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved
    assert proc.returncode == 0, proc.stderr[-3000:]

    stored = keys(s3_endpoint, "warcs/warc")
    assert len(stored) >= 3, "rotation uploads several files"
    assert all(k.rsplit("/", 1)[1].startswith("newsbot-") and k.endswith(".warc.gz") for k in stored)
    objects = {}
    for key in stored:
        # compression=None: pyarrow gunzips a .gz name on the fly, and offsets are of the file as stored
        data = s3(s3_endpoint).open_input_stream(key, compression=None).read()
        check_layout(records(io.BytesIO(data)), key.rsplit("/", 1)[1])
        objects[key.removeprefix(f"{BUCKET}/warcs/")] = data

    rows = read_s3_articles(s3_endpoint, "warcs").select(["url", "warc_file", "warc_offset"]).to_pylist()
    assert len(rows) == 10
    for row in rows:
        rec = record_at(io.BytesIO(objects[row["warc_file"]]), row["warc_offset"])
        assert rec.type == "response" and rec.headers["WARC-Target-URI"] == row["url"]
        assert rec.payload == article_html(page_number(row["url"]))
    assert not list(staging.iterdir()), "the staged copies are removed once uploaded"
