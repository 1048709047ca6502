"""The conversation slots that hold an application's personal data, and how each is masked.

The case form (actions/case_form.py) collects them; the tracker store
(bot/tracker_store.py) keeps their values sealed while an application is
open and masked for good once it is recorded or abandoned. One table for
both, so a personal slot cannot be collected without being protected.

Pure Python with no third-party imports: Rasa's process (Python 3.10)
imports it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cases.privacy import mask_credit_code, mask_id, mask_name, mask_phone
from cases.right_number import mask_right_number


def _removed(label: str) -> Callable[[str], str]:
    """A mask that keeps nothing at all: for free text, which no pattern can mask."""
    return lambda _value: f"〔{label}已删除〕"


@dataclass(frozen=True)
class PersonalSlot:
    name: str
    label: str  # what it is, in the words of the form
    mask: Callable[[str], str]

    @property
    def removed(self) -> str:
        """What stands in for an answer to this slot once it is forgotten."""
        return f"〔{self.label}已删除〕"


PERSONAL_SLOTS: dict[str, PersonalSlot] = {
    slot.name: slot
    for slot in (
        PersonalSlot("contact_name", "联系人姓名", mask_name),
        PersonalSlot("contact_phone", "手机号", mask_phone),
        PersonalSlot("id_number", "身份证号", mask_id),
        PersonalSlot("organization_name", "单位名称", mask_name),
        PersonalSlot("credit_code", "统一社会信用代码", mask_credit_code),
        PersonalSlot("ip_number", "权利编号", mask_right_number),
        PersonalSlot("case_description", "情况描述", _removed("情况描述")),
    )
}

# Answers to these questions may carry personal data too, though their slot
# does not: at the summary a person confirms or says what to correct
# ("不对，手机号是…"), and that text is kept no more than the answers are.
SENSITIVE_QUESTIONS: dict[str, str] = {
    **{name: slot.label for name, slot in PERSONAL_SLOTS.items()},
    "case_confirmed": "核对答复",
    "case_fix": "更正内容",
}
