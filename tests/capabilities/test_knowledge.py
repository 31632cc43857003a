"""人社智能知识库：语料、留出问题集的首条命中率、问答接口、知识管理接口（新增、修改、停用、审计）。"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.base.permissions import Role
from services.knowledge.corpus import shipped_items
from services.knowledge.retrieval import KnowledgeIndex
from services.knowledge.service import ask
from tests.capabilities.conftest import register_partner, signed
from tests.services.helpers import make_staff, sql

HELD_OUT = yaml.safe_load(Path(__file__).with_name("kb_heldout.yaml").read_text(encoding="utf-8"))
ITEMS = "/api/v1/admin/knowledge/items"
ASK = "/api/v1/capabilities/qa/ask"
TOPICS = set(
    [
        "申领",
        "补卡",
        "换卡",
        "挂失",
        "激活",
        "金融功能",
        "电子社保卡",
        "异地使用",
        "密码",
        "有效期",
        "领卡",
        "代办",
        "未成年人",
        "费用",
    ]
)


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex(shipped_items())


def test_corpus_is_atomised_and_covers_the_topics():
    items = shipped_items()
    assert len(items) >= 80 and len({i.id for i in items}) == len(items)
    assert {i.topic for i in items} >= TOPICS
    for item in items:
        assert item.questions and item.answer and item.source and item.valid_from, item.id


def test_held_out_questions_are_not_in_the_corpus():
    asked = {q for item in shipped_items() for q in item.questions}
    known = {item.id for item in shipped_items()}
    assert len(HELD_OUT) >= 50
    for question, expected in HELD_OUT:
        assert question not in asked and expected in known


def test_top1_accuracy_on_held_out_questions(index):
    hits = [ask(index, question).citation for question, _ in HELD_OUT]
    correct = sum(c is not None and c.id == expected for c, (_, expected) in zip(hits, HELD_OUT, strict=True))
    accuracy = correct / len(HELD_OUT)
    print(f"knowledge base top-1 accuracy: {correct}/{len(HELD_OUT)} = {accuracy:.1%}")
    assert accuracy >= 0.80


@pytest.mark.parametrize("question", ["今天天气怎么样", "你好", "？？？"])
def test_off_topic_questions_get_no_made_up_answer(index, question):
    answer = ask(index, question)
    assert not answer.answered and answer.citation is None and "12333" in answer.answer


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
class TestOverHttp:
    async def test_ask_cites_its_item(self, client, partner):
        response = await signed(client, partner, "POST", ASK, json={"question": "社保卡丢了怎么补办"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["answered"] and body["citation"]["id"] == "KB-0029"
        assert body["answer"] == next(i.answer for i in shipped_items() if i.id == "KB-0029")
        assert body["citation"]["source"] and len(body["related"]) == 2

    @pytest.mark.parametrize(
        "payload", [{}, {"question": ""}, {"question": "问" * 201}, {"question": "x", "k": 1}]
    )
    async def test_bad_questions_are_refused(self, client, partner, payload):
        response = await signed(client, partner, "POST", ASK, json=payload)
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR"

    async def test_steward_creates_edits_and_retires_an_item(self, client, partner):
        steward = make_staff("kb_steward", Role.OPERATOR, "511100")
        item = {
            "topic": "用卡场景",
            "questions": ["社保卡能在乐山大佛景区刷卡入园吗"],
            "answer": "持乐山社保卡可在乐山大佛景区闸机刷卡核验身份后购票入园（示例条目）。",
            "source": "测试依据",
        }
        created = await client.post(ITEMS, headers=steward.headers, json=item)
        assert created.status_code == 201, created.text
        new = created.json()
        assert new["id"] == "KB-0088" and new["version"] == 1 and new["status"] == "有效"
        asked = await signed(client, partner, "POST", ASK, json={"question": "乐山大佛景区能刷社保卡进吗"})
        assert asked.json()["citation"]["id"] == "KB-0088"

        edit = {"version": 1, "answer": "持乐山社保卡可在乐山大佛景区刷卡入园，按景区公告享受优惠。"}
        edited = await client.patch(f"{ITEMS}/KB-0088", headers=steward.headers, json=edit)
        assert edited.status_code == 200 and edited.json()["version"] == 2
        stale = await client.patch(f"{ITEMS}/KB-0088", headers=steward.headers, json=edit)
        assert stale.status_code == 409 and stale.json()["code"] == "VERSION_CONFLICT"
        asked = await signed(client, partner, "POST", ASK, json={"question": "乐山大佛景区能刷社保卡进吗"})
        assert "优惠" in asked.json()["answer"]

        retired = await client.post(f"{ITEMS}/KB-0088/retire", headers=steward.headers)
        assert retired.status_code == 200 and retired.json()["status"] == "已停用"
        asked = await signed(client, partner, "POST", ASK, json={"question": "乐山大佛景区能刷社保卡进吗"})
        assert (asked.json()["citation"] or {}).get("id") != "KB-0088"
        actions = [r[0] for r in sql("select action from audit_log where result = '成功' order by seq")]
        assert actions[-3:] == ["knowledge.create", "knowledge.update", "knowledge.retire"]

    async def test_editing_a_shipped_item_overrides_it(self, client, partner):
        steward = make_staff("kb_steward", Role.DATA_STEWARD, "511100")
        shipped = await client.get(f"{ITEMS}/KB-0072", headers=steward.headers)
        assert shipped.json()["version"] == 0
        body = {"version": 0, "answer": "社保卡咨询请拨打 12333，或到乐山市人社局服务大厅咨询（修订）。"}
        assert (await client.patch(f"{ITEMS}/KB-0072", headers=steward.headers, json=body)).status_code == 200
        asked = await signed(client, partner, "POST", ASK, json={"question": "社保卡的咨询热线是多少"})
        assert asked.json()["answer"].endswith("（修订）。") and asked.json()["citation"]["version"] == 1
        listed = await client.get(ITEMS, headers=steward.headers, params={"topic": "服务渠道"})
        assert listed.status_code == 200 and listed.json()["total"] == 3

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (
                {"topic": "申领", "questions": [], "answer": "答案答案答案", "source": "依据"},
                "body.questions",
            ),
            ({"topic": "申领", "questions": ["问法问法"], "answer": "短", "source": "依据"}, "body.answer"),
            (
                {
                    "topic": "申领",
                    "questions": ["问法问法"],
                    "answer": "答案答案答案",
                    "source": "依据",
                    "valid_from": "2026-02-01",
                    "valid_to": "2026-01-01",
                },
                "body",
            ),
        ],
    )
    async def test_invalid_items_are_refused_and_nothing_is_written(self, client, body, field):
        steward = make_staff("kb_steward", Role.OPERATOR, "511100")
        response = await client.post(ITEMS, headers=steward.headers, json=body)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == field
        assert sql("select count(*) from knowledge_item")[0][0] == 0

    async def test_only_stewards_may_edit(self, client):
        auditor = make_staff("auditor", Role.AUDITOR, "511100")
        analyst = make_staff("analyst", Role.ANALYST, "511100")
        assert (await client.get(ITEMS, headers=auditor.headers)).status_code == 403
        assert (await client.get(ITEMS, headers=analyst.headers)).status_code == 200
        response = await client.post(f"{ITEMS}/KB-0001/retire", headers=analyst.headers)
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"

    async def test_partner_without_the_qa_scope_is_refused(self, client, sysadmin):
        ocr_only = await register_partner(client, sysadmin, "ocr-only", ["ocr"])
        response = await signed(client, ocr_only, "POST", ASK, json={"question": "社保卡丢了"})
        assert response.status_code == 403 and "智能问答" in response.json()["message"]


def test_items_outside_their_validity_dates_are_not_answered():
    from dataclasses import replace
    from datetime import date

    lost = next(i for i in shipped_items() if i.id == "KB-0023")
    expired = replace(lost, valid_to=date(2025, 12, 31))
    assert lost.in_force(date(2026, 6, 1)) and not expired.in_force(date(2026, 6, 1))
    assert not replace(lost, status="已停用").in_force(date(2026, 6, 1))
