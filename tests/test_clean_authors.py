from __future__ import annotations

from newsbot.clean import clean_paragraphs
from newsbot.clean.authors import remove_author_lines
from newsbot.clean.rules import apply_rule_files, default_ruleset, resolve_rule_paths

STORY = [
    "A new dataset counts more than 7,600 deaths linked to political violence in Burkina Faso.",
    "Hannah Okoro, who compiled the figures, said the toll was probably higher.",
    "The coming rainy season usually brings a lull in large operations.",
]


def test_name_only_byline_goes_wherever_it_is() -> None:
    paras = ["Дмитрий Волков", "Срок разрешения истекает на следующей неделе.", "Par Josué Mumbere, à Goma"]
    res = remove_author_lines(paras, ["Дмитрий Волков", "Josue Mumbere"])
    assert res.paragraphs == ["Срок разрешения истекает на следующей неделе."]
    assert [k for k, _ in res.removed] == ["byline", "byline"]


def test_bio_first_and_last_but_never_in_the_middle() -> None:
    bio = "Hannah Okoro is a research fellow at the Lagos Centre for Security Studies."
    res = remove_author_lines([bio, *STORY, bio.replace("is a", "is also a")], ["Hannah Okoro"])
    # The middle paragraph also starts with the author's name: it is the story and stays.
    assert res.paragraphs == STORY
    assert [k for k, _ in res.removed] == ["author_bio", "author_bio"]


def test_bios_in_other_languages() -> None:
    cases = [
        ("Markus Albrecht ist Oberst a. D. und schreibt über Bundeswehr und NATO.", "Markus Albrecht"),
        ("علی محمدی، پژوهشگر اقتصاد کلان و نویسنده در حوزه بازار ارز است.", "علي محمدی"),  # Arabic ي
        (
            "Farah Qureshi is The Meridian Post's South Asia correspondent, based in New Delhi.",
            "Farah Qureshi",
        ),
        ("Sami al-Ahmadi est le correspondant du journal au Yémen.", "Sami al-Ahmadi"),
    ]
    for bio, author in cases:
        res = remove_author_lines([*STORY, bio], [author])
        assert res.paragraphs == STORY, (bio, res.removed)


def test_no_authors_or_desk_names_leave_bios_alone() -> None:
    last = "La rédaction a contacté le ministère, qui n'a pas répondu."
    assert remove_author_lines([*STORY, last], ["La rédaction"]).paragraphs == [*STORY, last]
    assert remove_author_lines([*STORY, last], []).paragraphs == [*STORY, last]
    # A long last paragraph that starts with the author's name is the story.
    long = "Hannah Okoro " + "walked through the camp and counted the tents, " * 12 + "then left."
    assert remove_author_lines([*STORY, long], ["Hannah Okoro"]).paragraphs == [*STORY, long]
    # The name must end at a word boundary: "Ann Lee" is not "Ann Leeson".
    other = "Ann Leeson is the head of the aid agency's office in Goma."
    assert remove_author_lines([*STORY, other], ["Ann Lee"]).paragraphs == [*STORY, other]


def test_clean_paragraphs_and_worker_function_take_authors() -> None:
    paras = ["Hannah Okoro is a research fellow in Lagos.", *STORY, "Share this:"]
    res = clean_paragraphs(paras, rules=default_ruleset(), authors=["Hannah Okoro"])
    # The share row after the bio goes first, so the bio is the last paragraph and goes too.
    assert res.paragraphs == STORY
    assert ("rules/author_bio", paras[0]) in res.removed
    assert clean_paragraphs(paras, rules=default_ruleset()).paragraphs == paras[:-1]
    paths = tuple(str(p) for p in resolve_rule_paths(None))
    out = apply_rule_files(paths, paras, ["Hannah Okoro"])
    assert out.paragraphs == STORY
    assert {c for c, _ in out.removed} == {"share", "author_bio"}


def test_name_form_is_nfkd_without_combining_marks() -> None:
    """The translate table is a speed-up only: the same form as dropping combining marks one
    character at a time, on names and text in every script the crawl meets."""
    import random
    import unicodedata

    from newsbot.clean.authors import _LETTERS, name_form
    from newsbot.clean.text import normalise

    def reference(text: str) -> str:
        norm = unicodedata.normalize("NFKD", normalise(text))
        return "".join(c for c in norm if not unicodedata.combining(c)).translate(_LETTERS)

    rnd = random.Random(11)
    samples = ["Josué Mumbere", "علی محمدی", "كتبت يـــاسمين", "Çağrı Öztürk", "e\u0301te\u0301", "ﬁne ①"]
    for _ in range(3000):
        samples.append(
            "".join(
                chr(
                    rnd.choice(
                        [rnd.randrange(32, 0x3000), rnd.randrange(0x300, 0x370), rnd.randrange(0x600, 0x700)]
                    )
                )
                for _ in range(rnd.randrange(1, 30))
            )
        )
    for text in samples:
        assert name_form(text) == reference(text), text
