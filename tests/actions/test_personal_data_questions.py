"""Which questions ask what happens to the person's own data."""

from __future__ import annotations

import pytest

from actions.personal_data_questions import asks_about_personal_data


@pytest.mark.parametrize(
    "text",
    [
        "我填的这些信息会不会泄露出去",
        "我的信息你们会给别人看吗",
        "为啥要我的身份证号",
        "可以不填真名吗",
        "手机号是用来干什么的？",
        "聊天记录你们保存多久",
    ],
)
def test_questions_about_ones_data(text: str) -> None:
    assert asks_about_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "商业秘密泄露了怎么办",  # a right to protect, answered from the documents
        "我的专利信息怎么查",
        "我的商标被别人用了怎么办",
        "我的手机号是13912345678",  # an answer, not a question
        "你们中心周末上班吗",
    ],
)
def test_other_messages(text: str) -> None:
    assert not asks_about_personal_data(text)
