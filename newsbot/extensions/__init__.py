"""Scrapy extensions: run summary, output-directory lock, settings check, terminal progress."""
