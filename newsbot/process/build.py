"""The crawl's :class:`~newsbot.process.plan.Plan`, built once from its settings in the main process.

Everything a stage needs is checked here, before anything is fetched: a bad rule file, lexicon,
language code or minimum score stops the run with a message naming the file or setting.
"""

from __future__ import annotations

import logging
import weakref

from scrapy.settings import BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from newsbot.clean.quality import QualityConfig
from newsbot.clean.rules import load_rules, resolve_rule_paths
from newsbot.config.declared import declared
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path
from newsbot.enrich.language import iso639_1
from newsbot.enrich.relevance import cached_lexicon
from newsbot.identify.neardup import NearDupParams
from newsbot.process.plan import Plan, StageFn, stage_name

logger = logging.getLogger(__name__)

#: id(settings) -> (a weak reference to them, their plan); settings are not hashable
_PLANS: dict[int, tuple[weakref.ref[BaseSettings], Plan]] = {}


def rule_paths(settings: BaseSettings) -> tuple[str, ...]:
    """The rule files of ``NEWSBOT_CLEANING_RULES``, as the worker processes receive them."""
    return tuple(str(p) for p in resolve_rule_paths(settings.get("NEWSBOT_CLEANING_RULES")))


def languages_setting(settings: BaseSettings) -> frozenset[str]:
    """``NEWSBOT_LANGUAGES`` as ISO 639-1 codes (a list or a comma-separated string)."""
    wanted = set()
    for raw in settings.getlist("NEWSBOT_LANGUAGES"):
        raw = raw.strip()
        if not raw:
            continue
        code = iso639_1(raw)
        if code is None:
            raise ConfigError("NEWSBOT_LANGUAGES", None, f"{raw!r} is not an ISO 639-1 language code")
        wanted.add(code)
    return frozenset(wanted)


def lexicon_path(settings: BaseSettings) -> str:
    return str(resolve(settings.get("NEWSBOT_RELEVANCE_LEXICON"), settings_path("relevance")))


def min_conflict_score(settings: BaseSettings) -> float:
    try:
        value = float(declared(settings, "NEWSBOT_MIN_CONFLICT_SCORE"))
    except (TypeError, ValueError) as exc:
        raise ConfigError("NEWSBOT_MIN_CONFLICT_SCORE", None, f"not a number: {exc}") from exc
    if not 0.0 <= value <= 1.0:
        raise ConfigError("NEWSBOT_MIN_CONFLICT_SCORE", None, f"must be in [0, 1], got {value}")
    return value


def plan_stages(settings: BaseSettings) -> tuple[StageFn, ...]:
    """``NEWSBOT_PAGE_STAGES`` in order, without the stages whose setting switches them off."""
    stages: list[StageFn] = []
    for entry in build_component_list(declared(settings, "NEWSBOT_PAGE_STAGES", base=True)):
        fn = load_object(entry) if isinstance(entry, str) else entry
        flag = getattr(fn, "enabled_by", None)
        if flag and not settings.getbool(flag, declared(settings, flag)):
            continue
        stages.append(fn)
    return tuple(stages)


def build_plan(settings: BaseSettings) -> Plan:
    """The plan of a crawl with ``settings`` (built once per settings object)."""
    cached = _PLANS.get(id(settings))
    if cached is not None and cached[0]() is settings:
        return cached[1]
    stages = plan_stages(settings)
    names = {stage_name(s) for s in stages}
    paths: tuple[str, ...] = ()
    if "rules" in names:
        # A ConfigError here stops the crawl before the first request. Workers load the same files
        # once each, unchecked, instead of receiving the compiled rules.
        paths = rule_paths(settings)
        logger.debug("Loaded %d cleaning rules", len(load_rules(paths)))
    lexicon = None
    if "relevance" in names:
        lexicon = lexicon_path(settings)
        lex = cached_lexicon(lexicon)
        logger.debug("relevance lexicon %s: %s", lexicon, ", ".join(sorted(lex.languages)))
    neardup = NearDupParams()
    plan = Plan(
        stages=stages,
        rule_paths=paths,
        lexicon=lexicon,
        quality=QualityConfig(
            min_words=int(declared(settings, "NEWSBOT_MIN_WORDS")),
            min_article_words=int(declared(settings, "NEWSBOT_MIN_WORDS_ARTICLE")),
        ),
        neardup=(neardup.shingle, neardup.min_shingles),
        languages=languages_setting(settings) if "language" in names else frozenset(),
        min_score=min_conflict_score(settings) if "relevance" in names else 0.0,
    )
    key = id(settings)
    _PLANS[key] = (weakref.ref(settings, lambda _ref: _PLANS.pop(key, None)), plan)
    return plan
