"""newsbot's spiders: ``news`` (feeds, sitemaps, URLs), ``gdelt`` and ``reliefweb``."""
