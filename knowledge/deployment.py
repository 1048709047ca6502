"""One centre's own facts: name, city, hotline, eligibility rules.

The code is the same for every centre; what differs lives in a YAML file under
deployments/ (DEPLOYMENT=zaozhuang by default, or DEPLOYMENT_FILE=<path>).
Whether a person is in the centre's region is answered from the places that
are theirs (knowledge.asker_place: 我们是临沂的, not 你们枣庄中心) and the
gazetteer, so 薛城区 counts as 枣庄 and 济南 does not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.asker_place import read_asker_place
from knowledge.errors import CorpusError
from knowledge.places import Gazetteer
from knowledge.settings import PACKAGE

DEPLOYMENTS = PACKAGE / "deployments"


@dataclass(frozen=True)
class Hotline:
    number: str
    name: str
    hours: str
    note: str = ""


@dataclass(frozen=True)
class CaseIntake:
    """How this centre takes applications: what it asks, promises and keeps.

    The consent notice (个人信息保护法 第十七条) is composed from these: who
    handles the data, for what, who sees it, how long it is kept.
    """

    purpose: str
    recipients: str
    retention_days: int
    service_promise: str
    require_id_number: bool = False

    @property
    def retention_text(self) -> str:
        return _days_text(self.retention_days)


@dataclass(frozen=True)
class ConversationKeeping:
    """How long the chat itself is kept (Rasa's conversation store).

    A conversation is deleted `retention_days` after its last message. An
    application left half-filled for `draft_minutes` counts as abandoned:
    what was typed for it is masked for good, as when it is recorded.
    """

    retention_days: int = 30
    draft_minutes: int = 60

    @property
    def retention_text(self) -> str:
        return _days_text(self.retention_days)

    @property
    def draft_text(self) -> str:
        hours, rest = divmod(self.draft_minutes, 60)
        return f"{hours}小时" if hours and not rest else f"{self.draft_minutes}分钟"


def _days_text(days: int) -> str:
    years, rest = divmod(days, 365)
    return f"{years}年" if rest == 0 and years else f"{days}天"


@dataclass(frozen=True)
class Deployment:
    centre: str
    short_name: str
    city: str
    province: str
    hotline: Hotline
    offices: str
    eligibility_rules: Path
    eligibility_questions: Path
    source: Path
    cases: CaseIntake
    conversations: ConversationKeeping = ConversationKeeping()

    def in_region(self, text: str, gazetteer: Gazetteer) -> bool | None:
        """Whether a person's words place them (or the matter) in the centre's city.

        Only the person's own places count: "我们是临沂的厂子，听说你们枣庄中心
        挺负责" is not in 枣庄, "我在薛城，瑶海区怎么规定的" is. The question asks
        "you, or the matter", so either one here is enough. None when the words
        place neither (no place, or only places that are not theirs).
        """
        found = read_asker_place(text, gazetteer)
        if found.here or any(self.city in place.lineage for place in found.places):
            return True
        home = gazetteer.place(self.city)
        denied = home is not None and any(home.within(place) for place in found.not_places)
        if found.places or found.elsewhere or denied:
            return False
        return None


def _required(raw: Mapping[str, Any], key: str, path: Path) -> Any:
    if key not in raw or raw[key] in (None, ""):
        raise CorpusError(f"deployment lacks {key!r}", path)
    return raw[key]


def _case_intake(raw: Mapping[str, Any], path: Path) -> CaseIntake:
    section = _required(raw, "cases", path)
    if not isinstance(section, dict):
        raise CorpusError("deployment 'cases' must be key: value lines", path)
    retention = _required(section, "retention_days", path)
    if not isinstance(retention, int) or isinstance(retention, bool) or retention < 1:
        raise CorpusError("cases.retention_days must be a whole number of days", path)
    require_id = section.get("require_id_number", False)
    if not isinstance(require_id, bool):
        raise CorpusError("cases.require_id_number must be true or false", path)
    return CaseIntake(
        purpose=str(_required(section, "purpose", path)),
        recipients=str(_required(section, "recipients", path)),
        retention_days=retention,
        service_promise=str(_required(section, "service_promise", path)),
        require_id_number=require_id,
    )


def _whole(section: Mapping[str, Any], key: str, default: int, path: Path) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CorpusError(f"conversations.{key} must be a whole number above 0", path)
    return value


def _conversation_keeping(raw: Mapping[str, Any], path: Path) -> ConversationKeeping:
    section = raw.get("conversations") or {}
    if not isinstance(section, dict):
        raise CorpusError("deployment 'conversations' must be key: value lines", path)
    default = ConversationKeeping()
    return ConversationKeeping(
        retention_days=_whole(section, "retention_days", default.retention_days, path),
        draft_minutes=_whole(section, "draft_minutes", default.draft_minutes, path),
    )


def load_deployment(path: Path) -> Deployment:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"cannot read deployment ({exc})", path) from exc
    if not isinstance(raw, dict):
        raise CorpusError("deployment must be key: value lines", path)
    hotline = _required(raw, "hotline", path)
    return Deployment(
        centre=_required(raw, "centre", path),
        short_name=raw.get("short_name") or raw["centre"],
        city=_required(raw, "city", path),
        province=raw.get("province", ""),
        hotline=Hotline(
            number=str(_required(hotline, "number", path)),
            name=str(hotline.get("name", "")),
            hours=str(hotline.get("hours", "")),
            note=str(hotline.get("note", "")),
        ),
        offices=str(raw.get("offices", "")),
        eligibility_rules=(path.parent / _required(raw, "eligibility_rules", path)).resolve(),
        eligibility_questions=(
            path.parent / _required(raw, "eligibility_questions", path)
        ).resolve(),
        source=path,
        cases=_case_intake(raw, path),
        conversations=_conversation_keeping(raw, path),
    )


def deployment_from_env(env: Mapping[str, str] | None = None) -> Deployment:
    env = os.environ if env is None else env
    if env.get("DEPLOYMENT_FILE"):
        return load_deployment(Path(env["DEPLOYMENT_FILE"]).expanduser())
    return load_deployment(DEPLOYMENTS / f"{env.get('DEPLOYMENT', 'zaozhuang')}.yml")
