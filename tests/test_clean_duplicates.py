from __future__ import annotations

from pathlib import Path

from newsbot.clean import clean_paragraphs
from newsbot.clean.duplicates import remove_duplicates, within_distance
from newsbot.clean.rules import default_ruleset

DATA = Path(__file__).parent / "data"

MONDAY = "On Monday, 12 people were killed when a drone struck the market in the north of the city."
TUESDAY = "On Tuesday, 15 people were killed when a drone struck the market in the north of the city."


def test_dirty_record_comes_out_as_the_design_describes() -> None:
    lines = (DATA / "dirty-record.txt").read_text(encoding="utf-8").splitlines()
    title, body = lines[0], lines[1:]
    standfirst = body[1]
    res = clean_paragraphs(body, title=title, description=standfirst, rules=default_ruleset())
    expected = [standfirst, body[3], *body[4:15]]
    assert res.paragraphs == expected
    assert len(res.paragraphs) == 13
    assert not any(p in ("2 min read", "[click to enlarge] |") for p in res.paragraphs)
    assert title not in res.paragraphs


def test_near_duplicates_go_different_numbers_stay() -> None:
    typo = MONDAY.replace("killed", "kiled")
    curly = MONDAY.replace("the market", "the  “market”").upper()
    res = remove_duplicates([MONDAY, TUESDAY, typo, curly])
    assert res.paragraphs == [MONDAY, TUESDAY]
    assert [k for k, _ in res.removed] == ["near", "near"]


def test_changed_short_word_is_not_a_typo() -> None:
    a = "Meal plan for the first group of displaced families: A"
    b = "Meal plan for the first group of displaced families: B"
    assert remove_duplicates([a, b]).paragraphs == [a, b]


def test_block_repeated_non_adjacent_and_merged() -> None:
    paras = [f"Paragraph {w} of the report describes the shelling of the eastern districts." for w in "abcd"]
    doubled = paras + ["An unrelated closing line that the reporter wrote once."] + paras
    assert remove_duplicates(doubled).paragraphs == doubled[:5]
    merged = paras + [" ".join(paras[1:3])]
    assert remove_duplicates(merged).paragraphs == paras


def test_pull_quote_and_title_and_bio() -> None:
    title = "Shelling hits market in eastern city"
    quote = "“We have nowhere left to go, the whole street is gone”"
    body = (
        "Residents said the strike came without warning. "
        '"We have nowhere left to go, the whole street is gone," said Amina, a teacher.'
    )
    bio = "Jane Doe is our Middle East correspondent, based in Beirut since 2015 and reporting on the region."
    res = remove_duplicates([bio, title.upper(), quote, body, bio], title=title)
    assert res.paragraphs == [bio, body]
    assert {k for k, _ in res.removed} == {"title", "pull_quote", "exact"}


def test_short_isolated_repeats_are_content() -> None:
    # Interview questions, table headers, repeated short list items are real text.
    paras = [
        "Where were you?",
        "At home, with my children, when the first shell hit.",
        "Where were you?",
        "In the shelter under the school, for two days.",
    ]
    assert remove_duplicates(paras).paragraphs == paras


def test_standfirst_kept_once() -> None:
    desc = "The army confirmed the death of an officer deployed in an advisory role."
    res = remove_duplicates(
        [desc, "Lead paragraph of the story goes here, with details.", desc], description=desc
    )
    assert res.paragraphs == [desc, "Lead paragraph of the story goes here, with details."]


def test_edit_distance_bound() -> None:
    assert within_distance("kitten", "sitting", 3)
    assert not within_distance("kitten", "sitting", 2)
    assert within_distance("abc", "abc", 0)


def test_short_quoted_pull_quote_of_earlier_text() -> None:
    said = (
        "«Діти дуже сумували за однокласниками. Тут вони нарешті можуть бачити одне одного щодня», "
        "— каже директорка школи."
    )
    pull = "«Діти дуже сумували за однокласниками»"
    res = remove_duplicates([said, pull, "Уроки тривають до третьої години."])
    assert res.removed == [("pull_quote", pull)]
    # A short quote *before* the text that repeats it is a slogan the story is about: it stays.
    slogan = "“Meth. We’re on it.”"
    later = "The slogan “Meth. We’re on it” is rolling out with TV commercials and billboards."
    assert remove_duplicates([slogan, later]).paragraphs == [slogan, later]
    # Only whole words: "on it" inside "on items" is not a repeat.
    assert remove_duplicates(["He was on items.", "“was on it”"]).paragraphs == [
        "He was on items.",
        "“was on it”",
    ]


def test_a_question_put_to_each_guest_stays_every_time() -> None:
    # An interview series: the same long question before each guest's answer. A copy of a block
    # repeats each paragraph twice; three or more occurrences are the article's own structure.
    question = "What inspired you to start cooking for an audience, and what keeps you going every day?"
    paragraphs = ["Three food writers answered our questions."]
    for name in ("Anna", "Boris", "Chen"):
        paragraphs += [name, question, f"{name}: my grandmother's kitchen, and readers who cook along."]
    res = remove_duplicates(paragraphs)
    assert res.paragraphs == paragraphs
    assert res.removed == []


def test_a_block_rendered_twice_still_goes_once() -> None:
    block = [
        "The convoy reached the northern crossing on Tuesday after a two-day delay at the checkpoint.",
        "Aid workers said the trucks carried flour, medicine and fuel for the two main hospitals.",
    ]
    res = remove_duplicates(["Headline text", *block, "Related coverage", *block])
    assert res.paragraphs == ["Headline text", *block, "Related coverage"]


def test_the_headline_the_page_shows_is_dropped_when_the_title_is_another() -> None:
    # og:title is a social headline; the page's <h1>, which the body repeats, says it otherwise
    body = [
        "Ceasefire holds on its first night, residents say",
        "Residents of the southern districts said the night passed without shelling for the first "
        "time in weeks, although drones were heard over the river towards morning.",
    ]
    res = remove_duplicates(body, title="Truce brings first quiet night in weeks", headline=body[0])
    assert res.paragraphs == body[1:]
    assert res.removed == [("title", body[0])]
    # without the shown headline, the line is text like any other
    assert remove_duplicates(body, title="Truce brings first quiet night in weeks").paragraphs == body


def test_extraction_names_the_shown_headline_only_when_it_differs_from_the_title() -> None:
    from newsbot.extract import extract_article

    story = "".join(
        f"<p>Paragraph {i} of the story about the quiet night in the southern districts, "
        "told by residents who stayed through the weeks of shelling.</p>"
        for i in range(4)
    )
    page = (
        '<html><head><meta property="og:title" content="Truce brings first quiet night in weeks">'
        "<title>Ceasefire holds - Example</title></head><body><article>"
        f"<h1>Ceasefire holds on its first night, residents say</h1>{story}</article></body></html>"
    )
    art = extract_article(page, "https://news.example/2026/11/truce")
    assert art.title == "Truce brings first quiet night in weeks"
    assert art.headline == "Ceasefire holds on its first night, residents say"
    same = page.replace(
        "Truce brings first quiet night in weeks", "Ceasefire holds on its first night, residents say"
    )
    assert extract_article(same, "https://news.example/2026/11/truce").headline is None
