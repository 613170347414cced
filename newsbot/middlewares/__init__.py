"""Downloader middlewares: per-source counting and the private-address guard."""
