"""The case form as a person goes through it: consent, only the questions that apply,
exact reasons for refused answers, stopping, interruptions, a masked summary, one key.

Each test drives validate_case_form and the action_ask_* questions through
FormLoop, the way Rasa's form loop calls them, and checks what the person reads
and which slots end up set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import case_text
from actions.answer_reader import AnswerReader
from actions.case_form import (
    FORM_STATE_SLOTS,
    MAX_ATTEMPTS,
    PERSONAL_SLOTS,
    ValidateCaseForm,
    idempotency_key,
    value_before_message,
)
from actions.case_questions import case_questions
from actions.case_submission import ActionSubmitCase
from actions.vocabulary import FactVocabulary
from cases.validation import id_check_char, patent_check_char
from knowledge.deployment import Deployment, deployment_from_env
from knowledge.eligibility import Question
from tests.actions.conftest import DOMAIN, FormLoop, act, slots_set, tracker
from tests.cases.factories import credit_code, id_number

PHONE = "13812345678"
NAME = "王秀英"
DESCRIPTION = "有人在淘宝上卖仿冒我专利的产品，上个月发现的，销量很大。"
INDIVIDUAL_PATH = [
    "case_consent",
    "applicant_type",
    "ip_type",
    "contact_name",
    "contact_phone",
    "ip_number",
    "case_description",
    "case_confirmed",
]


def patent(body: str = "202310123456") -> str:
    """A patent application number whose check digit is right."""
    return f"ZL{body}.{patent_check_char(body)}"


@pytest.fixture(scope="module")
def id_deployment(tmp_path_factory: pytest.TempPathFactory, deployment: Deployment) -> Deployment:
    """A centre that asks for the ID card number, with its own notice texts."""
    raw: dict[str, Any] = yaml.safe_load(deployment.source.read_text(encoding="utf-8"))
    raw["eligibility_rules"] = str(deployment.eligibility_rules)
    raw["eligibility_questions"] = str(deployment.eligibility_questions)
    raw["cases"] |= {
        "require_id_number": True,
        "purpose": "核实身份并登记援助申请",
        "recipients": "仅受理窗口的两名工作人员",
        "retention_days": 730,
    }
    path = tmp_path_factory.mktemp("deployment") / "strict.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return deployment_from_env({"DEPLOYMENT_FILE": str(path)})


class CaseForm(FormLoop):
    """The case form of one deployment, with helpers for the usual answers."""

    def __init__(
        self,
        deployment: Deployment,
        vocabulary: FactVocabulary,
        questions: dict[str, Question],
        reader: AnswerReader | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            ValidateCaseForm(deployment, vocabulary, reader),
            case_questions(deployment, questions),
            **options,
        )

    async def through(self, *answers: str) -> None:
        """Start the form and give `answers`, each of which must be accepted."""
        if not self.active:
            await self.say("我要申请援助", "apply_assistance")
        for answer in answers:
            before = self.slots.get("requested_slot")
            turn = await self.say(answer)
            assert not turn.rejected, answer
            assert self.slots.get(before) is not None, f"{answer!r} not taken as {before}"

    def summary(self) -> str:
        return next(
            m["text"]
            for m in reversed(self.transcript)
            if (m.get("custom") or {}).get("slot") == "case_confirmed"
        )


@pytest.fixture
def make_form(
    deployment: Deployment,
    vocabulary: FactVocabulary,
    questions: dict[str, Question],
    answer_reader: AnswerReader,
) -> MakeForm:
    """Makes a conversation's case form, of the default centre or of `chosen`, with
    the answer reader as the action server has it.

    Every message the bot sends through it is checked for a Python None (conftest.act).
    """

    def make(chosen: Deployment | None = None, **options: Any) -> CaseForm:
        return CaseForm(chosen or deployment, vocabulary, questions, answer_reader, **options)

    return make


MakeForm = Callable[..., CaseForm]


class RecordingDesk:
    """Stands in for the case desk where only whether it was called matters."""

    def __init__(self) -> None:
        self.submitted: list[Any] = []

    async def submit(self, application: Any, *, key: str, sender: str) -> Any:
        self.submitted.append(application)
        raise RuntimeError("no case system in this test")


# -- consent ---------------------------------------------------------------------------


async def test_consent_is_asked_first_with_the_notice_of_the_deployment(
    make_form: MakeForm, id_deployment: Deployment
) -> None:
    form = make_form(id_deployment)
    turn = await form.say("我要申请援助", "apply_assistance")
    assert turn.asked == "case_consent"
    [notice] = turn.messages
    text = notice["text"]
    assert id_deployment.centre in text
    assert "用来做什么：核实身份并登记援助申请" in text
    assert "谁能看到：仅受理窗口的两名工作人员" in text
    assert "案件办结后2年删除" in text
    assert "联系人姓名、手机号、身份证号" in text
    assert id_deployment.hotline.number in text
    assert [b["title"] for b in notice["buttons"]] == ["同意", "不同意"]
    assert notice["custom"] == {"type": "form_question", "slot": "case_consent"}


async def test_the_default_notice_comes_from_the_zaozhuang_file(
    make_form: MakeForm, deployment: Deployment
) -> None:
    form = make_form()
    text = (await form.say("我要申请援助", "apply_assistance")).text
    assert f"用来做什么：{deployment.cases.purpose}" in text
    assert f"谁能看到：{deployment.cases.recipients}" in text
    assert "案件办结后3年删除" in text  # retention_days: 1095
    assert "身份证号" not in text  # this centre does not ask for it


@pytest.mark.parametrize(("text", "intent"), [("/deny", "deny"), ("不同意", "inform")])
async def test_refusing_consent_asks_nothing_more_and_keeps_nothing(
    make_form: MakeForm, deployment: Deployment, text: str, intent: str
) -> None:
    # Left over from an earlier, unfinished attempt in this conversation.
    form = make_form(slots={"contact_name": NAME, "contact_phone": PHONE})
    await form.say("我要申请援助", "apply_assistance")
    turn = await form.say(text, intent)
    assert turn.done
    assert form.slots["case_consent"] is False
    assert form.asked == ["case_consent"]
    desk = RecordingDesk()
    events, messages = await act(
        ActionSubmitCase(desk, deployment),
        tracker(text, intent, form.slots),
    )
    assert desk.submitted == []
    assert [m["text"] for m in messages] == [case_text.NO_CONSENT]
    cleared = slots_set(events)
    assert {slot: cleared[slot] for slot in PERSONAL_SLOTS} == dict.fromkeys(PERSONAL_SLOTS)
    assert all(cleared[slot] is None for slot in FORM_STATE_SLOTS)


async def test_consent_is_recorded_with_its_time(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm")
    assert form.slots["case_consent"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*\+00:00", form.slots["consent_at"])
    assert form.asked[-1] == "applicant_type"


# -- only the questions that apply -------------------------------------------------------


async def test_an_individual_is_not_asked_about_an_organisation(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME, PHONE, patent(), DESCRIPTION)
    assert form.asked == INDIVIDUAL_PATH
    summary = form.summary()
    assert "单位名称" not in summary and "信用代码" not in summary


async def test_a_company_gives_its_name_and_credit_code(make_form: MakeForm) -> None:
    form = make_form()
    code = credit_code()
    await form.through(
        "/affirm", "我们是小微企业", "商业秘密", NAME, PHONE, "枣庄市鲁南精工机械有限公司", code
    )
    turn = await form.say("对方是我们的前员工，带走了图纸，去年十月跳槽后发现的。")
    assert form.asked == [
        "case_consent",
        "applicant_type",
        "ip_type",
        "contact_name",
        "contact_phone",
        "organization_name",
        "credit_code",
        "case_description",  # a trade secret has no number to ask for
        "case_confirmed",
    ]
    assert form.slots["applicant_type"] == "micro_small_enterprise"
    assert form.slots["credit_code"] == code
    assert "单位名称：枣庄市鲁南精工机械有限公司" in turn.text
    assert f"统一社会信用代码：{code[:4]}**********{code[-4:]}" in turn.text


async def test_facts_from_the_eligibility_check_are_not_asked_again(make_form: MakeForm) -> None:
    form = make_form(slots={"applicant_type": "individual", "ip_type": "trademark"})
    await form.through("/affirm")
    assert form.asked == ["case_consent", "contact_name"]
    company = make_form(slots={"applicant_type": "research_institution", "ip_type": "copyright"})
    await company.through("/affirm", NAME, PHONE)
    assert company.asked == [
        "case_consent",
        "contact_name",
        "contact_phone",
        "organization_name",
    ]


async def test_a_button_tap_answers_a_choice(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm")
    turn = await form.say(
        '/inform{"applicant_type": "large_enterprise"}',
        entities=[{"entity": "applicant_type", "value": "large_enterprise"}],
    )
    assert form.slots["applicant_type"] == "large_enterprise"
    assert turn.asked == "ip_type"
    assert [b["title"] for b in turn.messages[-1]["buttons"]][:2] == ["专利", "商标"]


# -- contact details -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "8613812345678",
        "１３８１２３４５６７８",  # full-width digits
        "我的手机是138 1234 5678",
        "手机：+86 13812345678，白天都能接",
    ],
)
async def test_a_phone_number_is_read_however_it_is_written(
    make_form: MakeForm, typed: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME)
    turn = await form.say(typed)
    assert form.slots["contact_phone"] == PHONE
    assert turn.asked == "ip_number"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14012345678", "140到144开头的是物联网卡号码，不能作为联系电话"),
        ("141 1234 5678", "140到144开头的是物联网卡号码，不能作为联系电话"),
        ("+86 144-1234-5678", "140到144开头的是物联网卡号码，不能作为联系电话"),
        ("1381234567", "手机号应为11位数字，您输入的是10位"),
        ("138123456789", "手机号应为11位数字，您输入的是12位"),
        ("0632-3312345", "这看起来是座机号码"),
        ("+1 415 555 0100", "目前只能登记中国大陆手机号"),
        ("12812345678", "手机号应以13到19开头"),
    ],
)
async def test_a_phone_number_is_refused_with_the_reason(
    make_form: MakeForm, typed: str, expected: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME)
    turn = await form.say(typed)
    assert form.slots["contact_phone"] is None
    assert expected in turn.messages[0]["text"]
    assert turn.asked == "contact_phone"  # asked again


async def test_name_and_phone_in_one_message(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利")
    turn = await form.say("我叫王秀英 138-1234-5678")
    assert form.slots["contact_name"] == NAME
    assert form.slots["contact_phone"] == PHONE
    assert turn.asked == "ip_number"
    assert "contact_phone" not in form.asked


async def test_a_name_with_digits_is_refused(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利")
    turn = await form.say("王秀英2号")
    assert form.slots["contact_name"] is None
    assert "姓名里不应有数字" in turn.messages[0]["text"]


# -- organisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("91370400MA3C8B9X2K", "最后一位校验码对不上"),  # the right one ends in J
        ("91370400MA3C8B9X", "应为18位，您输入的是16位"),
        ("91370400MA3C8O9X2J", "这里的“O”可能是数字0"),
    ],
)
async def test_a_wrong_credit_code_is_refused_with_the_reason(
    make_form: MakeForm, typed: str, expected: str
) -> None:
    form = make_form()
    await form.through("/affirm", "中小微企业", "专利", NAME, PHONE, "鲁南精工机械有限公司")
    turn = await form.say(typed)
    assert form.slots["credit_code"] is None
    assert expected in turn.messages[0]["text"]
    assert turn.asked == "credit_code"


async def test_a_credit_code_is_taken_in_lower_case_and_with_spaces(make_form: MakeForm) -> None:
    form = make_form()
    code = credit_code()
    await form.through("/affirm", "中小微企业", "专利", NAME, PHONE, "鲁南精工机械有限公司")
    await form.say(f"{code[:6]} {code[6:12]} {code[12:]}".lower())
    assert form.slots["credit_code"] == code


async def test_organisation_name_and_credit_code_in_one_message(make_form: MakeForm) -> None:
    form = make_form()
    code = credit_code()
    await form.through("/affirm", "中小微企业", "专利", NAME, PHONE)
    turn = await form.say(f"枣庄鲁南精工机械有限公司 {code}")
    assert form.slots["organization_name"] == "枣庄鲁南精工机械有限公司"
    assert form.slots["credit_code"] == code
    assert turn.asked == "ip_number"


# -- identity card, only where the centre asks for it ------------------------------------------


async def test_the_id_number_is_asked_only_where_the_centre_requires_it(
    make_form: MakeForm, id_deployment: Deployment
) -> None:
    form = make_form(id_deployment)
    await form.through("/affirm", "个人", "专利", NAME, PHONE)
    assert form.asked[-1] == "id_number"
    question = form.transcript[-1]["text"]
    assert "18位居民身份证号码" in question and id_deployment.short_name in question
    turn = await form.say("身份证 " + id_number()[:-1] + id_number()[-1].lower())
    assert form.slots["id_number"] == id_number()
    assert turn.asked == "ip_number"
    plain = make_form()
    await plain.through("/affirm", "个人", "专利", NAME, PHONE, patent(), DESCRIPTION)
    assert "id_number" not in plain.asked
    assert "身份证号" not in plain.summary()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("370402198802141231", "身份证号校验没通过"),  # the right one ends in 0
        ("37040219880230123" + "X", "“19880230”不是一个真实的日期"),
        ("37040220990101123" + "4", "晚于今天"),
        ("370402880214123", "这是15位的旧身份证号"),
        ("990402198802141230", "“99”不是有效的代码"),
    ],
)
async def test_an_id_number_is_checked_by_its_check_digit_and_birth_date(
    make_form: MakeForm, id_deployment: Deployment, typed: str, expected: str
) -> None:
    form = make_form(id_deployment)
    await form.through("/affirm", "个人", "专利", NAME, PHONE)
    turn = await form.say(typed)
    assert form.slots["id_number"] is None
    assert expected in turn.messages[0]["text"]
    assert turn.asked == "id_number"


async def test_an_id_number_with_a_valid_check_but_an_impossible_birth_date_is_refused(
    make_form: MakeForm, id_deployment: Deployment
) -> None:
    # The check digit alone would pass: the date must be checked too.
    body = "37040219880230123"
    form = make_form(id_deployment)
    await form.through("/affirm", "个人", "专利", NAME, PHONE)
    turn = await form.say(body + id_check_char(body))
    assert form.slots["id_number"] is None
    assert "不是一个真实的日期" in turn.messages[0]["text"]


# -- the right's number ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("right", "typed", "stored"),
    [
        ("专利", patent(), "202310123456." + patent_check_char("202310123456")),
        ("专利", "2023101234" + "59X", "202310123459.X"),
        ("专利", "zl 202310123459.x", "202310123459.X"),
        ("专利", "CN110123456B", "CN110123456B"),
        ("商标", "第12345678号", "12345678"),
        ("商标", "1234567", "1234567"),
        ("著作权", "国作登字-2023-F-00123456", "国作登字-2023-F-00123456"),
    ],
)
async def test_a_right_number_is_checked_for_its_kind(
    make_form: MakeForm, right: str, typed: str, stored: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", right, NAME, PHONE)
    turn = await form.say(typed)
    assert form.slots["ip_number"] == stored
    assert turn.asked == "case_description"


@pytest.mark.parametrize(
    ("right", "typed", "expected"),
    [
        ("专利", "ZL202310123456.0", "校验位对不上"),
        ("专利", "202310123456", "最后还有一位校验位"),
        ("专利", "ZL199910123456.1", "“1999”不对"),
        ("商标", "123456789", "商标注册号最多8位数字"),
        ("商标", "ABC123", "商标注册号只由数字组成"),
    ],
)
async def test_a_wrong_right_number_is_refused_and_none_is_offered(
    make_form: MakeForm, right: str, typed: str, expected: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", right, NAME, PHONE)
    turn = await form.say(typed)
    assert form.slots["ip_number"] is None
    assert expected in turn.messages[0]["text"]
    assert "没有的话可以说“没有”" in turn.messages[0]["text"]
    assert turn.asked == "ip_number"


async def test_no_number_at_hand_is_an_answer(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "商标", NAME, PHONE)
    question = form.transcript[-1]
    assert "商标注册号" in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["没有"]
    await form.through("没有", DESCRIPTION)
    assert form.slots["ip_number"] == case_text.NO_NUMBER
    summary = form.summary()
    assert "· 涉及权利：商标\n" in summary  # no number shown, and no "无"


@pytest.mark.parametrize(("right", "slot"), [("商业秘密", "trade_secret"), ("其他", "other")])
async def test_a_right_without_a_number_is_not_asked_for_one(
    make_form: MakeForm, right: str, slot: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", right, NAME, PHONE)
    assert form.slots["ip_type"] == slot
    assert form.asked[-1] == "case_description"


# -- refused answers, stopping -------------------------------------------------------------------


async def test_after_repeated_failures_the_bot_explains_and_asks_whether_to_go_on(
    make_form: MakeForm,
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME)
    for attempt in range(1, MAX_ATTEMPTS):
        turn = await form.say("1234")
        assert form.slots["case_attempts"] == attempt
        assert "要继续填写吗" not in turn.text
    turn = await form.say("1234")
    first = turn.messages[0]
    assert "手机号应为11位数字" in first["text"]
    assert "需要一个能接通的中国大陆11位手机号" in first["text"]
    assert first["text"].endswith("要继续填写吗？")
    assert [b["title"] for b in first["buttons"]] == ["继续填写", "不申请了"]
    # 继续填写: the same question again, with a clean count; then a good answer is taken.
    turn = await form.say("/affirm", "affirm")
    assert turn.asked == "contact_phone"
    assert form.slots["case_attempts"] == 0
    assert form.slots["contact_phone"] is None
    await form.say(PHONE)
    assert form.slots["contact_phone"] == PHONE


async def test_after_repeated_failures_a_correct_answer_is_still_taken(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME)
    for _ in range(MAX_ATTEMPTS):
        await form.say("1234")
    turn = await form.say("138 1234 5678")
    assert form.slots["contact_phone"] == PHONE
    assert turn.asked == "ip_number"


@pytest.mark.parametrize(("text", "intent"), [("不申请了", "inform"), ("不", "deny")])
async def test_after_repeated_failures_no_ends_the_form(
    make_form: MakeForm, text: str, intent: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME)
    for _ in range(MAX_ATTEMPTS):
        await form.say("1234")
    turn = await form.say(text, intent)
    assert turn.done and form.slots["case_stopped"] is True


@pytest.mark.parametrize("text", ["算了", "不办了", "算了，不弄了", "我不想填了", "取消申请"])
async def test_stop_words_end_the_form_and_nothing_is_kept(
    make_form: MakeForm, deployment: Deployment, text: str
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME, PHONE)
    turn = await form.say(text)
    assert turn.done
    assert form.slots["case_stopped"] is True
    desk = RecordingDesk()
    events, messages = await act(
        ActionSubmitCase(desk, deployment),
        tracker(text, "inform", form.slots),
    )
    assert desk.submitted == []
    assert [m["text"] for m in messages] == [case_text.STOPPED]
    after = form.slots | slots_set(events)
    assert all(after[slot] is None for slot in (*PERSONAL_SLOTS, *FORM_STATE_SLOTS))


async def test_a_description_may_contain_a_stop_word(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME, PHONE, "没有")
    turn = await form.say("对方说算了不赔，我们协商了三次都不成，只好申请援助。")
    assert form.slots["case_stopped"] is None
    assert form.slots["case_description"].startswith("对方说算了不赔")
    assert turn.asked == "case_confirmed"


async def test_words_in_the_description_do_not_change_earlier_answers(
    make_form: MakeForm,
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "商标", NAME, PHONE, "没有")
    # The NLU tags the infringer's 网店 as an applicant type and 专利 as a right.
    turn = await form.say(
        "网店盗用我们注册的商标，还说他们有专利",
        entities=[
            {"entity": "applicant_type", "value": "网店"},
            {"entity": "ip_type", "value": "专利"},
        ],
    )
    assert turn.asked == "case_confirmed"  # not the organisation's name
    assert (form.slots["applicant_type"], form.slots["ip_type"]) == ("individual", "trademark")
    assert form.slots["case_description"].startswith("网店盗用")
    assert "申请人类型：个人" in form.summary() and "涉及权利：商标" in form.summary()


def test_the_value_before_the_message_comes_from_the_history() -> None:
    state = tracker(
        "我们是公司",
        "inform",
        slots={"applicant_type": "individual"},
        set_now={"applicant_type": "micro_small_enterprise"},
    )
    assert state.get_slot("applicant_type") == "micro_small_enterprise"
    assert value_before_message(state, "applicant_type") == "individual"
    assert value_before_message(state, "ip_type") is None
    state.events.insert(1, {"event": "restart"})
    assert value_before_message(state, "applicant_type") is None


# -- interruptions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "answers", "text", "intent"),
    [
        ("contact_name", ["/affirm", "个人", "专利"], "专利侵权一般赔多少钱？", "ask_policy"),
        ("contact_phone", ["/affirm", "个人", "专利", NAME], "援助要收费吗", "ask_policy"),
        ("case_consent", [], "你们会把我的信息给谁看？", "ask_policy"),
        ("contact_phone", ["/affirm", "个人", "专利", NAME], "转人工", "ask_human"),
        ("ip_number", ["/affirm", "个人", "专利", NAME, PHONE], "你是机器人吗", "bot_challenge"),
    ],
)
async def test_a_question_mid_form_is_not_taken_as_the_answer(
    make_form: MakeForm, requested: str, answers: list[str], text: str, intent: str
) -> None:
    form = make_form()
    await form.through(*answers)
    assert form.slots["requested_slot"] == requested
    before = dict(form.slots)
    turn = await form.say(text, intent, confidence=0.92)
    assert turn.rejected  # the form's rules answer it (bot/data/rules.yml)
    assert turn.messages == []
    assert form.slots == before
    if intent == "ask_policy":  # answered, then back to the same question
        again = await form.resume()
        assert again.asked == requested
        assert form.slots[requested] is None


@pytest.mark.parametrize(
    ("requested", "answers", "text", "intent"),
    [
        ("ip_type", ["/affirm", "个人"], "能不能找律师帮我代理", "nlu_fallback"),
        ("contact_name", ["/affirm", "个人", "专利"], "我人在临沂，你们能受理吗", "nlu_fallback"),
        ("contact_name", ["/affirm", "个人", "专利"], "收费吗", "nlu_fallback"),
        (
            "contact_phone",
            ["/affirm", "个人", "专利", NAME],
            "被别人告了也能申请援助吗",
            "check_eligibility",
        ),
        ("ip_number", ["/affirm", "个人", "专利", NAME, PHONE], "调解要多久", "nlu_fallback"),
    ],
)
async def test_a_question_the_nlu_is_unsure_of_is_left_to_the_rules_at_every_step(
    make_form: MakeForm, requested: str, answers: list[str], text: str, intent: str
) -> None:
    form = make_form()
    await form.through(*answers)
    assert form.slots["requested_slot"] == requested
    turn = await form.say(text, intent, confidence=0.4)
    assert turn.rejected and turn.messages == []  # no "请填写…" for a question
    again = await form.resume()
    assert again.asked == requested


async def test_an_answer_classified_as_a_question_is_still_an_answer(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME)
    await form.say("13812345678", "ask_policy", confidence=0.9)
    assert form.slots["contact_phone"] == PHONE
    # A short name the NLU was unsure about is a name.
    other = make_form()
    await other.through("/affirm", "个人", "专利")
    await other.say("李雷", "ask_policy", confidence=0.4)
    assert other.slots["contact_name"] == "李雷"


async def test_an_unreadable_choice_gets_a_hint(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm")
    turn = await form.say("我也说不清")
    assert form.slots["applicant_type"] is None
    assert turn.messages[0]["text"] == "请点按钮选择申请人的类型，比如“个人”或“中小微企业”。"
    assert turn.asked == "applicant_type"


@pytest.mark.parametrize(
    ("slot", "answers", "yes"),
    [
        ("case_consent", [], "同意"),
        (
            "case_confirmed",
            ["/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION],
            "确认提交",
        ),
    ],
)
async def test_a_yes_after_several_unclear_answers_answers_the_question(
    make_form: MakeForm, slot: str, answers: list[str], yes: str
) -> None:
    # Unclear answers to a yes/no question get a hint, never "要继续填写吗？";
    # so a later 同意 / 确认提交 answers the question itself.
    form = make_form()
    await form.through(*answers)
    for unclear in ("嗯…让我想想", "这个是干嘛的", "呃"):
        turn = await form.say(unclear)
        assert "要继续填写吗" not in turn.text
    assert form.slots["case_attempts"] >= MAX_ATTEMPTS
    await form.say(yes, "affirm")
    assert form.slots[slot] is True


@pytest.mark.parametrize(
    ("slot", "answers", "text"),
    [
        ("case_consent", [], "嗯…让我想想"),
        ("case_consent", [], "可以先问一下保存在哪里吗？"),
        (
            "case_confirmed",
            ["/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION],
            "嗯，我再想想",
        ),
        ("case_confirmed", ["/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION], "好的？"),
    ],
)
async def test_a_hesitation_is_no_yes(
    make_form: MakeForm, slot: str, answers: list[str], text: str
) -> None:
    # Consent must be given, and a case submitted, only on a plain yes.
    form = make_form()
    await form.through(*answers)
    turn = await form.say(text, confidence=0.5)
    assert form.slots[slot] is None
    assert turn.asked == slot
    assert turn.messages[0]["text"] in (
        "请回答“同意”或“不同意”。",
        "信息无误请回复“确认提交”，需要修改请回复“修改”。",
    )


# -- summary, corrections, confirmation ---------------------------------------------------------------


async def test_the_summary_masks_phone_and_id(
    make_form: MakeForm, id_deployment: Deployment
) -> None:
    form = make_form(id_deployment)
    await form.through("/affirm", "个人", "专利", NAME, PHONE, id_number(), patent(), DESCRIPTION)
    summary = form.summary()
    assert "手机号：138****5678" in summary
    assert f"身份证号：3704**********{id_number()[-4:]}" in summary
    assert PHONE not in summary and id_number() not in summary
    assert f"联系人：{NAME}" in summary
    assert "申请人类型：个人" in summary
    assert f"涉及权利：专利，专利号：{patent()[2:]}" in summary
    assert [b["title"] for b in form.transcript[-1]["buttons"]] == ["确认提交", "修改", "取消申请"]
    # And nothing personal shows in any question asked after it was given.
    later = form.transcript[form.asked.index("contact_phone") + 1 :]
    assert all(PHONE not in (m.get("text") or "") for m in later)


async def test_a_long_description_is_shortened_in_the_summary(make_form: MakeForm) -> None:
    form = make_form()
    long = "对方在多个电商平台销售仿冒产品，" * 10
    await form.through("/affirm", "个人", "专利", NAME, PHONE, "没有", long)
    assert form.slots["case_description"] == long
    line = next(x for x in form.summary().splitlines() if x.startswith("· 情况描述："))
    assert line.endswith("…") and len(line) == len("· 情况描述：") + case_text.DESCRIPTION_SHOWN


async def test_a_correction_asks_that_answer_again_then_the_summary(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION)
    turn = await form.say("修改")
    assert turn.asked == "case_fix"
    assert form.slots["case_confirmed"] is False and form.slots["case_key"] is None
    assert "手机号" in [b["title"] for b in turn.messages[-1]["buttons"]]
    turn = await form.say("修改手机号")
    assert turn.asked == "contact_phone" and form.slots["contact_phone"] is None
    turn = await form.say("139 0000 1111")
    assert turn.asked == "case_confirmed"
    assert "手机号：139****1111" in turn.messages[-1]["text"]
    assert form.slots["contact_name"] == NAME  # the rest is kept


async def test_changing_the_applicant_to_a_company_asks_for_the_organisation(
    make_form: MakeForm,
) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "商业秘密", NAME, PHONE, DESCRIPTION, "修改")
    await form.say("申请人类型")
    turn = await form.say("社会组织")
    assert turn.asked == "organization_name"
    await form.through("枣庄市发明协会", credit_code())
    assert form.asked[-1] == "case_confirmed"
    assert "单位名称：枣庄市发明协会" in form.summary()


@pytest.mark.parametrize(
    ("button", "asked"),
    [
        ("联系人", ["contact_name"]),
        ("手机号", ["contact_phone"]),
        ("身份证号", ["id_number"]),
        ("单位名称", ["organization_name"]),
        ("信用代码", ["credit_code"]),
        ("权利编号", ["ip_number"]),
        ("申请人类型", ["applicant_type"]),
        ("权利类型", ["ip_type", "ip_number"]),  # another right, another number
        ("情况描述", ["case_description"]),
        ("没有要改的", []),
    ],
)
async def test_every_correction_button_asks_its_answer_again(
    make_form: MakeForm, id_deployment: Deployment, button: str, asked: list[str]
) -> None:
    form = make_form(id_deployment)
    code = credit_code()
    await form.through(
        "/affirm", "中小微企业", "专利", NAME, PHONE, id_number(), "鲁南精工", code, patent()
    )
    await form.through(DESCRIPTION, "修改")
    [payload] = [b["payload"] for b in form.transcript[-1]["buttons"] if b["title"] == button]
    turn = await form.say(payload)
    assert form.slots["case_fix"] is None and form.slots["case_confirmed"] is None
    start = len(form.asked) - 1
    answers = {
        "contact_name": NAME,
        "contact_phone": PHONE,
        "id_number": id_number(),
        "organization_name": "鲁南精工",
        "credit_code": code,
        "ip_number": patent(),
        "applicant_type": "中小微企业",
        "ip_type": "专利",
        "case_description": DESCRIPTION,
    }
    while turn.asked != "case_confirmed":
        assert turn.asked is not None
        turn = await form.say(answers[turn.asked])
    assert form.asked[start:-1] == asked
    assert "请核对申请信息" in turn.messages[-1]["text"]


async def test_cancelling_at_the_summary_stops(make_form: MakeForm) -> None:
    form = make_form()
    await form.through("/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION)
    [cancel] = [b for b in form.transcript[-1]["buttons"] if b["title"] == "取消申请"]
    turn = await form.say(cancel["payload"])
    assert turn.done and form.slots["case_stopped"] is True
    assert form.slots["case_confirmed"] is None and form.slots["case_key"] is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [("/affirm", "affirm"), ("确认提交", "inform"), ("没问题，不用改了", "affirm")],
)
async def test_confirming_sets_the_idempotency_key(
    make_form: MakeForm, text: str, intent: str
) -> None:
    form = make_form(sender="wx-user-1")
    await form.through("/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION)
    turn = await form.say(text, intent, message_id="msg-42")
    assert turn.done
    assert form.slots["case_confirmed"] is True
    assert form.slots["case_key"] == idempotency_key("wx-user-1", "msg-42")
    assert re.fullmatch(r"[0-9a-f]{40}", form.slots["case_key"])


async def test_the_same_confirming_message_gives_the_same_key(make_form: MakeForm) -> None:
    async def confirm(sender: str, message_id: str) -> str:
        form = make_form(sender=sender)
        await form.through("/affirm", "个人", "专利", NAME, PHONE, "没有", DESCRIPTION)
        await form.say("确认提交", "affirm", message_id=message_id)
        return str(form.slots["case_key"])

    first = await confirm("wx-user-1", "msg-42")
    assert await confirm("wx-user-1", "msg-42") == first  # Rasa re-running the turn
    assert await confirm("wx-user-1", "msg-43") != first  # a new confirmation
    assert await confirm("wx-user-2", "msg-42") != first  # another conversation


async def test_a_key_already_made_is_kept(
    deployment: Deployment, vocabulary: FactVocabulary
) -> None:
    form = ValidateCaseForm(deployment, vocabulary)
    state = tracker(
        "确认提交",
        "affirm",
        {"case_key": "k-earlier", "requested_slot": "case_confirmed"},
        message_id="msg-99",
    )
    checked = await form.validate_case_confirmed(True, CollectingDispatcher(), state, DOMAIN)
    assert checked == {"case_confirmed": True, "case_attempts": 0, "case_key": "k-earlier"}


async def test_no_question_or_summary_shows_none(
    deployment: Deployment, questions: dict[str, Question]
) -> None:
    # Every question, asked with nothing known yet.
    for ask in case_questions(deployment, questions):
        _, messages = await act(ask, tracker("", "inform"))
        assert messages and all("None" not in (m.get("text") or "") for m in messages)
    # The thinnest summary possible.
    text = case_text.summary({"contact_phone": None}, questions)
    assert "None" not in text
    assert case_text.ip_number_question(None) == (
        "请提供专利号或商标注册号，方便工作人员核查权利状态。手头没有可以点“没有”。"
    )
    assert "None" not in case_text.id_notice(deployment)


def test_the_notice_names_every_point_of_article_17(deployment: Deployment) -> None:
    text = case_text.consent_notice(deployment)
    for point in ("谁来处理", "收集哪些", "用来做什么", "谁能看到", "保存多久", "您的权利"):
        assert point in text


def test_the_notice_says_how_long_the_conversation_keeps_what_was_typed(
    deployment: Deployment, tmp_path: Path
) -> None:
    """What the tracker store does (bot/tracker_store.py) is what people are told."""
    text = case_text.consent_notice(deployment)
    assert "聊天记录30天后删除" in text and "1小时未继续填写即视为放弃" in text
    assert "删除我的信息" in text
    raw: dict[str, Any] = yaml.safe_load(deployment.source.read_text(encoding="utf-8"))
    raw["eligibility_rules"] = str(deployment.eligibility_rules)
    raw["eligibility_questions"] = str(deployment.eligibility_questions)
    raw["conversations"] = {"retention_days": 7, "draft_minutes": 90}
    path = tmp_path / "short.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    other = case_text.consent_notice(deployment_from_env({"DEPLOYMENT_FILE": str(path)}))
    assert "聊天记录7天后删除" in other and "90分钟未继续填写" in other


@pytest.mark.parametrize("question", ["收费吗", "怎么收费", "要多少钱", "可不可以"])
async def test_a_short_question_is_not_taken_for_a_name(
    question: str, deployment: Deployment, vocabulary: FactVocabulary
) -> None:
    dispatcher = CollectingDispatcher()
    state = tracker(question, "inform", {"requested_slot": "contact_name"})
    result = await ValidateCaseForm(deployment, vocabulary).validate_contact_name(
        question, dispatcher, state, DOMAIN
    )
    assert result.get("contact_name") is None
    assert "姓名" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "typed",
    [
        "我的手机是(139)0532-6677，谢谢",
        "电话139.0532.6677",
        "手机１３９－０５３２－６６７７",
        "139—0532—6677",
    ],
)
async def test_a_phone_in_a_sentence_is_read_in_every_shape_the_validator_accepts(
    typed: str, deployment: Deployment, vocabulary: FactVocabulary
) -> None:
    form = ValidateCaseForm(deployment, vocabulary)
    state = tracker(typed, "inform", {"requested_slot": "contact_phone"})
    found = await form.extract_contact_phone(CollectingDispatcher(), state, DOMAIN)
    result = await form.validate_contact_phone(
        found["contact_phone"], CollectingDispatcher(), state, DOMAIN
    )
    assert result["contact_phone"] == "13905326677"


async def test_a_raw_word_the_nlu_put_in_a_choice_slot_is_asked_again(
    deployment: Deployment, vocabulary: FactVocabulary
) -> None:
    """“我开了个五金厂，想申请援助”: 五金厂 is no applicant type the case system knows."""
    state = tracker(
        "同意", "affirm",
        {"case_consent": True, "applicant_type": "五金厂", "ip_type": "商标",
         "requested_slot": "case_consent"},
    )  # fmt: skip
    events, _ = await act(ValidateCaseForm(deployment, vocabulary), state)
    set_now = slots_set(events)
    assert set_now["applicant_type"] is None  # the form asks for it
    assert set_now["ip_type"] == "trademark"  # a known word becomes its canonical value
