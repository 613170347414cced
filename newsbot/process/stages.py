"""The stages of ``NEWSBOT_PAGE_STAGES``: each one function over a :class:`~.page.Page`.

Each stage writes only its own fields of the page and reads what the stages before it wrote;
the work itself is in the modules of its flow stage (:mod:`newsbot.extract`, :mod:`newsbot.clean`,
:mod:`newsbot.enrich`, :mod:`newsbot.identify`). A stage whose setting is off is left out of the
plan; a stage that finds nothing to work on leaves its fields as they are.
"""

from __future__ import annotations

from newsbot.clean.duplicates import remove_duplicates
from newsbot.clean.quality import assess
from newsbot.clean.rules import apply_rules, cached_rules
from newsbot.clean.structure import extract_structured, link_share
from newsbot.clean.templates import line_facts
from newsbot.enrich.language import UNDETERMINED, detect_language, iso639_1, sample_text
from newsbot.enrich.relevance import score_with_lexicon
from newsbot.extract.decode import decode_html
from newsbot.identify.shingles import normal_hash, normalise_text, signature_input
from newsbot.process.page import Page
from newsbot.process.plan import TEMPLATES, Plan, stage
from newsbot.storage.text import count_words, tidy_text


@stage("extract")
def extract(page: Page, plan: Plan) -> None:
    """Decode the page, extract headline, paragraphs and metadata (raises ExtractionError) and
    remove what the page's structure shows is not article (:mod:`newsbot.clean.structure`)."""
    if page.html is None:
        return  # a record that arrived with its text
    html = page.html
    if isinstance(html, bytes):
        html = decode_html(html, page.content_type)[1]
    # the structure stage runs with extraction: it needs the page's block facts, which only
    # extraction has, and a too-short result is extracted again in recall mode
    art, structure = extract_structured(html, page.url, page.hints, plan.quality)
    page.removed.extend(structure.removed)
    page.html = None
    page.article = art
    page.title = art.title
    page.description = art.description
    page.authors = art.authors
    page.paragraphs = art.paragraphs
    page.declared_language = art.language or page.hints.get("language")


@stage("duplicates", enabled_by="NEWSBOT_CLEAN_DUPLICATES")
def duplicates(page: Page, plan: Plan) -> None:
    """Repeated paragraphs and blocks, the headline in the body, pull quotes."""
    if not page.paragraphs:
        return
    headline = page.article.headline if page.article else None
    res = remove_duplicates(
        page.paragraphs, title=page.title, description=page.description, headline=headline
    )
    if res.removed:
        page.paragraphs = res.paragraphs
        page.removed.extend((f"duplicates/{kind}", text) for kind, text in res.removed)
        page.changed.append("duplicates")


@stage("rules", enabled_by="NEWSBOT_CLEAN_RULES")
def rules(page: Page, plan: Plan) -> None:
    """The boilerplate rule files, then the byline and bio of the record's authors. Rules run
    after deduplication so that a marker stripped from one copy of a repeated paragraph cannot
    make the two copies differ."""
    if not page.paragraphs:
        return
    ruleset = plan.rules if plan.rules is not None else cached_rules(plan.rule_paths)
    res = apply_rules(ruleset, page.paragraphs, page.authors)
    if res.removed or res.paragraphs != page.paragraphs:
        page.paragraphs = res.paragraphs
        page.removed.extend((f"rules/{cat}", text) for cat, text in res.removed)
        page.changed.append("rules")


@stage(TEMPLATES, enabled_by="NEWSBOT_CLEAN_TEMPLATES")
def templates(page: Page, plan: Plan) -> None:
    """The source's learned template lines, as the snapshot sent with the page had them; the
    paragraphs before stripping and their line facts go back for template learning."""
    if not page.paragraphs or page.snapshot is None:
        return
    page.learn = page.paragraphs
    page.facts = line_facts(page.paragraphs)
    apply_templates(page, page.snapshot.strip(page.paragraphs, page.facts))


def learning_key(page: Page) -> str | None:
    """The key a processed page is counted once under by template learning (which learns from
    ``page.learn``, its paragraphs before stripping), or None when it teaches nothing.

    Only articles teach: a front page or a listing repeats the standfirsts of the articles it
    lists, which would make each standfirst look like a line the source repeats. A document is
    known by its text, not its URL: the same article fetched under a feed's tracking URL and a
    sitemap's clean one is one document, counted once (and so whichever copy comes first, the
    stored body is the same)."""
    if page.learn is None or page.quality is not None:
        return None
    return "\n".join(page.learn)


def apply_templates(page: Page, res: object) -> None:
    """Record a template result (from the snapshot, or from the main process's current state)."""
    from newsbot.clean.templates import TemplateResult

    assert isinstance(res, TemplateResult)
    page.templates = res
    page.paragraphs = res.paragraphs
    page.removed = [r for r in page.removed if r[0] != TEMPLATES]
    page.removed.extend((TEMPLATES, text) for text in res.removed)


@stage("quality", enabled_by="NEWSBOT_CLEAN_QUALITY")
def quality(page: Page, plan: Plan) -> None:
    """Is what is left an article? A reject code stops the page."""
    paragraphs = page.paragraphs
    if not paragraphs and page.body:
        # Records that arrive with their text (API answers) are judged on it.
        paragraphs = [p for p in page.body.split("\n") if p.strip()]
    art = page.article
    hints = page.hints
    page.quality = assess(
        paragraphs,
        title=page.title,
        page_type=art.page_type if art else hints.get("page_type"),
        removed=page.removed,
        is_article=art.is_article_markup if art else bool(hints.get("is_article_markup")),
        has_video=art.has_video if art else False,
        url=page.url,
        config=plan.quality,
        link_share=link_share(art.blocks) if art else None,
    )
    page.stopped = page.quality is not None


def relevance_language(detected: str | None, declared: str | None) -> str:
    """The language relevance is scored in: the detected one, else the page's declaration."""
    if detected and detected != UNDETERMINED:
        return detected
    return iso639_1(declared) or UNDETERMINED


@stage("language", enabled_by="NEWSBOT_LANGUAGE_ENABLED")
def language(page: Page, plan: Plan) -> None:
    """Detect the language; a page in a language the crawl does not keep stops here."""
    page.language = detect_language(sample_text(page.title, page.text), page.declared_language)
    if plan.languages and page.language.code not in plan.languages:
        page.stopped = True


@stage("relevance", enabled_by="NEWSBOT_RELEVANCE_ENABLED")
def relevance(page: Page, plan: Plan) -> None:
    """Score relevance to armed conflict; a page below the minimum score stops here."""
    if plan.lexicon is None:
        return
    detected = page.language.code if page.language is not None else page.language_code
    lang = relevance_language(detected, page.declared_language)
    page.relevance_language = lang
    page.score = score_with_lexicon(plan.lexicon, page.title, page.text, lang)
    page.scored = True
    if (page.score or 0.0) < plan.min_score:
        page.stopped = True


@stage("body")
def body(page: Page, plan: Plan) -> None:
    """The stored body (tidied once, here: the paragraphs are already text), its word count and
    its content hash."""
    text = page.text
    page.final_body = tidy_text(text, multiline=True) or ""
    page.word_count = count_words(page.final_body)
    page.normal = normalise_text(page.final_body)
    page.content_hash = normal_hash(page.normal)


@stage("shingles", enabled_by="NEWSBOT_NEARDUP_ENABLED")
def shingles(page: Page, plan: Plan) -> None:
    """The shingle hashes of the body's near-duplicate signature (MinHash is done in the main
    process, which holds numpy and the index)."""
    text = page.final_body if page.final_body is not None else tidy_text(page.text, multiline=True) or ""
    page.shingles = signature_input(text, *plan.neardup, normal=page.normal)
