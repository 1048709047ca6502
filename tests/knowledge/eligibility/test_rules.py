"""A rules file cannot cite words the document does not contain, or facts it does not define."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import load_corpus
from knowledge.eligibility import load_rules
from knowledge.errors import CorpusError

ROOT = Path(__file__).resolve().parents[3]
RULES = (ROOT / "knowledge/eligibility/zaozhuang.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def documents():  # type: ignore[no-untyped-def]
    return load_corpus(ROOT / "knowledge/corpus")


def _load(tmp_path: Path, text: str, documents) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.yml"
    path.write_text(text, encoding="utf-8")
    load_rules(path, documents)


def test_every_quote_is_in_its_section(documents) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules(ROOT / "knowledge/eligibility/zaozhuang.yml", documents)
    quoted = [b for rs in rules.outcomes.values() for r in rs for b in r.basis]
    assert len(quoted) >= 10 and all(b.doc_number == "枣市监中心字〔2020〕42号" for b in quoted)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("quote: 组织提供知识产权侵权判定参考意见", "quote: 组织提供免费律师", "quote not found"),
        ("section: 四（二）7", "section: 四（二）6", "quote not found"),
        ("{in_region: false}", "{in_city: false}", "unknown fact 'in_city'"),
        ("{issue_type: overseas}", "{issue_type: abroad}", "has no value"),
        ("document: 004_333525c143d2d379", "document: 999_missing", "not in the corpus"),
    ],
)
def test_mistakes_in_a_rules_file_are_reported(
    tmp_path: Path, documents, old: str, new: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    assert old in RULES
    with pytest.raises(CorpusError, match=message):
        _load(tmp_path, RULES.replace(old, new, 1), documents)
