"""Feeds, sitemaps and redirects cannot steer the crawler to private or metadata addresses."""

from __future__ import annotations

import ipaddress

import pytest

from newsbot.middlewares.addresses import NamedHosts, _literal, is_private
from tests.data.hostile.harness import FAST, hostile_site, newsbot, read_articles, read_rejects


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.100.100.200",
        "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
        "224.0.0.1",
    ],
)  # fmt: skip
def test_private_addresses(address: str) -> None:
    assert is_private(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert not is_private(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host,ip",
    [("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("[::1]", "::1")],
)
def test_obfuscated_literals_are_recognised(host: str, ip: str) -> None:
    assert _literal(host) == ipaddress.ip_address(ip)


def test_named_networks() -> None:
    named = NamedHosts.parse(["intranet.example", "10.20.0.0/16"])
    assert named.allows("intranet.example")
    assert named.allows("x.example", [ipaddress.ip_address("10.20.1.2")])
    assert not named.allows("x.example", [ipaddress.ip_address("10.21.1.2")])


def test_feeds_and_redirects_cannot_reach_private_addresses(tmp_path) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        proc = newsbot(
            "crawl", "--output", str(out), *FAST, "-s", "RETRY_TIMES=0",
            "--feeds", f"{base}/private-feed.xml", "--urls", f"{base}/to-metadata", f"{base}/to-localhost",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        blocked = {r["url"] for r in read_rejects(out) if r["reason"] == "blocked_address"}
        port = base.rsplit(":", 1)[1]
        assert blocked == {
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/internal/report",
            "http://[fd00:ec2::254]/latest/meta-data/",
            f"http://2130706433:{port}/article/7",
            f"http://localhost:{port}/article/8",
            f"http://localhost:{port}/article/1",  # via the redirect from /to-localhost
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # via /to-metadata
        }
        assert {r["url"] for r in read_articles(out).to_pylist()} == {f"{base}/article/9"}
        assert "Blocked http://169.254.169.254/" in proc.stderr

        # The operator can name a private host: then it is crawled.
        out2 = tmp_path / "out2"
        proc = newsbot(
            "crawl", "--output", str(out2), *FAST, "-s", "NEWSBOT_ALLOWED_PRIVATE_HOSTS=localhost",
            "--urls", f"{base}/to-localhost",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert {r["url"] for r in read_articles(out2).to_pylist()} == {f"http://localhost:{port}/article/1"}
