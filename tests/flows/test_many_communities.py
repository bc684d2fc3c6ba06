"""A city's many communities at a provider's registration, through the sandbox: asking to serve more communities
goes by district, a page at a time, or by a typed name; no message carries more than about a dozen buttons (a
keyboard of hundreds is too long for Telegram), and a community never offered is still a stale button."""

from __future__ import annotations

from core import people
from sandbox.client_models import BotMessage
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_invite_borders import MORE, STALE, communities_message, invited
from tests.flows.test_staff_loop import staff_member

DISTRICTS = ("开福区", "天心区", "芙蓉区", "望城区")
NUMBERS = "一二三四五六七八九十"
MAX_BUTTONS = 13  # own community, a page of ASK_PAGE, paging, back, done; and the asks made elsewhere
BROWSE_NOTE = "请先点选区县，再点选社区；也可以直接发送社区名称来找。"


def name(district: str, number: int) -> str:
    return f"{district[:2]}{NUMBERS[number]}号社区"


async def many_communities(running: Running) -> dict[str, int]:
    """Forty more communities in four districts, each with a staff member (so each may be asked), and one
    without staff; their ids by name."""
    now, ids = utc_now(), {}
    async with running.db.transaction() as tx:
        for d, district in enumerate(DISTRICTS):
            for number in range(10):
                community = await tx.communities.add(name(district, number), now, district=district)
                await people.register_staff(tx, 950000 + d * 100 + number, community.name, "zh_CN", now)
                ids[community.name] = community.id
        unstaffed = await tx.communities.add("无人社区", now, district="开福区")
        ids[unstaffed.name] = unstaffed.id
    return ids


def buttons(message: BotMessage) -> list[str]:
    texts = message.button_texts()
    assert len(texts) <= MAX_BUTTONS, texts
    return texts


async def test_asking_among_many_communities_by_district_and_by_name(running: Running) -> None:
    staff = await staff_member(running)  # onboarded while the city still had few communities
    ids = await many_communities(running)
    li = await invited(running, staff, "社工", "李社工")
    communities = await communities_message(li)
    assert buttons(communities) == ["✅ 阳光社区", MORE, "✔️ 选好了"]

    await li.press(MORE)
    shown = await li.wait_for_edit(communities.message_id)
    assert BROWSE_NOTE in shown.text
    assert buttons(shown) == ["✅ 阳光社区", *(f"📍 {d}" for d in sorted(DISTRICTS)), "✔️ 选好了"]

    await li.press("📍 开福区")
    first_page = await li.wait_for_edit(communities.message_id)
    kaifu = sorted(name("开福区", n) for n in range(10))  # 无人社区 has no staff to answer: not offered
    assert buttons(first_page) == ["✅ 阳光社区", *(f"▫️ {n}（需该社区同意）" for n in kaifu[:8]), "↩️ 按区县选",
                                   "下一页 ▶️", "✔️ 选好了"]  # fmt: skip
    await li.press("下一页 ▶️")
    second_page = await li.wait_for_edit(communities.message_id)
    assert buttons(second_page) == ["✅ 阳光社区", *(f"▫️ {n}（需该社区同意）" for n in kaifu[8:]), "↩️ 按区县选",
                                    "◀️ 上一页", "✔️ 选好了"]  # fmt: skip
    await li.press(f"▫️ {kaifu[9]}（需该社区同意）")
    toggled = await li.wait_for_edit(communities.message_id)
    assert f"✅ {kaifu[9]}（需该社区同意）" in buttons(toggled)

    # Back among the districts, the ask made stays in view, to be taken back.
    await li.press("↩️ 按区县选")
    back = await li.wait_for_edit(communities.message_id)
    assert buttons(back)[:2] == ["✅ 阳光社区", f"✅ {kaifu[9]}（需该社区同意）"]

    # A community never offered (no staff) and a district that does not exist are stale buttons.
    for forged in (f"rg:com:{ids['无人社区']}", "rg:dist:99", "rg:dist:", "rg:bpage:x"):
        answer = await li.press_forged(forged, message_id=communities.message_id)
        assert answer is not None and answer.text == STALE, forged

    await li.send_text("天心三号")
    (found,) = await li.wait_for_messages()
    target = f"▫️ {name('天心区', 2)}（需该社区同意）"
    assert target in buttons(found) and buttons(found)[-1] == "✔️ 选好了"
    await li.press(target, message_id=found.message_id)
    await li.wait_for_edit(found.message_id)
    await li.send_text("不存在的地方")
    (missing,) = await li.wait_for_messages()
    assert missing.text.startswith("没有找到“不存在的地方”")

    await li.press("✔️ 选好了", message_id=found.message_id)
    done, asked, _menu = await li.wait_for_messages(3)
    assert done.text.startswith("登记完成，李社工！")
    assert kaifu[9] in asked.text and name("天心区", 2) in asked.text
    async with running.db.transaction() as tx:
        applications = await tx.providers.applications(li.id)
    assert sorted(a.community_id for a in applications) == sorted([ids[kaifu[9]], ids[name("天心区", 2)]])
