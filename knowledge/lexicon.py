"""Words: the jieba tokenizer with the domain dictionary, stopwords, and the
colloquial → formal expansions that let everyday questions meet formal text.

The domain dictionary (nlu_data/jieba/userdict.txt) is the same file the Rasa
tokenizer loads, so the bot and the search engine cut 维权援助 or 惩罚性赔偿 the
same way. The colloquial table (lexicon/colloquial.yml) says, for example, that
a question about 盗版 is also about 侵权 and 著作权.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba
import yaml

from knowledge.errors import CorpusError
from knowledge.normalize import normalize_line

COMMON_WORD_FREQ = 10
_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading at INFO


@dataclass(frozen=True)
class Expansion:
    """A colloquial phrase and the formal terms it stands for."""

    phrase: str
    terms: tuple[str, ...]


def read_stopwords(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def read_expansions(path: Path) -> list[Expansion]:
    """Parse colloquial.yml; keys and terms are normalised like any text."""
    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(f"not valid YAML ({exc})", path) from exc
    if not isinstance(table, dict):
        raise CorpusError("expected 'phrase: [term, …]' lines", path)
    expansions = []
    for phrase, terms in table.items():
        if isinstance(terms, str):
            terms = [terms]
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise CorpusError(f"terms of {phrase!r} must be a list of words", path)
        key = normalize_line(str(phrase)).lower()
        expansions.append(Expansion(key, tuple(normalize_line(t) for t in terms)))
    # Longest phrases first, so 请不起律师 is seen before 律师.
    return sorted(expansions, key=lambda e: -len(e.phrase))


class Lexicon:
    """Tokenizer and expansions, shared by index building and search.

    Thread-safe: jieba's dictionary is loaded once under a lock, after which
    cutting only reads it.
    """

    def __init__(
        self,
        user_dict: Path | None,
        stopwords: frozenset[str],
        expansions: list[Expansion],
    ) -> None:
        self._tokenizer = jieba.Tokenizer()
        self._user_dict = user_dict
        self._stopwords = stopwords
        self.expansions = expansions
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_files(cls, user_dict: Path | None, stopwords: Path, colloquial: Path) -> Lexicon:
        return cls(user_dict, read_stopwords(stopwords), read_expansions(colloquial))

    def warm(self) -> None:
        """Load jieba's dictionary now rather than on the first question."""
        with self._lock:
            if self._ready:
                return
            self._tokenizer.initialize()
            if self._user_dict is not None:
                if not self._user_dict.exists():
                    raise CorpusError("jieba user dictionary not found", self._user_dict)
                self._tokenizer.load_userdict(str(self._user_dict))
            self._ready = True

    def _keep(self, token: str) -> bool:
        return bool(_WORD.search(token)) and token not in self._stopwords

    def tokenize(self, text: str) -> list[str]:
        """Words plus every dictionary word inside them.

        知识产权维权援助中心 also yields 维权援助中心, 维权援助, 知识产权 …, so a
        question that says 维权援助中心 meets a passage that wrote the long form.
        (jieba's own search mode only adds the two- and three-character parts.)
        """
        if not self._ready:
            self.warm()
        freq = self._tokenizer.FREQ
        out: list[str] = []
        for token in self._tokenizer.cut(text.lower()):
            token = token.strip()
            if not self._keep(token):
                continue
            out.append(token)
            for size in range(len(token) - 1, 1, -1):
                for start in range(len(token) - size + 1):
                    part = token[start : start + size]
                    if freq.get(part) and self._keep(part):
                        out.append(part)
        return out

    def segment(self, text: str) -> list[str]:
        """Plain jieba segmentation, nothing dropped (offsets add up to the text)."""
        if not self._ready:
            self.warm()
        return list(self._tokenizer.cut(text))

    def specificity(self, word: str) -> float:
        """How telling a word is in general Chinese: -log of its dictionary frequency.

        电脑 or 公司 missing from the corpus says little; 年费 or 续展 missing
        says the question is about something the documents do not cover.
        """
        if not self._ready:
            self.warm()
        total = float(self._tokenizer.total)
        return math.log(total / max(self._tokenizer.FREQ.get(word, 0), 1))

    def is_common_word(self, text: str) -> bool:
        """Whether `text` is a real word of general Chinese (or a domain term).

        jieba's dictionary also lists rare strings seen a few times in its
        training text — typos such as 专力 and 资询 among them — so a word must
        be seen at least COMMON_WORD_FREQ times to count.
        """
        if not self._ready:
            self.warm()
        return self._tokenizer.FREQ.get(text, 0) >= COMMON_WORD_FREQ

    def expand(self, text: str) -> list[Expansion]:
        """The colloquial phrases found in `text`, longest first, none inside another."""
        consumed = text.lower()
        found: list[Expansion] = []
        for expansion in self.expansions:
            if expansion.phrase in consumed:
                # Blank the phrase out so a shorter key inside it does not fire again.
                consumed = consumed.replace(expansion.phrase, " ")
                found.append(expansion)
        return found
