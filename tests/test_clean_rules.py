from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.clean.rules import RuleSet, default_ruleset, load_rules, parse_rules, resolve_rule_paths
from newsbot.config.errors import ConfigError


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset()


DIRT = [
    # read time
    "2 min read",
    "Lecture : 4 min",
    "Lesezeit: 3 Minuten",
    "5 dk okuma",
    "Время чтения: 5 минут",
    # images and captions
    "[click to enlarge] |",
    "Image caption, Rescuers search the rubble",
    "Photo: AFP",
    "Фото: Reuters",
    "Foto: dpa",
    "AFP/Getty Images",
    "3 of 12",
    # share / follow / newsletter
    "Share",
    "Share this article",
    "Follow us on Twitter and Facebook",
    "Sign up for our daily newsletter",
    "Suivez-nous sur Facebook",
    "Síguenos en Twitter",
    "Подписывайтесь на наш Telegram-канал",
    # cross-links
    "Read more: Ukraine war latest",
    "Lire aussi : La guerre au Soudan",
    "Lea también: El conflicto en Gaza",
    "Lesen Sie auch: Krieg in der Ukraine",
    "Читайте також: Обстріл Харкова",
    "Читайте также: Обстрел Харькова",
    "اقرأ أيضا: الحرب في غزة",
    "بیشتر بخوانید: جنگ در سودان",
    "Ayrıca okuyun: Gazze'de ateşkes",
    # advertising
    "Advertisement",
    "Publicité",
    "Publicidad",
    "Anzeige",
    "Реклама",
    "إعلان",
    "تبلیغات",
    "Reklam",
    # consent / paywall
    "We use cookies to improve your experience. By continuing you agree.",
    "Subscribe to continue reading",
    "Cet article est réservé aux abonnés.",
    # live-blog chrome
    "Key events",
    "Show key events only",
    "Refresh",
    "Updated 12:35 GMT",
    "10:32 am",
    "12 March 2024",
    # republished notes
    "This article was originally published on The Conversation.",
]

PROSE = [
    "Israel's share of the territory grew after the offensive.",
    "He declined to comment.",
    "The advertisement campaign was pulled after protests.",
    "Share prices fell sharply on Monday as the fighting spread.",
    "KYIV (Reuters) - Russia launched dozens of drones overnight, officials said.",
    "By the end of the day, 12 people had died in the strike.",
    "Updated figures released on Monday showed 12 dead",
    "Reklam verenler toplantısı yapıldı.",
    "Реклама на телевидении запрещена в ходе войны.",
    "Die Anzeige wurde am Montag erstattet.",
    "La publicité a été retirée du site.",
    "Follow the money, the investigators said, and you find the militia's backers.",
    "Read the statement in full, he told reporters, and you will see what was promised.",
]


@pytest.mark.parametrize("line", DIRT)
def test_dirt_removed(rules: RuleSet, line: str) -> None:
    assert rules.apply([line]).paragraphs == [], rules.apply([line]).removed


@pytest.mark.parametrize("line", PROSE)
def test_prose_kept(rules: RuleSet, line: str) -> None:
    assert rules.apply([line]).paragraphs == [line]


def test_markers_cut_text_kept(rules: RuleSet) -> None:
    res = rules.apply(
        [
            "[click to enlarge] | Displaced families queue for water in Rafah.",
            "Rescuers search the rubble (Photo by John Doe/AFP via Getty Images)",
        ]
    )
    assert res.paragraphs == ["Displaced families queue for water in Rafah.", "Rescuers search the rubble"]
    assert {c for c, _ in res.removed} == {"image", "credits"}


def test_bad_regex_names_file_line_field(tmp_path: Path) -> None:
    f = tmp_path / "mine.rules"
    f.write_text("# mine\n[promo]\nline: ok line\nprefix: (unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_rules([f])
    assert exc.value.where == str(f)
    assert exc.value.line == 4
    assert exc.value.field == "prefix"
    assert "mine.rules:4" in str(exc.value)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("nonsense without kind", "kind"),
        ("line:", "line"),
        ("line: x?", "line"),
        ("line: {{NOPE}}", "define"),
        ("line: (?P<x>a)", "line"),
    ],
)
def test_invalid_rules(text: str, field: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_rules(text, "f.rules")
    assert exc.value.field == field
    assert exc.value.line == 1


def test_user_file_and_categories(tmp_path: Path) -> None:
    f = tmp_path / "site.rules"
    f.write_text("define: OUT = meridian post\n[promo]\nline: more from {{OUT}}\nsuffix: \\s*— {{OUT}}\n")
    rs = load_rules([f])
    res = rs.apply(["More from Meridian Post", "The convoy reached the city. — Meridian Post"])
    assert res.paragraphs == ["The convoy reached the city."]
    assert [c for c, _ in res.removed] == ["promo", "promo"]
    assert resolve_rule_paths([str(f)]) == [f]
    with pytest.raises(ConfigError):
        load_rules([tmp_path / "missing.rules"])


def test_ruleset_pickles(rules: RuleSet) -> None:
    import pickle

    clone = pickle.loads(pickle.dumps(rules))
    assert clone.apply(["Advertisement", "He declined to comment."]).paragraphs == ["He declined to comment."]


def _text_lines_of_the_corpora() -> list[str]:
    """Every text line of the labelled cleaning corpus pages (prose, chrome, captions, in nine
    languages) and of the dirty record: what the line rules meet in a crawl."""
    import lxml.html

    root = Path(__file__).parent
    lines = (root / "data" / "dirty-record.txt").read_text(encoding="utf-8").splitlines()
    for page in sorted((root / "corpora" / "cleaning").glob("*.html")):
        tree = lxml.html.fromstring(page.read_bytes())
        lines += [" ".join(t.split()) for t in tree.itertext()]
        lines += (page.with_suffix("").with_suffix(".gold.txt")).read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.strip()]


def test_line_rules_bucketed_by_first_character_match_like_one_alternation() -> None:
    """The per-first-character alternations are a speed-up only: same verdicts, same categories."""
    import re as _re

    from newsbot.clean.rules import FLAGS, LINE_RULE_MAX_CHARS, default_ruleset

    rules = default_ruleset()
    line_rules = [r for r in rules.rules if r.kind == "line"]
    reference = _re.compile(
        "^(?:{})$".format("|".join(f"(?P<r{i}>{r.pattern})" for i, r in enumerate(line_rules))), FLAGS
    )
    texts = _text_lines_of_the_corpora()
    # Characters whose case folding is special: the long s, the Kelvin sign, dotted capital I, sharp s.
    texts += ["ſhare", "K", "İstanbul", "ßtraße", "Share", "SHARE", "share", "©", "(AFP)", "2 min read"]
    # dotless ı, which the engine takes as i when ignoring case
    texts += ["ımage 1 of 5", "ıllustration: AFP"]
    matched = 0
    for text in texts:
        if len(text) > LINE_RULE_MAX_CHARS:
            continue
        m = reference.match(text)
        expected = line_rules[int(m.lastgroup[1:])].category if m and m.lastgroup else None
        assert rules.match_line(text) == expected, text
        matched += expected is not None
    assert matched >= 30  # the corpus has chrome lines: the comparison is not only of misses


def _reference_cut(rules: RuleSet, text: str) -> tuple[str, list[tuple[str, str]]]:
    """Markers cut the way the rules stage did before choosing rules by required strings: one
    alternation of every prefix rule, one of every suffix rule."""
    import re as _re

    from newsbot.clean.rules import FLAGS, SUFFIX_WINDOW

    def alternation(kind: str, frame: str) -> tuple[_re.Pattern[str], list[str]]:
        chosen = [r for r in rules.rules if r.kind == kind]
        parts = "|".join(f"(?P<r{i}>{r.pattern})" for i, r in enumerate(chosen))
        return _re.compile(frame.format(parts), FLAGS), [r.category for r in chosen]

    prefix, prefix_names = alternation("prefix", "^(?:{})")
    suffix, suffix_names = alternation("suffix", "(?:{})$")
    removed: list[tuple[str, str]] = []
    for _ in range(3):
        changed = False
        m = prefix.match(text)
        if m and m.end() > 0:
            removed.append((prefix_names[int(m.lastgroup[1:])], m.group(0).strip()))
            text = text[m.end() :].strip()
            changed = True
        if text:
            m = suffix.search(text, max(0, len(text) - SUFFIX_WINDOW))
            if m and m.end() > m.start():
                removed.append((suffix_names[int(m.lastgroup[1:])], m.group(0).strip()))
                text = text[: m.start()].strip()
                changed = True
        if not changed or not text:
            break
    return text, removed


def test_markers_chosen_by_required_strings_cut_like_one_alternation() -> None:
    """Leaving out the suffix rules whose required strings a paragraph lacks is a speed-up only:
    the same cuts, with the same categories, as trying every rule."""
    rules = default_ruleset()
    texts = _text_lines_of_the_corpora()
    texts += [
        "Rescuers search the rubble. (Photo: AFP)",
        "Smoke over the city | PHOTO: REUTERS",
        "Tanks near the border. Fotoğraf: AA",
        "Дым над городом. Фото: РИА Новости",
        "Des enfants à Gaza. Crédit photo : AFP",
        "Displaced families in Goma (File photo)",
        # characters the engine takes as equal to others when ignoring case
        "Smoke over the city. Pıcture: AP",
        "Smoke over the city. ſource: AP",
        "İLLÜSTRASYON: AA",
    ]
    cut = 0
    for text in texts:
        removed: list[tuple[str, str]] = []
        ours = rules._cut_markers(text, removed)
        assert (ours, removed) == _reference_cut(rules, text), text
        cut += bool(removed)
    assert cut >= 10  # markers were cut, so the comparison is not only of misses


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r".{0,120}\ball rights reserved\.?", {"all rights reserved"}),
        (r"\(?(?:photo|foto):\s*\w+\)?", {"photo", "foto"}),
        (r"(?:enable|turn on) javascript.{0,20}", {" javascript"}),
        (r"\d+ (?:min|minutes) read", {" read"}),
        (r"(?:photo)?\s*credit", {"credit"}),  # an optional group requires nothing
        # canonical form (lower case); the parser moves the branches' common "A" out of them
        (r"PHOTO: (?:AFP|AP)", {"photo: a"}),
        (r"FOTOĞRAF|ILLÜSTRASYON", {"fotoğraf", "illüstrasyon"}),
        (r"[a-z]+\d*", None),
        (r"(?:a|\d+)x", {"x"}),  # a branch without a string leaves what follows it
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    from newsbot.clean.patterns import required_literals
    from newsbot.clean.rules import FLAGS

    assert required_literals(pattern, FLAGS) == (frozenset(expected) if expected is not None else None)


def test_a_rule_matches_only_text_holding_one_of_its_required_strings() -> None:
    """The prefilter's promise, on every bundled rule and the corpora's lines: whenever a rule
    matches, one of its required strings is in the canonical form of the text."""
    import re as _re

    from newsbot.clean.patterns import canonical, required_literals
    from newsbot.clean.rules import FLAGS

    texts = _text_lines_of_the_corpora() + ["İSTANBUL (AA)", "ſhare on Facebook", "PHOTO: AFP", "2 MIN READ"]
    checked = 0
    for rule in default_ruleset().rules:
        literals = required_literals(rule.pattern, FLAGS)
        if literals is None:
            continue
        compiled = _re.compile(rule.pattern, FLAGS)
        for text in texts:
            m = compiled.search(text)
            if m:
                assert any(lit in canonical(m.group(0)) for lit in literals), (rule.pattern, text)
                checked += 1
    assert checked >= 30


def test_canonical_follows_the_engines_ignore_case() -> None:
    import re as _re

    from newsbot.clean.patterns import canonical

    # pairs the engine matches with IGNORECASE although their lower cases differ
    for a, b in [("ſ", "s"), ("K", "k"), ("ı", "i"), ("İ", "i"), ("Σ", "ς")]:
        assert _re.fullmatch(_re.escape(b), a, _re.IGNORECASE)
        assert canonical(a) == canonical(b)
    assert canonical("Photo: AFP") == "photo: afp"


def test_rules_loaded_unchecked_in_workers_are_the_checked_rules(tmp_path: Path) -> None:
    """Workers skip compiling each pattern on its own (the crawl checked the files at start): the
    rules are the same; a broken pattern is still refused when checked."""
    paths = resolve_rule_paths(None)
    assert load_rules(paths, check=False).rules == load_rules(paths).rules
    bad = tmp_path / "bad.rules"
    bad.write_text("line: (unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad regular expression"):
        load_rules([bad])
    # unchecked, the broken file loads: the check is the crawl's main process's job, and its rules
    # stage refuses the file before anything is fetched
    assert len(load_rules([bad], check=False)) == 1
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from newsbot.pipelines.page import PagePipeline

    crawler = get_crawler(settings_dict={"NEWSBOT_CLEANING_RULES": str(bad)})
    with pytest.raises(ConfigError, match="bad regular expression"):
        build_from_crawler(PagePipeline, crawler)
