"""Language identification: langdetect on the cleaned text, with the page's declared language as fallback.

langdetect is randomised (it samples n-grams), so by default the same text can get different answers
from one call to the next and the answer depends on what was detected before. Here the detector is
seeded and a fresh one is made for every text, so a text always gets the same answer in any process
and in any order. The profiles (about 50 languages) are loaded once per process, on first use, which
keeps this module cheap to import in worker processes.

One langdetect call per record: :func:`detect_language` uses ``get_probabilities()`` (what
``detect_langs`` does) so that the code and its probability come from the same run.
"""

from __future__ import annotations

import functools
import logging
import re
from array import array
from dataclasses import dataclass
from typing import Any

from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

logger = logging.getLogger(__name__)

# The module-level factory that langdetect.detect()/detect_langs() use reads this class attribute;
# seeding it too keeps any other caller in the process deterministic.
DetectorFactory.seed = 0

UNDETERMINED = "und"

#: Characters of body text given to the detector after the title. langdetect samples n-grams, so
#: more text mostly costs n-gram extraction time; ``python -m newsbot.bench.relevance`` measures
#: accuracy with and without this cut.
SAMPLE_CHARS = 600

#: Below this many letters the detector's answer is noise; the declared language is used instead.
MIN_LETTERS = 20

#: Confidence given to a declared (not detected) language: it is often a site-wide default.
DECLARED_CONFIDENCE = 0.3

#: When the detector is this unsure and the declared language is among its candidates, the
#: declared one wins (short Ukrainian/Russian or Spanish/Portuguese texts are the usual case).
TIE_BREAK_BELOW = 0.7

# langdetect codes that are not ISO 639-1, and deprecated ISO 639-1 codes seen in lang attributes.
_CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh", "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    code: str
    """ISO 639-1 code, or ``"und"``."""
    confidence: float
    """Detector probability in [0, 1]; :data:`DECLARED_CONFIDENCE` for a declared fallback, 0 for und."""
    method: str
    """``"detected"``, ``"declared"`` or ``"none"``."""


@functools.cache
def _factory() -> DetectorFactory:
    factory = _PackedDetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


class _PackedDetectorFactory(DetectorFactory):  # type: ignore[misc]
    """langdetect's factory with each n-gram's probabilities in an ``array('d')``.

    langdetect keeps a row of ~55 probabilities for each of ~88,000 n-grams: ~58 MB in every
    process that detects, and every worker process does. Rows of 32-bit floats take ~26 MB; the
    detector multiplies them into double-precision scores as before. Accuracy on the labelled
    articles is unchanged (``python -m newsbot.bench.relevance``).
    """

    def add_profile(self, profile: Any, index: int, langsize: int) -> None:
        if profile.name in self.langlist:
            super().add_profile(profile, index, langsize)  # raises langdetect's own error
        self.langlist.append(profile.name)
        probs = self.word_lang_prob_map
        for word, freq in profile.freq.items():
            length = len(word)
            if not 1 <= length <= 3:
                continue
            row = probs.get(word)
            if row is None:
                row = probs[word] = array("f", _ZERO) * langsize
            row[index] = freq / profile.n_words[length - 1]

    def create(self, alpha: float | None = None) -> Detector:
        """langdetect's public ``create``, building the packed detector (its private
        ``_create_detector`` hook is not overridden)."""
        if not self.langlist:
            raise LangDetectException(ErrorCode.NeedLoadProfileError, "Need to load profiles.")
        detector = _Detector(self)
        if alpha is not None:
            detector.set_alpha(alpha)
        return detector


class _NormalisedChars(dict[int, str]):
    """``str.translate`` table of langdetect's per-character normalisation, filled as it is used."""

    def __missing__(self, code: int) -> str:
        out = self[code] = NGram.normalize(chr(code))
        return out


_NORMALISED = _NormalisedChars()
_SPACES = re.compile(" {2,}")


class _Detector(Detector):  # type: ignore[misc]
    """langdetect's detector with its three Python loops rewritten; same results to the bit.

    * The sampling loop: langdetect updates the ~55 language probabilities one sampled n-gram at a
      time and normalises them every fifth update; here the five rows between two normalisations
      go through one list comprehension, ``p * (w + a) * (w + b) ...`` evaluated left to right:
      the same products in the same order, drawn from the same random sequence, hence identical
      probabilities (a test compares the two), at about a third of the time.
    * The n-gram extraction: langdetect normalises each character through a chain of Unicode
      block tests and keeps the n-gram window in an object; here the text is normalised with one
      ``str.translate`` and the window is a local string (a test compares the n-gram lists).
    * ``append``'s character loop, which only drops the second and later spaces of a run.
    """

    def append(self, text: str) -> None:
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        self.text += _SPACES.sub(" ", text[: self.max_text_length])

    def _extract_ngrams(self) -> list[str]:
        known = self.word_lang_prob_map
        result: list[str] = []
        grams = " "
        capital = False
        for ch in self.text.translate(_NORMALISED):
            last = grams[-1]
            if last == " ":
                grams = " "
                capital = False
                if ch == " ":
                    continue
            elif len(grams) >= NGram.N_GRAM:
                grams = grams[1:]
            grams += ch
            if ch.isupper():
                if last.isupper():
                    capital = True
                    continue
            else:
                capital = False
            if capital:
                continue
            if ch != " " and ch in known:
                result.append(ch)
            if len(grams) >= 2:
                if grams[-2:] in known:
                    result.append(grams[-2:])
                if len(grams) >= 3 and grams in known:
                    result.append(grams)
        return result

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        rows = self.word_lang_prob_map
        choice = self.random.choice
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        for _trial in range(self.n_trial):
            prob = self._init_probability()
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            w = alpha / self.BASE_FREQ
            # langdetect: update, and check convergence when the update count i is a multiple of 5
            first = rows[choice(ngrams)]
            prob = [p * (w + a) for p, a in zip(prob, first, strict=False)]
            i = 0
            while not (self._normalize_prob(prob) > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT):
                r1, r2, r3, r4, r5 = (rows[choice(ngrams)] for _ in range(5))
                prob = [
                    p * (w + a) * (w + b) * (w + c) * (w + d) * (w + e)
                    for p, a, b, c, d, e in zip(prob, r1, r2, r3, r4, r5, strict=False)
                ]
                i += 5
            for j in range(len(self.langprob)):
                self.langprob[j] += prob[j] / self.n_trial


_ZERO = [0.0]


def warm_up() -> None:
    """Load the language profiles now (about 0.5 s) rather than on the first record."""
    _factory()


def iso639_1(code: str | None) -> str | None:
    """A language tag as ISO 639-1: ``"en-GB"`` → ``"en"``, ``"zh-cn"`` → ``"zh"``, ``"iw"`` → ``"he"``.

    None when ``code`` is not a two-letter tag.
    """
    if not code:
        return None
    code = code.strip().lower()
    if code in _CODE_MAP:
        return _CODE_MAP[code]
    m = _TAG.match(code)
    if not m or len(m.group(1)) != 2:
        return None
    base = m.group(1)
    return _CODE_MAP.get(base, base)


def sample_text(title: str | None, body: str | None, limit: int | None = SAMPLE_CHARS) -> str:
    """The text given to the detector: the title and the start of the body."""
    body = body or ""
    if limit is not None and len(body) > limit:
        # Cut at a space so that the last word is not a fragment that skews the n-grams.
        cut = body.rfind(" ", 0, limit)
        body = body[: cut if cut > limit // 2 else limit]
    return f"{title}\n{body}" if title else body


def detect_language(
    text: str, declared: str | None = None, *, min_letters: int = MIN_LETTERS
) -> LanguageGuess:
    """Detect the language of ``text``; fall back to ``declared`` when the text is too short.

    Deterministic: the same text and declared language always give the same result.
    """
    hint = iso639_1(declared)
    if sum(ch.isalpha() for ch in text[:400]) < min_letters:
        return _fallback(hint)
    detector = _factory().create()
    detector.append(text)
    try:
        candidates = detector.get_probabilities()
    except LangDetectException:
        return _fallback(hint)
    if not candidates:
        return _fallback(hint)
    best = candidates[0]
    code, prob = _CODE_MAP.get(best.lang, best.lang), float(best.prob)
    if hint and hint != code and prob < TIE_BREAK_BELOW:
        for cand in candidates[1:]:
            if _CODE_MAP.get(cand.lang, cand.lang) == hint:
                return LanguageGuess(hint, round(float(cand.prob), 4), "declared")
    return LanguageGuess(code, round(prob, 4), "detected")


def _fallback(hint: str | None) -> LanguageGuess:
    if hint:
        return LanguageGuess(hint, DECLARED_CONFIDENCE, "declared")
    return LanguageGuess(UNDETERMINED, 0.0, "none")
