"""Text normalisation for documents and queries.

Published policy documents reach us scraped from web pages and PDFs, with the
faults that brings: traditional characters, the pinyin a page showed beside a
character (協(xié)同), sentences cut by page breaks (协\\n\\n同机制), stray spaces
and control characters, half-width punctuation in Chinese text. Cleaning them is
the engine's job rather than a hand edit, because the next documents users add
will carry the same faults. Queries go through the same steps, minus the line
joining, so both sides of a match look alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from knowledge.headings import CLOSING_PUNCT, TERMINAL_PUNCT, find_marker, is_title_line

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
# Full-width punctuation that counts as "Chinese context" around a half-width mark.
_CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』…—"

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_SYLLABLE = f"[a-zü{_TONE_VOWELS}]{{1,6}}"
# A character followed by its pinyin in parentheses, as some government sites
# print rare characters: 協(xié)同 → 協同. The syllable must carry a tone mark, so
# a genuine parenthesis such as 中心(TISC) or (a) is never touched.
_PINYIN_RESIDUE = re.compile(
    f"(?<=[{CJK}])[(（](?=[a-zü{_TONE_VOWELS}]*[{_TONE_VOWELS}])({_PINYIN_SYLLABLE})[)）]"
)

# Every kind of horizontal space a scraped page may carry.
_SPACES = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
_SPACE_RUN = re.compile(f"{_SPACES}+")
_LINE_BREAKS = re.compile("\r\n|\r|\f|\v|\u2028|\u2029|\u0085")
_EMPHASIS = re.compile(r"\*\*|__")

_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
_PAREN_PAIR = re.compile(r"\(([^()\n]{0,80})\)")
_DATE_LINE = re.compile(r"^\d{4}年[\d月日]{0,6}(印发|发布|印)?$")
# 文号 such as 国知发保字〔2024〕12号, alone on its line.
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,16}[〔［\[（(]\d{4}[〕］\]）)]\d{1,4}号$")


def remove_invisible(text: str) -> str:
    """Drop control, format (zero-width, BOM) and private-use characters.

    Newlines survive; form feeds and other line separators become newlines.
    """
    text = _LINE_BREAKS.sub("\n", text)
    keep = []
    for ch in text:
        if ch in "\n\t":
            keep.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Co", "Cs", "Cn"):
            continue
        keep.append(ch)
    return "".join(keep)


def strip_pinyin_residue(text: str) -> str:
    """協(xié)同 → 協同, 發(fā)揮 → 發揮."""
    return _PINYIN_RESIDUE.sub("", text)


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC (character and phrase level)."""
    if not text:
        return text
    return str(_t2s().convert(text))


def fold_fullwidth_alnum(text: str) -> str:
    """Ａ１ → A1: full-width letters and digits to ASCII (punctuation stays)."""
    return "".join(
        chr(ord(ch) - 0xFEE0) if ("０" <= ch <= "９" or "Ａ" <= ch <= "ｚ") and ch.isalnum() else ch
        for ch in text
    )


def _is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_/+%")


def collapse_spaces(line: str) -> str:
    """Remove spaces inside Chinese text; keep one between two Latin words.

    "知识产权 维权援助" → "知识产权维权援助", "力争到 2025 年" → "力争到2025年",
    "World  Trade Organization" keeps its single spaces.
    """
    parts = _SPACE_RUN.split(line.strip())
    out = parts[0]
    for part in parts[1:]:
        if out and part and _is_ascii_word_char(out[-1]) and _is_ascii_word_char(part[0]):
            out += " "
        out += part
    return out


def _is_chinese_context(ch: str) -> bool:
    return bool(_CJK_CHAR.match(ch)) or ch in _CJK_PUNCT


def fullwidth_punctuation(line: str) -> str:
    """Half-width , ; : ? ! . and () next to Chinese text become full-width.

    "协同保护,加强" → "协同保护，加强"; "(一)" → "（一）"; "10:30", "1,000" and
    "3.5" are left alone because neither neighbour is Chinese.
    """

    def paren(match: re.Match[str]) -> str:
        inner = match.group(1)
        before = line[match.start() - 1] if match.start() else ""
        if _CJK_CHAR.search(inner) or (before and _is_chinese_context(before)):
            return f"（{inner}）"
        return match.group(0)

    line = _PAREN_PAIR.sub(paren, line)
    chars = list(line)
    for i, ch in enumerate(chars):
        full = _HALF_TO_FULL.get(ch)
        if full is None:
            continue
        before = chars[i - 1] if i else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        if ch == ".":
            # A full stop only between Chinese characters: "1." and "3.5" stay.
            if before and after and _CJK_CHAR.match(before) and _CJK_CHAR.match(after):
                chars[i] = full
            continue
        if (before and _is_chinese_context(before)) or (after and _CJK_CHAR.match(after)):
            chars[i] = full
    return "".join(chars)


def _ends_sentence(paragraph: str) -> bool:
    if paragraph[0] in "（(" and paragraph[-1] in "）)":
        return True  # a whole-line note such as （此件公开发布）
    stripped = paragraph.rstrip(CLOSING_PUNCT)
    if stripped != paragraph and stripped and stripped[-1] in TERMINAL_PUNCT:
        return True
    return paragraph[-1] in TERMINAL_PUNCT


def _is_prose(paragraph: str) -> bool:
    """A prose line carries in-sentence punctuation; a title or signature does not.

    《》 and （） are left out: titles carry them too.
    """
    return any(ch in "，、；。" for ch in paragraph)


def _continues(previous: str, line: str) -> bool:
    """Whether `line` is the rest of a sentence that `previous` left unfinished."""
    if _ends_sentence(previous) or is_title_line(previous):
        return False
    if find_marker(line) is not None or _DATE_LINE.match(line) or DOC_NUMBER.match(line):
        return False
    if previous[-1] in "，、（《“‘":
        return True
    # A line ending in ： opens what follows (an addressee line, a lead-in).
    return _is_prose(previous) and line[-1] not in "：:"


def join_broken_lines(lines: list[str]) -> list[str]:
    """Rejoin sentences cut by hard line or page breaks.

    "建立公安、检察、审判机关协" + "同机制，加强……" → one paragraph. A line is
    joined to the previous one when the previous one is prose that stops without
    sentence-final punctuation and the line does not open a new numbered item.
    Titles, signatures and dates carry no in-sentence punctuation and stay apart.
    """
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        if paragraphs and _continues(paragraphs[-1], line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def normalize_line(line: str) -> str:
    """Every step that applies within one line (documents and queries alike)."""
    line = strip_pinyin_residue(line)
    line = to_simplified(line)
    line = fold_fullwidth_alnum(line)
    line = _EMPHASIS.sub("", line)
    line = collapse_spaces(line)
    return fullwidth_punctuation(line)


def normalize_document(text: str) -> list[str]:
    """Clean a document body into its paragraphs, one string each."""
    text = remove_invisible(text)
    lines = [normalize_line(line) for line in text.split("\n")]
    return join_broken_lines(lines)


def normalize_query(text: str, max_chars: int = 512) -> str:
    """Clean a question the way documents are cleaned, as one line.

    Over-long input is cut to `max_chars`: a question that long is pasted text,
    and its opening carries the point.
    """
    text = remove_invisible(text).replace("\n", " ").replace("\t", " ")
    return normalize_line(text)[:max_chars]
