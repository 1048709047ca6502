"""Homophone typos: 维全 → 维权, 专力 → 专利, 志原者 → 志愿者.

Most Chinese typing goes through pinyin input, so the usual typo is a
character with the same sound: the right pinyin, the wrong word. A stretch of
the question that is neither a corpus word nor a dictionary word, but sounds
exactly like a corpus word, is taken to mean that word. Real words the corpus
does not use (时候, 标致) are never "corrected", because the general dictionary
knows them.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

from pypinyin import lazy_pinyin

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_CJK_WORD = re.compile(r"^[\u3400-\u9fff]{2,6}$")
MAX_WINDOW = 4


def pinyin_key(text: str) -> str:
    return " ".join(lazy_pinyin(text))


class HomophoneCorrector:
    """Maps sound-alike stretches of a question onto the corpus vocabulary."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        is_word: Callable[[str], bool],
        segment: Callable[[str], list[str]],
    ) -> None:
        self._vocabulary = frozenset(vocabulary)
        self._is_word = is_word
        self._segment = segment
        self._by_sound: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def warm(self) -> dict[str, list[str]]:
        """Index the vocabulary by sound (once; about 50 µs a word)."""
        with self._lock:
            if self._by_sound is None:
                by_sound: dict[str, list[str]] = defaultdict(list)
                for word in self._vocabulary:
                    if _CJK_WORD.match(word):
                        by_sound[pinyin_key(word)].append(word)
                self._by_sound = dict(by_sound)
            return self._by_sound

    def corrections(self, text: str) -> list[tuple[str, str]]:
        """(typed, meant) pairs, longest stretches first, never overlapping.

        A stretch must begin where the segmenter begins a word: a typo is a
        word typed wrongly, and stretches that straddle two correct words
        (the 知发 of 国知发保字) sound like corpus words by coincidence.
        """
        by_sound = self._by_sound if self._by_sound is not None else self.warm()
        starts: set[int] = set()
        offset = 0
        for token in self._segment(text):
            starts.add(offset)
            offset += len(token)
        found: list[tuple[str, str]] = []
        for match in _CJK_RUN.finditer(text):
            run = match.group(0)
            covered = [False] * len(run)
            for size in range(min(MAX_WINDOW, len(run)), 1, -1):
                for start in range(len(run) - size + 1):
                    if match.start() + start not in starts or any(covered[start : start + size]):
                        continue
                    typed = run[start : start + size]
                    if typed in self._vocabulary or self._is_word(typed):
                        continue
                    meant = by_sound.get(pinyin_key(typed))
                    if meant and len(meant) == 1:
                        found.append((typed, meant[0]))
                        covered[start : start + size] = [True] * size
        return found
