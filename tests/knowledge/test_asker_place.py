"""Whose place a message names: labelled sentences, and the eligibility form's in_region.

The sentences were written as people write to the centre; each names the
asker's own places (gazetteer names) and whether it says "here"/"elsewhere"
of them without a name. The centre is 枣庄.
"""

from __future__ import annotations

import pytest

from knowledge.asker_place import AskerPlace, Role, asker_place, read_asker_place
from knowledge.deployment import DEPLOYMENTS, load_deployment
from knowledge.places import Gazetteer
from knowledge.settings import KnowledgeSettings

GAZETTEER = Gazetteer.from_file(KnowledgeSettings().places)
CENTRE = load_deployment(DEPLOYMENTS / "zaozhuang.yml")

LABELLED = [
    # the asker's own place (person or matter)
    ("我们是临沂的厂子，听说你们枣庄中心挺负责，能帮我们看看吗", ("临沂市",), ""),
    ("我住在薛城，专利被人仿了", ("薛城区",), ""),
    ("我在瑶海区开了个店，店名被人抄了", ("瑶海区",), ""),
    ("我们厂在滕州，商标被人假冒", ("滕州市",), ""),
    ("公司注册在杭州，能找你们吗", ("杭州市",), ""),
    ("事情发生在枣庄的展会上", ("枣庄市",), ""),
    ("人在外地，厂在山亭", ("山亭区",), "elsewhere"),
    ("我是徐州的，商标被侵权了，你们能管吗", ("徐州市",), ""),
    ("我们是济南的企业，能在你们这申请援助吗", ("济南市",), ""),
    ("我是台儿庄区的个体工商户，能申请援助吗", ("台儿庄区",), ""),
    ("俺是山亭那边搞小发明的，专利被人仿了", ("山亭区",), ""),
    ("我们是瑶海的一家老字号，店名被人傍了", ("瑶海区",), ""),
    ("我们是在安徽的外资企业，当地部门会跟我们沟通吗", ("安徽省",), ""),
    ("我老家是峄城的，在外面打工，发明被人偷了", ("峄城区",), "elsewhere"),
    ("我们滕州的工作室，作品被人抄袭，能申请吗", ("滕州市",), ""),
    ("临沂的，商标被抢注了怎么办", ("临沂市",), ""),
    ("滕州", ("滕州市",), ""),
    ("在薛城区", ("薛城区",), ""),
    ("峄城区的", ("峄城区",), ""),
    ("不是，我们在临沂", ("临沂市",), ""),
    ("我们公司位于合肥市蜀山区，专利被侵权", ("蜀山区",), ""),
    ("我来自苏州，在你们这里参展时被人告了", ("苏州市",), "here"),
    ("你好，我们是青岛的一家食品厂，想问问维权援助", ("青岛市",), ""),
    ("临沂一家做轴承的企业，专利被人仿冒了", ("临沂市",), ""),
    ("合肥的企业在江苏被人侵权了，两地能联手查吗", ("合肥市", "江苏省"), ""),
    ("我们在江苏被人侵权了，要找哪里", ("江苏省",), ""),
    ("公司在枣庄高新区，技术秘密泄露了", ("枣庄高新区",), ""),
    ("我们的网店开在杭州，被投诉侵权", ("杭州市",), ""),
    ("我家住市中区，有人盗用我的摄影作品", ("市中区",), ""),
    ("请问，我们是枣庄的外贸公司，去国外参展怎么防风险", ("枣庄市",), ""),
    ("我们工厂落户在薛城，新产品被人山寨", ("薛城区",), ""),
    ("我户口在滕州，现在在北京上班，作品被盗用了", ("北京市", "滕州市"), ""),
    ("咱们枣庄有没有专门管知识产权的地方", ("枣庄市",), ""),
    # here / elsewhere, without a name
    ("我们是本地的企业，专利纠纷能找你们吗", (), "here"),
    ("外地企业，在你们这里被侵权了，能申请援助吗", (), "both"),
    ("我们是外地的，也能申请吗", (), "elsewhere"),
    ("本市的小微企业能申请资助吗", (), "here"),
    ("我们这边假货特别多，有人管吗", (), "here"),
    ("外地", (), "elsewhere"),
    ("我人在国外，国内的商标被抢注了", (), "elsewhere"),
    # places that are not the asker's: the centre's, the other party's, asked about
    ("你们枣庄中心在哪里办公", (), ""),
    ("枣庄的中心电话多少", (), ""),
    ("贵中心能提供哪些服务", (), ""),
    ("听说枣庄有维权援助资金，怎么申请", (), ""),
    ("瑶海区对假冒商标怎么处理", (), ""),
    ("中国（枣庄）知识产权维权援助中心是哪年成立的", (), ""),
    ("安徽那份2021年的要点里说了什么", (), ""),
    ("瑶海区有没有知识产权志愿者队伍", (), ""),
    ("北京知识产权法院立案流程", (), ""),
    ("上海知识产权保护条例有啥规定", (), ""),
    ("江苏省有没有类似的维权援助资金管理办法", (), ""),
    ("侵权那家厂子在外省，你们能管吗", (), ""),
    ("对方公司在杭州，我们该去哪里告", (), ""),
    ("有人在临沂卖我们的假货", (), ""),
    ("地理标志被外地人乱用，你们能援助吗", (), ""),
    ("枣庄一共有几个维权援助分中心", (), ""),
    ("合肥有没有国家级的知识产权保护中心", (), ""),
    ("我想问一下薛城区分中心的电话", (), ""),
    ("你们枣庄那边对专利侵权有什么政策", (), ""),
    ("告诉我滕州有没有分中心", (), ""),
    ("维权援助 专项资金 枣庄", (), ""),
    ("枣庄对重点产业的企业有没有风险防范服务", (), ""),
    ("我在网上看到安徽有知识产权保护中心，是干什么的", (), ""),
    ("国家知识产权局在北京吗", (), ""),
    ("被告是济南的一家公司，起诉我们专利侵权", (), ""),
    ("你们这边能帮忙写律师函吗", (), ""),
    # the asker's place beside someone else's
    ("我们是枣庄做机械配件的，侵权那家厂子在外省，你们这能接吗", ("枣庄市",), ""),
    ("我是滕州的，瑶海区对假冒商标怎么处理", ("滕州市",), ""),
    ("我们在临沂，听说你们枣庄的政策好，能不能转过来", ("临沂市",), ""),
    ("我们是淄博的企业，被杭州一家公司告了", ("淄博市",), ""),
    ("我在山亭区，对方在浙江，怎么维权", ("山亭区",), ""),
    ("我们是德州的，合肥的保护中心能帮我们吗", ("德州市",), ""),
    # written after the rules above first ran, to see how they generalise
    ("我们是潍坊的合作社，地理标志被人冒用", ("潍坊市",), ""),
    ("我在峄城开了个小超市，进的货被说是假冒的", ("峄城区",), ""),
    ("我们这家企业设在台儿庄，想问问海外维权", ("台儿庄区",), ""),
    ("俺们是滕州做农机的，图纸被人拿走了", ("滕州市",), ""),
    ("您好，我是济宁人，在网上卖东西被投诉了", ("济宁市",), ""),
    ("公司总部在上海，枣庄有个分厂，商标被仿", ("上海市",), ""),
    ("我们厂子搬到薛城两年了，专利被抄", ("薛城区",), ""),
    ("在临沂的批发市场发现了假冒我们牌子的货", ("临沂市",), ""),
    ("是在枣庄的一个展销会上看到的仿品", ("枣庄市",), ""),
    ("山亭区的", ("山亭区",), ""),
    ("对，就在滕州", ("滕州市",), ""),
    ("我们是本市的高新技术企业", (), "here"),
    ("我是外省来的，在这边打工，作品被盗", (), "both"),
    ("咱们本地有没有律师能帮忙", (), "here"),
    ("我们在国外被起诉了", (), "elsewhere"),
    ("你们枣庄的维权援助中心收费吗", (), ""),
    ("听说合肥有个知识产权保护中心，能快速审查专利吗", (), ""),
    ("瑶海区那份实施意见的目标是什么", (), ""),
    ("安徽对商业秘密保护有什么规定", (), ""),
    ("济南有没有知识产权维权援助分中心", (), ""),
    ("卖假货的那家店在市中区，我们该怎么办", (), ""),
    ("对手的工厂设在徐州，能跨省查吗", (), ""),
    ("深圳那边的法院判赔一般多少", (), ""),
    ("枣庄的维权援助网点以后会不会铺到更多地方", (), ""),
    ("贵中心在滕州有分中心吗", (), ""),
    ("我们是菏泽的，想问问你们枣庄中心能不能受理", ("菏泽市",), ""),
    ("我是在台儿庄区做旅游纪念品的，听说合肥的政策很好", ("台儿庄区",), ""),
    ("我们公司在济南，侵权的在枣庄，你们能管吗", ("济南市",), ""),
    ("我们是枣庄的，对方在临沂，怎么维权", ("枣庄市",), ""),
    ("我住薛城，想问瑶海区的做法", ("薛城区",), ""),
]


def _said(found: AskerPlace) -> str:
    return {(False, False): "", (True, False): "here", (False, True): "elsewhere"}.get(
        (found.here, found.elsewhere), "both"
    )


@pytest.mark.parametrize(("text", "places", "said"), LABELLED)
def test_the_askers_places_are_told_from_others(
    text: str, places: tuple[str, ...], said: str
) -> None:
    found = read_asker_place(text, GAZETTEER)
    assert (tuple(sorted(p.name for p in found.places)), _said(found)) == (places, said)


def _in_region(places: tuple[str, ...], said: str) -> bool | None:
    """What the eligibility form should hear from a labelled sentence."""
    if said in ("here", "both"):
        return True
    if any(CENTRE.city in GAZETTEER.place(p).lineage for p in places):  # type: ignore[union-attr]
        return True
    return False if places or said else None


@pytest.mark.parametrize(("text", "places", "said"), LABELLED)
def test_in_region_counts_only_the_askers_places(
    text: str, places: tuple[str, ...], said: str
) -> None:
    assert CENTRE.in_region(text, GAZETTEER) is _in_region(places, said)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the motivating case: the centre named, the asker elsewhere
        ("我们是临沂的厂子，听说你们枣庄中心挺负责，能帮我们看看吗", False),
        ("在薛城区", True),
        ("住市中区", True),
        ("枣庄市中区", True),
        ("家住山亭", True),
        ("我是临沂的，上个月在枣庄会展中心参加博览会，发现有人用我的商标", True),
        ("我们在济南", False),
        ("不在枣庄", False),
        ("我们不是本地的", False),
        ("不在本市", False),
        ("不是你们这儿的", False),
        ("人不在这，事也不在这", False),
        ("不在薛城", None),  # could still be elsewhere in 枣庄
        ("就在这边", True),
        ("对，我们就是这儿的", True),
        ("侵权发生在本地", True),
        ("在本地注册的", True),
        ("必须是本地的吗", None),  # a question about the rule, not an answer
        ("本地是指哪些地方", None),
        ("外地的能办吗", None),
        ("薛城区有分中心吗", None),
        ("维权援助中心的电话是多少", None),
    ],
)
def test_in_region_reads_answers_and_denials(text: str, expected: bool | None) -> None:
    assert CENTRE.in_region(text, GAZETTEER) is expected


def test_each_mention_says_whose_it_is() -> None:
    found = read_asker_place("我们是临沂的厂子，听说你们枣庄中心挺负责", GAZETTEER)
    assert [(m.surface, m.role) for m in found.mentions] == [
        ("临沂", Role.ASKER),
        ("枣庄", Role.CENTRE),
    ]
    asked = read_asker_place("我是滕州的，瑶海区对假冒商标怎么处理", GAZETTEER)
    assert [p.name for p in asked.topics] == ["瑶海区"]
    other = read_asker_place("对方在杭州仿冒我们的牌子", GAZETTEER)
    assert [m.role for m in other.mentions] == [Role.OTHER_PARTY]


def test_traditional_characters_and_a_greeting_do_not_hide_the_place() -> None:
    assert [p.name for p in asker_place("您好，我們是棗莊滕州的企業").places] == ["滕州市"]


def test_jurisdiction_falls_back_to_the_centres_place_for_here() -> None:
    home = GAZETTEER.place("枣庄市")
    assert home is not None
    assert asker_place("我们是本地的企业", GAZETTEER).jurisdiction(home) == (home,)
    assert asker_place("我们是外地的", GAZETTEER).jurisdiction(home) == ()
    teng = asker_place("我们厂在滕州", GAZETTEER)
    assert [p.name for p in teng.jurisdiction(home)] == ["滕州市"]
