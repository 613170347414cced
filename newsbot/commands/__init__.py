"""Project commands of ``scrapy`` (``COMMANDS_MODULE``): ``crawl`` with newsbot's checks before start."""
