"""The deployment's `conversations:` section: how long the chat itself is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.deployment import DEPLOYMENTS, ConversationKeeping, load_deployment
from knowledge.errors import CorpusError


def written(tmp_path: Path, **changes: Any) -> Path:
    raw = yaml.safe_load((DEPLOYMENTS / "zaozhuang.yml").read_text(encoding="utf-8"))
    for key in ("eligibility_rules", "eligibility_questions"):
        raw[key] = str((DEPLOYMENTS / raw[key]).resolve())
    raw.update(changes)
    raw = {key: value for key, value in raw.items() if value is not None}
    path = tmp_path / "centre.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_default_deployment_states_its_periods() -> None:
    keeping = load_deployment(DEPLOYMENTS / "zaozhuang.yml").conversations
    assert keeping == ConversationKeeping(retention_days=30, draft_minutes=60)
    assert (keeping.retention_text, keeping.draft_text) == ("30天", "1小时")


def test_a_deployment_without_the_section_keeps_the_defaults(tmp_path: Path) -> None:
    keeping = load_deployment(written(tmp_path, conversations=None)).conversations
    assert keeping == ConversationKeeping()


@pytest.mark.parametrize("bad", [0, -3, "30", True, 1.5])
def test_a_period_that_is_no_whole_number_is_refused(tmp_path: Path, bad: object) -> None:
    with pytest.raises(CorpusError, match="retention_days"):
        load_deployment(written(tmp_path, conversations={"retention_days": bad}))
