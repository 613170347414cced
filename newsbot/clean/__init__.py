"""Clean: strip boilerplate and duplicated text from extracted paragraphs without losing prose.

Pure functions over paragraph lists (:mod:`.duplicates`, :mod:`.rules`, :mod:`.quality`,
:func:`clean_paragraphs`) plus the per-source learner of :mod:`.templates`; the Scrapy pipelines
are in :mod:`newsbot.pipelines.clean`.
"""

from __future__ import annotations

from newsbot.clean.stages import CleanResult, clean_paragraphs

__all__ = ["CleanResult", "clean_paragraphs"]
