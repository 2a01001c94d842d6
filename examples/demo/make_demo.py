#!/usr/bin/env python3
"""Generate the desk-archive demo corpus (deterministic, standard library only).

Writes examples/demo/records/<SessionId>.json (raw records in the format of SPEC.md §3)
and examples/demo/sessions.csv (SessionId plus metadata columns, RFC 4180).

    python3 examples/demo/make_demo.py

Re-running produces byte-identical output. All people, phone numbers, accounts and URLs
are invented; media URLs live only under https://example.com/ and https://media.example.com/.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "records"
FETCHED_AT = dt.datetime(2026, 4, 1, 2, 0, 0, tzinfo=dt.timezone.utc)

ID_RNG = random.Random("desk-archive demo ids")
rng = random.Random(20260302)

CS = "@customer_service_account"
BOT = "chatbot"


def new_session_id() -> str:
    return str(uuid.UUID(int=ID_RNG.getrandbits(128), version=4))


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def ms(year, month, day, hour, minute, second=0) -> int:
    t = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.timezone.utc)
    return int(t.timestamp()) * 1000 + rng.randrange(1000)


# ----------------------------------------------------------------------------------------
# Message elements (API.md §4)


def text(t):
    return ("TIMTextElem", {"Text": t})


def custom(data, desc="", ext="", sound=""):
    payload = data if isinstance(data, str) else dumps(data)
    return ("TIMCustomElem", {"Data": payload, "Desc": desc, "Ext": ext, "Sound": sound})


def desk(src, **fields):
    d = {"src": str(src), "customerServicePlugin": 0}
    d.update(fields)
    return custom(d)


def face(index, data):
    return ("TIMFaceElem", {"Index": index, "Data": data})


def location(desc, lat, lon):
    return ("TIMLocationElem", {"Desc": desc, "Latitude": lat, "Longitude": lon})


def hexid(n=32):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def image(name, width, height, fmt=1, size=None):
    ext = {1: "jpg", 2: "gif", 3: "png"}.get(fmt, "img")
    u = hexid()
    size = size or rng.randrange(180_000, 2_400_000)
    infos = []
    for typ, scale, path in ((1, 1.0, "o"), (2, 720 / max(width, 720), "l"), (3, 198 / max(width, 198), "t")):
        infos.append({
            "Type": typ,
            "Size": int(size * scale * scale) or 1,
            "Width": int(width * scale),
            "Height": int(height * scale),
            "URL": f"https://media.example.com/im/{u}/{path}/{name}.{ext}",
        })
    return ("TIMImageElem", {"UUID": f"{u}_{name}.{ext}", "ImageFormat": fmt, "ImageInfoArray": infos})


def sound(seconds, with_url=True):
    u = hexid()
    c = {"UUID": f"{u}.m4a", "Size": seconds * 2_150 + rng.randrange(900), "Second": seconds, "Download_Flag": 2}
    if with_url:
        c = {"Url": f"https://media.example.com/voice/{u}.m4a", **c}
    return ("TIMSoundElem", c)


def file(name, size, with_url=True):
    u = hexid()
    c = {"UUID": f"{u}_{name}", "FileSize": size, "FileName": name, "Download_Flag": 2}
    if with_url:
        c = {"Url": f"https://media.example.com/files/{u}/{name}", **c}
    return ("TIMFileElem", c)


def video(seconds, w=720, h=1280):
    v, t = hexid(), hexid()
    return ("TIMVideoFileElem", {
        "VideoUrl": f"https://media.example.com/video/{v}.mp4",
        "VideoUUID": f"{v}.mp4",
        "VideoSize": seconds * 410_000 + rng.randrange(50_000),
        "VideoSecond": seconds,
        "VideoFormat": "mp4",
        "VideoDownloadFlag": 2,
        "ThumbUrl": f"https://media.example.com/video/{t}_thumb.jpg",
        "ThumbUUID": f"{t}_thumb.jpg",
        "ThumbSize": rng.randrange(20_000, 90_000),
        "ThumbWidth": w // 4,
        "ThumbHeight": h // 4,
        "ThumbFormat": "JPG",
        "ThumbDownloadFlag": 2,
    })


def relay_item(frm, to, ts_s, elems, seq):
    return {
        "From_Account": frm,
        "To_Account": to,
        "MsgSeq": seq,
        "MsgRandom": rng.randrange(1, 2**32),
        "MsgTimeStamp": ts_s,
        "MsgBody": [{"MsgType": t, "MsgContent": c} for t, c in elems],
        "CloudCustomData": "",
    }


def relay(title, items, compatible="[Chat History]"):
    abstract = []
    for it in items[:3]:
        first = it["MsgBody"][0]
        if first["MsgType"] == "TIMTextElem":
            abstract.append(f'{it["From_Account"]}: {first["MsgContent"]["Text"][:40]}')
        else:
            abstract.append(f'{it["From_Account"]}: [{first["MsgType"]}]')
    return ("TIMRelayElem", {
        "Title": title,
        "MsgNum": len(items),
        "CompatibleText": compatible,
        "AbstractList": abstract,
        "MsgList": items,
    })


# ----------------------------------------------------------------------------------------
# Messages and sessions


def message_json(frm, role, elems, ts, style, extra):
    body = []
    for t, c in elems:
        if style in ("type-first", "shuffled"):
            body.append({"MsgType": t, "MsgContent": c})
        else:  # the order of the API.md example: MsgContent, MsgType
            body.append({"MsgContent": c, "MsgType": t})
    if style == "shuffled":
        m = {"Timestamp": ts, "MsgBody": body, "FromAccountRole": role, "FromAccount": frm}
    elif style == "ts-first":
        m = {"Timestamp": ts, "FromAccount": frm, "FromAccountRole": role, "MsgBody": body}
    else:
        m = {"FromAccount": frm, "FromAccountRole": role, "MsgBody": body, "Timestamp": ts}
    m.update(extra)
    return dumps(m)


class Session:
    def __init__(self, title, start_ms, meta, sid=None):
        self.id = sid or new_session_id()
        self.title = title
        self.t = start_ms
        self.meta = meta
        self.messages = []
        self.seq = rng.randrange(1000, 90000)

    def at(self, ts):
        self.t = ts
        return self

    def wait(self, lo, hi=None):
        hi = lo if hi is None else hi
        self.t += int(rng.uniform(lo, hi) * 1000)
        return self

    def add(self, frm, role, *elems, gap=(4, 40), style=None, extra=None):
        self.wait(*gap)
        self.seq += 1
        if style is None:
            r = rng.random()
            style = "type-first" if r < 0.05 else "shuffled" if r < 0.08 else "ts-first" if r < 0.1 else "plain"
        if extra is None:
            extra = {}
            r = rng.random()
            if r < 0.12:
                extra = {"MsgSeq": self.seq}
            elif r < 0.18:
                extra = {"MsgSeq": self.seq, "MsgRandom": rng.randrange(1, 2**32)}
            elif r < 0.22:
                extra = {"CloudCustomData": dumps({"platform": rng.choice(["iOS", "Android", "Web"])})}
        self.messages.append(message_json(frm, role, list(elems), self.t, style, extra))
        return self

    def write(self, directory: Path, fetched_at: str):
        head = (
            '{"SessionId":' + dumps(self.id)
            + ',"TotalCount":' + str(len(self.messages))
            + ',"FetchedAt":' + dumps(fetched_at)
            + ',"Metadata":' + dumps(self.meta)
            + ',"Messages":['
        )
        if self.messages:
            text_ = head + "\n" + ",\n".join(self.messages) + "\n]}\n"
        else:
            text_ = head + "]}\n"
        (directory / f"{self.id}.json").write_text(text_, encoding="utf-8")


def meta(name, channel, ticket):
    return {"customer_name": name, "channel": channel, "ticket": ticket}


def rating_request(sid, zh=False):
    if zh:
        menu = [{"id": str(i), "content": c} for i, c in enumerate(["非常不满意", "不满意", "一般", "满意", "非常满意"], 1)]
        head, tail = "请对本次服务进行评价", "感谢您的反馈！"
    else:
        menu = [{"id": str(i), "content": c} for i, c in enumerate(["Very poor", "Poor", "OK", "Good", "Excellent"], 1)]
        head, tail = "How would you rate this conversation?", "Thanks for your feedback!"
    return desk(9, menuContent={
        "head": head, "tail": tail, "type": 1, "menu": menu, "expireTime": 0, "sessionId": sid,
        "allowClientSendRating": True, "effectiveHour": 24, "selected": {"id": "", "content": ""},
    })


def rating_answer(sid, score, zh=False):
    names = (["非常不满意", "不满意", "一般", "满意", "非常满意"] if zh
             else ["Very poor", "Poor", "OK", "Good", "Excellent"])
    return desk(10, menuSelected={"id": str(score), "content": names[score - 1], "sessionId": sid})


def typing():
    return desk(12, typingStatus=1)


def session_end():
    return desk(19)


def timeout_end():
    return desk(20)


def session_open():
    return custom({"src": "7", "customerServicePlugin": 0})


# ----------------------------------------------------------------------------------------
# The sessions


def s_bot_then_two_agents():
    s = Session("bot, then agent A, then agent B (en)", ms(2026, 3, 2, 9, 14, 5),
                meta("Marco Rossi", "Web(H5)", "BILL-20431"))
    c = "u_48213_marco"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(BOT, 2, desk(29, subtype="welcome_msg", content={
        "title": "Hi! I'm the virtual assistant 🤖 What can I help you with?",
        "items": [{"content": "Billing & invoices"}, {"content": "Refunds"},
                  {"content": "Technical problem"}, {"content": "Talk to a person"}]}), gap=(1, 2))
    s.add(c, 1, text("hi, my invoice for february shows the same charge twice 😕"), gap=(20, 40))
    s.add(BOT, 2, desk(15, content={
        "header": "Which of these describes your problem best?",
        "items": [{"content": "Duplicate charge", "desc": "The same amount was charged more than once"},
                  {"content": "Wrong amount", "desc": "The invoice total is not what I expected"},
                  {"content": "Missing invoice", "desc": "I can't find an invoice"}],
        "tail": "Pick one, or type your question."}), gap=(1, 2))
    s.add(c, 1, desk(15, content={
        "header": "Which of these describes your problem best?",
        "items": [{"content": "Duplicate charge", "desc": "The same amount was charged more than once"},
                  {"content": "Wrong amount", "desc": "The invoice total is not what I expected"},
                  {"content": "Missing invoice", "desc": "I can't find an invoice"}],
        "tail": "Pick one, or type your question.",
        "selected": {"content": "Duplicate charge", "desc": "The same amount was charged more than once"}}),
        gap=(8, 15))
    s.add(BOT, 2, desk(30, content=(
        "**Duplicate charges** are usually one of these:\n\n"
        "1. A *pending authorisation* that your bank releases within 3–5 business days\n"
        "2. A retried payment after a timeout — only one of them is captured\n"
        "3. Two active subscriptions on one account\n\n"
        "You can check which payments were captured under "
        "[Billing → Payments](https://example.com/account/billing/payments).\n\n"
        "Still stuck? Type `agent` and I'll find you a person.")), gap=(1, 3))
    s.add(c, 1, text("both are captured, I checked. agent"), gap=(50, 90))
    s.add(CS, 3, text("Transferring you to a billing agent. Average wait: 2 minutes."), gap=(1, 2))
    s.add("agent_lily@support", 2, typing(), gap=(70, 110))
    s.add("agent_lily@support", 2, text(
        "Hi Marco, I'm **Lily** from Billing 👋\n\nCould you tell me the last 4 digits of the card and the "
        "invoice number (it starts with `INV-`)?"), gap=(6, 12))
    s.add(c, 1, text("card ends in 4242, invoice INV-2026-02-88410"), gap=(30, 60))
    s.add(c, 1, image("payments-screenshot", 1170, 2532, fmt=3), gap=(5, 10))
    s.add("agent_lily@support", 2, text(
        "Thank you! I can see both charges:\n\n"
        "- `2026-02-01 08:00 UTC` — USD 19.00 ✅ expected\n"
        "- `2026-02-01 08:03 UTC` — USD 19.00 ❌ duplicate\n\n"
        "The second one came from a retry of the renewal job."), gap=(60, 100))
    s.add("agent_lily@support", 2, text(
        "Refunds are handled by our payments team, so I'm transferring you to **Omar** now — he can "
        "reverse it right away. Everything you told me stays in this chat."), gap=(10, 20))
    s.add(c, 1, text("ok thanks"), gap=(10, 20))
    s.add(CS, 3, text("Session transferred from agent_lily@support to agent_omar@support."), gap=(2, 4))
    s.add("agent_omar@support", 2, text(
        "Hello Marco — Omar here. I've issued a refund of **USD 19.00** for invoice `INV-2026-02-88410`.\n\n"
        "It usually shows up within 5–10 business days. You can follow it on the "
        "[refund status page](https://example.com/account/refunds?inv=INV-2026-02-88410)."), gap=(90, 150))
    s.add("agent_omar@support", 2, text("I've also fixed the renewal job for your account so it won't happen again."),
          gap=(5, 10))
    s.add(c, 1, text("great, thank you both! 🙏"), gap=(20, 40))
    s.add(CS, 3, rating_request(s.id), gap=(20, 30))
    s.add(c, 1, rating_answer(s.id, 5), gap=(5, 15))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_order_zh():
    s = Session("order problem with product card (zh)", ms(2026, 3, 2, 3, 20, 11),
                meta("李娜", "WeChat", "ORD-77120"))
    c = "8613800000002"
    a = "agent_wang@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(CS, 2, desk(29, subtype="welcome_msg", content={
        "title": "您好，欢迎来到示例商城客服中心 😊 请问有什么可以帮您？",
        "items": [{"content": "查询订单"}, {"content": "退换货"}, {"content": "发票问题"}, {"content": "转人工"}]}),
        gap=(1, 2))
    s.add(c, 1, custom({"businessID": "order", "version": 1, "title": "无线降噪耳机 Pro（曜石黑）",
                        "description": "订单号 2026022811203 · 共 1 件",
                        "price": "¥ 899.00",
                        "imageUrl": "https://media.example.com/products/earbuds-pro-black.jpg",
                        "link": "https://example.com/orders/2026022811203"}, desc="[订单]"), gap=(15, 30))
    s.add(c, 1, text("这个订单显示已签收，但是我没有收到货"), gap=(5, 10))
    s.add(CS, 2, text("正在为您转接人工客服，请稍候……"), gap=(1, 2))
    s.add(a, 2, text("您好，我是客服**小王**，很高兴为您服务。我先帮您查询一下物流信息，请稍等 1～2 分钟。"), gap=(40, 80))
    s.add(a, 2, typing(), gap=(30, 60))
    s.add(a, 2, text(
        "查到了，物流记录如下：\n\n"
        "1. 3月1日 09:12 到达【上海浦东转运中心】\n"
        "2. 3月1日 15:40 派送中\n"
        "3. 3月1日 18:05 **已签收**，签收人：*门卫*\n\n"
        "请问您方便去小区门卫处看一下吗？"), gap=(20, 40))
    s.add(c, 1, text("门卫说没有我的快递 😢"), gap=(300, 600))
    s.add(c, 1, image("门卫登记本", 1080, 1440), gap=(5, 15))
    s.add(a, 2, text("非常抱歉给您带来不便！我已经为您登记了**丢件理赔**，同时为您补发一件新的商品，不需要额外付款。"),
          gap=(60, 120))
    s.add(a, 2, desk(22, content={
        "header": "无线降噪耳机 Pro（曜石黑）· 补发",
        "desc": "补发订单 2026030200417，预计 3月4日 送达",
        "pic": "https://media.example.com/products/earbuds-pro-black.jpg",
        "url": "https://example.com/orders/2026030200417"}), gap=(5, 10))
    s.add(c, 1, text("好的，谢谢！那原来那个订单怎么办？"), gap=(20, 40))
    s.add(a, 2, text("原订单我们会和快递公司核实，核实结果会通过短信通知您。您也可以在 [订单详情](https://example.com/orders/2026022811203) 里查看进度。"),
          gap=(30, 60))
    s.add(c, 1, face(4, "tt04"), gap=(10, 20))
    s.add(CS, 3, rating_request(s.id, zh=True), gap=(30, 60))
    s.add(c, 1, rating_answer(s.id, 4, zh=True), gap=(10, 30))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_unanswered():
    s = Session("unanswered customer (en)", ms(2026, 3, 3, 14, 5, 42),
                meta("Dana \"DJ\" Okafor", "SDK", ""))
    c = "user_90311"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("Hello? The app keeps logging me out every few minutes since the last update."), gap=(3, 6))
    s.add(c, 1, text("Android 15, app version 4.12.0"), gap=(30, 50))
    s.add(c, 1, image("logout-error", 1080, 2400, fmt=3), gap=(20, 40))
    s.add(c, 1, text("is anyone there??"), gap=(400, 500))
    s.add(c, 1, text("I'll try again tomorrow I guess 😤"), gap=(600, 700))
    s.add(CS, 3, timeout_end(), gap=(900, 900))
    return s


def s_agent_first():
    s = Session("agent speaks first, proactive outreach (en)", ms(2026, 2, 24, 16, 30, 2),
                meta("Hannah Berg", "SDK", "PAY-30118"))
    a, c = "agent_priya@support", "8613800000004"
    s.add(a, 2, text(
        "Hi Hannah, this is **Priya** from Example Pay. Your automatic top-up on Feb 24 didn't go through "
        "because the card on file has expired.\n\nYou can add a new card here: "
        "https://example.com/wallet/cards — or reply here and I can walk you through it."), gap=(0, 0))
    s.add(c, 1, text("oh! thanks for letting me know. is my balance still ok?"), gap=(600, 900))
    s.add(a, 2, text("Yes — your balance is **USD 12.40**, enough for about 3 more days of normal use."), gap=(30, 60))
    s.add(c, 1, text("ok, just added the new card"), gap=(120, 200))
    s.add(a, 2, text("Perfect, I can see it ✅ The next top-up will use the new card. Anything else?"), gap=(20, 40))
    s.add(c, 1, text("nope, all good"), gap=(15, 30))
    s.add(CS, 3, session_end(), gap=(60, 90))
    return s


def s_empty():
    return Session("zero messages", ms(2026, 3, 4, 10, 0), meta("Wei Zhang", "Web(H5)", ""))


BIG_ORDERS = [f"20260305{n:05d}" for n in range(101, 460, 3)]


def s_big_zh():
    s = Session("long 260+ message session across midnight in Asia/Shanghai (zh)",
                ms(2026, 3, 5, 15, 32, 20), meta("陈建国（建国便利店）", "SDK", "POS-51873"))
    c, a, a2 = "8613800000006", "agent_chen@support", "agent_zhao@support"
    g = (8, 45)
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(CS, 2, desk(29, subtype="welcome_msg", content={
        "title": "您好，这里是示例收银系统技术支持。请选择您遇到的问题：",
        "items": [{"content": "收银机无法开机"}, {"content": "订单同步失败"}, {"content": "打印机问题"}, {"content": "其他问题"}]}),
        gap=(1, 2))
    s.add(c, 1, text("订单同步失败"), gap=(10, 20))
    s.add(CS, 2, desk(31, chunks=["订单同步失败通常是网络或账号授权问题。", "请先确认：\n\n1. 收银机已联网\n",
                                  "2. 右上角的**云同步**图标为绿色\n", "3. 软件版本不低于 `6.3.0`\n\n",
                                  "如仍无法解决，请回复“人工”。"], isFinished=1), gap=(2, 4))
    s.add(c, 1, text("人工"), gap=(20, 40))
    s.add(CS, 3, text("正在为您转接技术支持工程师，当前排队人数：3"), gap=(1, 2))
    s.add(a, 2, text("您好，我是技术支持**陈工**。请问是从什么时候开始同步失败的？店里一共有几台收银机？"), gap=(120, 240))
    s.add(c, 1, text("今天下午升级以后就不行了，两台收银机，一台好的一台不行"), gap=g)
    s.add(c, 1, text("今天晚上要对账，急！"), gap=g)
    s.add(a, 2, text("明白，我们尽快处理。请在出问题的那台收银机上打开 **设置 → 关于本机**，把版本号和设备编号拍照发给我。"), gap=g)
    s.add(c, 1, image("关于本机", 1920, 1080), gap=(60, 120))
    s.add(a, 2, text("收到。版本是 `6.3.2`，没问题。接下来请打开 **设置 → 网络诊断**，点击“开始检测”。"), gap=g)
    s.add(c, 1, text("好了，显示全部正常"), gap=(60, 100))
    s.add(a, 2, text("那我需要看一下日志。请在 **设置 → 帮助 → 导出日志** 导出，然后把文件发到这里。"), gap=g)
    s.add(c, 1, text("怎么发文件？"), gap=g)
    s.add(a, 2, text("导出后会生成一个二维码，用手机扫码就能下载日志文件，然后在这个对话里点 **＋ → 文件** 发送即可。"), gap=g)
    s.add(c, 1, file("pos-log-20260305.zip", 3_481_220), gap=(180, 300))
    s.add(a, 2, text("收到，我看一下，大概需要 5 分钟。"), gap=g)
    s.add(a, 2, typing(), gap=(200, 300))
    s.add(a, 2, text(
        "找到原因了：升级时这台收银机的**本地订单库**迁移了一半就中断了，所以有一部分订单卡在“待上传”状态。\n\n"
        "处理方案：\n\n"
        "1. 我这边在后台给这台设备重新下发同步任务\n"
        "2. 同步完成后，需要您帮忙逐笔核对一下今天的订单，确认都上传了\n\n"
        "核对方法见 [订单核对说明](https://example.com/help/pos/order-check)。"), gap=g)
    s.add(c, 1, text("好的，要核对多少笔？"), gap=g)
    s.add(a, 2, text(f"今天这台机器一共有 **{len(BIG_ORDERS)}** 笔订单需要核对。您在收银机上打开“今日订单”，一笔一笔告诉我订单号就行，我这边同时看后台。"), gap=g)
    s.add(c, 1, text("这么多 😂 好吧"), gap=g)
    replies_ok = ["{o} 已同步 ✅", "{o} 后台已有，金额 ¥{amt} 一致", "{o} ✅", "{o} 没问题", "{o} 已重新上传，金额 ¥{amt}"]
    cust_lines = ["{o}", "下一个 {o}", "{o} 这笔呢", "{o}", "然后是 {o}", "{o}，¥{amt}"]
    for i, o in enumerate(BIG_ORDERS):
        amt = f"{rng.randrange(300, 30000) / 100:.2f}"
        s.add(c, 1, text(rng.choice(cust_lines).format(o=o, amt=amt)), gap=(15, 50))
        if i == 17:
            s.add(c, 1, image("今日订单列表", 1920, 1080), gap=(5, 10))
        if i % 23 == 11:
            s.add(a, 2, typing(), gap=(3, 8))
        if i == 30:
            s.add(a, 2, text(f"{o} 在后台显示为 **已退款**，所以不会出现在营业额报表里，这是正常的。"), gap=(20, 40))
            s.add(c, 1, text("对，这笔是顾客退了"), gap=(10, 30))
            continue
        if i == 52:
            s.add(a, 2, text(f"{o} 后台**没有**这笔，我重新推送一次，请稍等。"), gap=(20, 40))
            s.add(c, 1, text("好"), gap=(5, 15))
            s.add(a, 2, text(f"{o} 现在有了 ✅ 金额 ¥{amt}"), gap=(60, 120))
            continue
        if i == 60:
            s.add(c, 1, text("我去倒杯水，马上回来"), gap=(5, 10))
            s.add(a, 2, text("好的，不着急 😊"), gap=(5, 15))
            s.wait(240, 360)
        if i == 75:
            s.add(a, 2, text("陈先生，我这边马上要交班了，接下来由我的同事**赵工**继续帮您核对，记录都在，不用重复说明。"), gap=(10, 30))
            s.add(CS, 3, text(f"会话已由 {a} 转接给 {a2}"), gap=(2, 5))
            s.add(a2, 2, text("您好，我是赵工，我们接着从刚才那一笔继续 👍"), gap=(30, 60))
            a = a2
        s.add(a, 2, text(rng.choice(replies_ok).format(o=o, amt=amt)), gap=(10, 40))
    s.add(a, 2, text("全部核对完毕 🎉 一共 {} 笔，其中 1 笔已退款，1 笔已补传。".format(len(BIG_ORDERS))), gap=(20, 40))
    s.add(a, 2, text(
        "另外建议您：\n\n"
        "- 以后升级前先点一下 **立即同步**\n"
        "- 升级过程中不要断电\n"
        "- 对账报表可以在 [商户后台](https://example.com/merchant/reports/daily) 导出\n"), gap=(10, 30))
    s.add(c, 1, text("太感谢了，辛苦了！这么晚还在帮我弄"), gap=(20, 60))
    s.add(a, 2, text("不客气，祝您生意兴隆！"), gap=(10, 20))
    s.add(CS, 3, rating_request(s.id, zh=True), gap=(10, 20))
    s.add(c, 1, rating_answer(s.id, 5, zh=True), gap=(5, 15))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_midnight_media():
    s = Session("spans midnight UTC; location, voice, video (en)", ms(2026, 3, 13, 23, 41, 30),
                meta("Tom Aldous", "SDK", "DLV-40552"))
    c, a = "8613800000007", "agent_sam@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("My courier can't find the building. Sending you my location"), gap=(5, 10))
    s.add(c, 1, location("Example Tower, 100 Sample Street, Building C, back entrance", 51.507351, -0.127758),
          gap=(10, 20))
    s.add(a, 2, text("Hi Tom, Sam here. Thanks — I've passed the pin to the courier. Is there a gate code?"), gap=(90, 150))
    s.add(c, 1, sound(7), gap=(40, 80))
    s.add(a, 2, text("Got it, gate code **4711#**. Forwarded to the courier 🚚"), gap=(30, 60))
    s.add(c, 1, text("he's here but says the parcel is damaged, look"), gap=(500, 700))
    s.add(c, 1, video(14), gap=(20, 40))
    s.add(a, 2, text(
        "Sorry about that! Please **don't accept** the parcel — the courier will take it back.\n\n"
        "I've started a replacement, details: https://example.com/orders/R-58812"), gap=(60, 120))
    s.add(c, 1, text("ok done. thanks for staying up with me 😄"), gap=(200, 300))
    s.add(a, 2, text("Anytime. Good night!"), gap=(20, 30))
    s.add(CS, 3, session_end(), gap=(60, 90))
    return s


def s_dst_us():
    s = Session("across the US DST change (2026-03-08 07:00 UTC, America/New_York) (en)",
                ms(2026, 3, 8, 6, 31, 9), meta("Rosa Delgado", "Web(H5)", "ACC-11829"))
    c, a = "rosa.delgado.77", "agent_kevin@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(CS, 2, desk(29, subtype="welcome_msg", content={
        "title": "Hi, night owl 🦉 Our assistant is here 24/7.", "items": [{"content": "Account locked"}, {"content": "Something else"}]}),
        gap=(1, 2))
    s.add(c, 1, text("my account is locked after too many password attempts"), gap=(20, 40))
    s.add(CS, 2, desk(30, content="Locked accounts unlock automatically after **30 minutes**.\n\nIf you need access sooner, "
                                 "I can connect you to an agent who will verify your identity."), gap=(1, 3))
    s.add(c, 1, text("yes please, need it now"), gap=(15, 30))
    s.add(a, 2, text("Hi Rosa, Kevin here. For verification, please tell me the **month and year** you opened the account."),
          gap=(300, 500))
    s.add(c, 1, text("june 2019"), gap=(60, 90))
    s.add(a, 2, text("Thanks, verified ✅ I've unlocked your account. Please reset your password here: https://example.com/reset"),
          gap=(60, 120))
    s.add(c, 1, text("worked! btw the clocks just changed here lol"), gap=(1800, 2100))
    s.add(a, 2, text("Ha, yes — one hour less sleep tonight 😅 Take care!"), gap=(20, 40))
    s.add(CS, 3, session_end(), gap=(60, 90))
    return s


def s_dst_eu():
    s = Session("across the EU DST change (2026-03-29 01:00 UTC, Europe/Berlin) (en)",
                ms(2026, 3, 29, 0, 35, 44), meta("Jonas Weber", "SDK", "SUB-60213"))
    c, a = "8613800000009", "agent_lily@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("Hi, I want to cancel my subscription before it renews tonight"), gap=(5, 10))
    s.add(a, 2, text("Hi Jonas! I can help with that. Your **Premium** plan renews on `2026-03-29`. Cancel now?"), gap=(120, 200))
    s.add(c, 1, text("yes"), gap=(20, 40))
    s.add(a, 2, text("Done ✅ You keep Premium until the end of today. You'll get a confirmation email."), gap=(60, 90))
    s.add(c, 1, text("no email yet"), gap=(900, 1200))
    s.add(a, 2, text("It can take up to 30 minutes. You can also see it under [Subscriptions](https://example.com/account/subscriptions)."),
          gap=(60, 120))
    s.add(c, 1, text("there it is, thanks"), gap=(600, 900))
    s.add(CS, 3, rating_request(s.id), gap=(20, 40))
    s.add(c, 1, rating_answer(s.id, 4), gap=(10, 20))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_media_zh():
    s = Session("file, voice, video, location, face (zh)", ms(2026, 3, 9, 6, 10, 3),
                meta("王芳", "WeChat", "INV-90311"))
    c, a = "8613800000010", "agent_liu@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("你好，我要开增值税专用发票，资料发给你们"), gap=(5, 10))
    s.add(a, 2, text("您好，我是客服小刘。请发送**营业执照**和**开票信息**，我这边帮您提交。"), gap=(60, 120))
    s.add(c, 1, file("营业执照（副本）.pdf", 1_204_881), gap=(60, 120))
    s.add(c, 1, file("开票信息-示例科技有限公司.xlsx", 18_342), gap=(5, 15))
    s.add(c, 1, sound(12), gap=(10, 20))
    s.add(a, 2, text("资料收到了。语音里您说的地址是**上海市示例区样板路 88 号**，对吗？"), gap=(60, 120))
    s.add(c, 1, text("对的，另外我们搬家了，新地址在这里"), gap=(20, 40))
    s.add(c, 1, location("上海市示例区样板路 88 号 示例大厦 12 楼", 31.230416, 121.473701), gap=(5, 10))
    s.add(a, 2, text("好的，已更新收票地址。发票预计 **3 个工作日**内寄出。"), gap=(60, 120))
    s.add(c, 1, text("还有个问题，设备开机有异响，我录了个视频"), gap=(30, 60))
    s.add(c, 1, video(9, 1080, 1920), gap=(20, 40))
    s.add(a, 2, text(
        "从视频看是风扇的声音。请按以下步骤清理：\n\n"
        "1. 关机并拔掉电源\n2. 用软毛刷清理出风口\n3. 重新开机观察\n\n"
        "详细图文教程：[风扇清理指南](https://example.com/help/fan-cleaning)"), gap=(90, 180))
    s.add(c, 1, face(1, "tt01"), gap=(20, 40))
    s.add(c, 1, text("好的谢谢"), gap=(3, 8))
    s.add(CS, 3, session_end(), gap=(120, 180))
    return s


def s_relays():
    s = Session("forwarded chat history: MsgList with nesting, and JsonMsgKey only (en)",
                ms(2026, 3, 10, 13, 45, 17), meta("Zhang, Wei", "SDK", "ESC-12007"))
    c, a = "8613800000011", "agent_omar@support"
    base = int(dt.datetime(2026, 3, 9, 18, 2, tzinfo=dt.timezone.utc).timestamp())
    inner = relay("Chat History of Wei and Support", [
        relay_item("agent_kim@support", c, base - 86400, [text("We will call you back tomorrow morning.")], 301),
        relay_item(c, "agent_kim@support", base - 86380, [text("ok")], 302),
    ])
    outer_items = [
        relay_item(c, "8613800000012", base, [text("the shop promised a refund, see below")], 11),
        relay_item(c, "8613800000012", base + 4, [inner], 12),
        relay_item("8613800000012", c, base + 60, [text("they never called? 🙄")], 13),
        relay_item("8613800000012", c, base + 75, [image("call-log", 1080, 1920)], 14),
    ]
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("Hi, I was promised a callback that never happened. Forwarding the chat:"), gap=(5, 10))
    s.add(c, 1, relay("Chat History of Wei and Mei", outer_items), gap=(5, 10))
    s.add(a, 2, text("Hi Wei, Omar here. Thanks for forwarding — I can see the promise from **Kim** on March 8. Let me check."),
          gap=(90, 150))
    s.add(c, 1, text("and here is the whole thread from last week, it's long"), gap=(30, 60))
    s.add(c, 1, ("TIMRelayElem", {
        "Title": "Chat History of Wei and Support",
        "MsgNum": 143,
        "CompatibleText": "Your version does not support merged messages. Please upgrade.",
        "AbstractList": ["Wei: I ordered the blender on Feb 27", "agent_kim@support: Let me check the order",
                         "Wei: it arrived broken"],
        "JsonMsgKey": "1773150342_" + hexid(24),
    }), gap=(5, 10))
    s.add(a, 2, text(
        "I've read it. Summary:\n\n- Order `#B-22871` arrived broken\n- Refund was approved on **Mar 3** but never sent\n\n"
        "I've now sent the refund manually; you'll get an email confirmation."), gap=(200, 320))
    s.add(c, 1, text("finally. thanks"), gap=(30, 60))
    s.add(CS, 3, rating_request(s.id), gap=(20, 40))
    s.add(c, 1, rating_answer(s.id, 3), gap=(20, 40))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_forms_stream_zh():
    s = Session("form, typing, stream, rich text (zh)", ms(2026, 3, 10, 2, 15, 36),
                meta("刘洋", "Web(H5)", "RPR-33094"))
    c = "user_6632019"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(BOT, 2, desk(29, subtype="welcome_msg", content={
        "title": "您好！我是智能助手小示 🤖", "items": [{"content": "预约维修"}, {"content": "查询维修进度"}, {"content": "保修政策"}]}),
        gap=(1, 2))
    s.add(c, 1, text("预约维修"), gap=(10, 20))
    s.add(BOT, 2, desk(21, content={"type": 1, "header": "请选择需要维修的产品类型", "items": [
        {"content": "手机", "desc": "含平板"}, {"content": "笔记本电脑", "desc": ""}, {"content": "智能手表", "desc": ""}]}),
        gap=(1, 2))
    s.add(c, 1, text("笔记本电脑"), gap=(10, 20))
    s.add(BOT, 2, desk(21, content={"type": 2, "header": "请填写预约信息", "items": [
        {"content": "联系人", "desc": "请输入姓名"}, {"content": "手机号", "desc": "请输入 11 位手机号"},
        {"content": "故障描述", "desc": "请简要描述故障"}]}), gap=(1, 2))
    s.add(c, 1, text("刘洋，13800000013，屏幕有一条竖线"), gap=(40, 80))
    s.add(BOT, 2, typing(), gap=(1, 2))
    s.add(BOT, 2, desk(31, chunks=["已为您预约 **3月12日 14:00** ", "的到店维修。\n\n", "地址：示例数码服务中心（样板路 88 号）\n\n",
                                   "请携带：\n- 购买凭证\n- 设备及充电器"], isFinished=1), gap=(2, 4))
    s.add(c, 1, text("保修期内免费吗"), gap=(20, 40))
    s.add(BOT, 2, desk(30, content=(
        "## 保修政策\n\n"
        "| 情况 | 费用 |\n| --- | --- |\n| 保修期内、非人为损坏 | **免费** |\n| 保修期外 | 按 [价目表](https://example.com/repair/prices) 收费 |\n\n"
        "> 屏幕竖线一般属于硬件故障，保修期内免费维修。")), gap=(2, 4))
    s.add(c, 1, text("好的 👌"), gap=(20, 40))
    s.add(CS, 3, timeout_end(), gap=(600, 600))
    return s


def s_misc_unknown():
    s = Session("unknown MsgType, unknown custom payload, TUIKit text_link, multi-element message (en)",
                ms(2026, 3, 11, 18, 20, 50), meta("Aiko Tanaka", "SDK", "GEN-07781"))
    c, a = "aiko_t", "agent_sam@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(CS, 3, ("TIMGroupTipElem", {"OpType": 1, "Operator_Account": CS, "MemberList_Account": [a]}), gap=(1, 2))
    s.add(a, 2, text("Hi Aiko, Sam here 👋 How can I help?"), gap=(20, 40))
    s.add(c, 1, text("I want to change the delivery address of my order. Here's the order and where it should go:"),
          image("order-page", 1284, 2778, fmt=3), gap=(30, 60))
    s.add(a, 2, custom({"businessID": "text_link", "version": 4,
                        "text": "You can change the address yourself until the parcel ships:",
                        "link": "https://example.com/orders/A-55120/address"}, desc="[link]"), gap=(40, 80))
    s.add(c, 1, text("it says 'address locked'"), gap=(60, 120))
    s.add(c, 1, custom({"src": "99", "customerServicePlugin": 0, "content": {"kind": "app_diagnostics",
                                                                          "appVersion": "7.1.3", "os": "iOS 19.2"}}),
          gap=(1, 3))
    s.add(a, 2, text("Thanks. The parcel is already **packed**, so I changed the address in our warehouse system for you. ✅"),
          gap=(90, 150))
    s.add(c, 1, face(0, "[Thumbs Up]"), gap=(10, 20))
    s.add(c, 1, custom({"businessID": "evaluation", "version": 1, "score": 5, "comment": "super quick!"}, desc="[evaluation]"),
          gap=(20, 40))
    s.add(c, 1, custom("[sticker:wave]", desc="[sticker]"), gap=(3, 6))
    s.add(CS, 3, session_end(), gap=(30, 60))
    return s


def s_logistics_zh():
    s = Session("logistics with markdown table and product cards (zh)", ms(2026, 3, 16, 5, 40, 12),
                meta("赵敏", "WeChat", "LOG-22180"))
    c, a = "8613800000014", "agent_wang@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("我买了三样东西，怎么分成三个包裹了？"), gap=(5, 15))
    s.add(a, 2, text("您好，我是小王。因为三件商品分别从不同仓库发货，所以会分开配送，具体如下："), gap=(60, 120))
    s.add(a, 2, text(
        "| 商品 | 仓库 | 快递单号 | 预计送达 |\n| --- | --- | --- | --- |\n"
        "| 保温杯 | 杭州仓 | `EX1000000001` | 3月17日 |\n| 电热水壶 | 广州仓 | `EX1000000002` | 3月18日 |\n"
        "| 滤芯 ×2 | 上海仓 | `EX1000000003` | 3月17日 |"), gap=(10, 20))
    s.add(c, 1, text("那能不能合并成一个？"), gap=(30, 60))
    s.add(a, 2, text("已经发出的包裹没法合并了，抱歉 🙏 下次下单时可以勾选“**合并发货**”。送您一张优惠券作为补偿："), gap=(30, 60))
    s.add(a, 2, desk(22, content={"header": "满 99 减 20 优惠券", "desc": "有效期至 2026-04-30，全场通用",
                                  "pic": "https://media.example.com/promo/coupon-20.png",
                                  "url": "https://example.com/coupons/claim?c=SPRING20"}), gap=(5, 10))
    s.add(c, 1, text("好吧，谢谢"), gap=(20, 40))
    s.add(CS, 3, rating_request(s.id, zh=True), gap=(20, 40))
    s.add(c, 1, rating_answer(s.id, 3, zh=True), gap=(20, 60))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_bot_only_en():
    s = Session("bot resolves it alone with streamed answer (en)", ms(2026, 3, 17, 12, 0, 31),
                meta("Liam O'Brien", "Web(H5)", "FAQ-00912"))
    c = "guest_7f3a"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(BOT, 2, desk(29, subtype="welcome_msg", content={
        "title": "Hello! Ask me anything about your account.",
        "items": [{"content": "Reset my password"}, {"content": "Change my email"}, {"content": "Delete my account"}]}),
        gap=(1, 2))
    s.add(c, 1, text("how do I export my data?"), gap=(15, 30))
    s.add(BOT, 2, typing(), gap=(1, 2))
    s.add(BOT, 2, desk(31, chunks=["To export your data:\n\n", "1. Go to **Settings → Privacy**\n",
                                   "2. Click **Export my data**\n", "3. You'll get an email with a download link within 24 hours\n\n",
                                   "More: [Data export FAQ](https://example.com/help/export)"], isFinished=1), gap=(2, 4))
    s.add(c, 1, text("thanks!"), gap=(20, 40))
    s.add(CS, 3, rating_request(s.id), gap=(10, 20))
    s.add(c, 1, rating_answer(s.id, 5), gap=(5, 10))
    s.add(CS, 3, session_end(), gap=(2, 4))
    return s


def s_refund_complaint_zh():
    s = Session("refund complaint, poor rating (zh)", ms(2026, 3, 17, 8, 5, 8),
                meta("周杰", "SDK", "RFD-44102"))
    c, a = "8613800000016", "agent_liu@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("退款申请了一周了还没到账！！！"), gap=(3, 6))
    s.add(c, 1, text("你们到底管不管"), gap=(10, 20))
    s.add(a, 2, text("您好，非常抱歉让您久等了。麻烦提供一下订单号，我马上为您查询。"), gap=(200, 400))
    s.add(c, 1, text("2026030812345"), gap=(20, 40))
    s.add(a, 2, text("查到了：退款已于 **3月10日** 原路退回到您的银行卡，银行处理一般需要 **1–7 个工作日**。\n\n退款凭证："), gap=(60, 120))
    s.add(a, 2, image("退款凭证", 750, 1334), gap=(5, 10))
    s.add(c, 1, text("那就是说还要再等？"), gap=(30, 60))
    s.add(a, 2, text("是的，如果 3月19日 之后仍未到账，请联系发卡银行并提供凭证上的**交易参考号**。"), gap=(30, 60))
    s.add(c, 1, text("服务太差了"), gap=(20, 40))
    s.add(CS, 3, rating_request(s.id, zh=True), gap=(5, 10))
    s.add(c, 1, rating_answer(s.id, 1, zh=True), gap=(5, 10))
    s.add(CS, 3, session_end(), gap=(2, 4))
    return s


def s_short_timeout_en():
    s = Session("short, ends by timeout (en)", ms(2026, 3, 18, 20, 10, 55), meta("Sam Patel", "Web(H5)", ""))
    c, a = "8613800000017", "agent_priya@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("what are your opening hours on Sunday?"), gap=(5, 10))
    s.add(a, 2, text("Hi! On Sundays we're open **10:00–16:00**. Full list: https://example.com/stores/hours"), gap=(40, 80))
    s.add(a, 2, text("Is there anything else I can help with?"), gap=(300, 300))
    s.add(CS, 3, timeout_end(), gap=(600, 600))
    return s


def s_security_zh():
    s = Session("account security, voice messages, ended by user (zh)", ms(2026, 3, 23, 1, 30, 19),
                meta("黄小明", "SDK", "SEC-80027"))
    c, a = "8613800000018", "agent_chen@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, sound(18), gap=(5, 10))
    s.add(a, 2, text("您好，我是陈工。您在语音里说收到了异地登录提醒，对吗？为了安全，请**不要**在对话中发送密码或验证码。"), gap=(60, 120))
    s.add(c, 1, sound(6), gap=(20, 40))
    s.add(a, 2, text(
        "已确认不是您本人登录。我已经：\n\n1. 强制下线了所有其他设备\n2. 冻结了支付功能 24 小时\n\n"
        "请立即在 App 里修改密码，并开启**两步验证**：[开启方法](https://example.com/help/2fa)"), gap=(60, 120))
    s.add(c, 1, text("改好了"), gap=(120, 200))
    s.add(c, 1, session_end(), gap=(5, 10))
    return s


def s_developer_en():
    s = Session("developer question with code blocks and a log file (en)", ms(2026, 3, 24, 15, 10, 40),
                meta("Priyanka Rao", "SDK", "DEV-15530"))
    c, a = "dev_priyanka", "agent_kevin@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("Our webhook gets `401 Unauthorized` since yesterday. Log attached."), gap=(5, 10))
    s.add(c, 1, file("webhook-errors.log", 48_213), gap=(5, 10))
    s.add(a, 2, text(
        "Hi Priyanka, Kevin from developer support. The log shows the signature header is computed over the "
        "**parsed** body. It must be the raw bytes:\n\n"
        "```python\nimport hmac, hashlib\n\ndef verify(raw_body: bytes, secret: bytes, header: str) -> bool:\n"
        "    mac = hmac.new(secret, raw_body, hashlib.sha256).hexdigest()\n"
        "    return hmac.compare_digest(mac, header)\n```\n\n"
        "See [Webhook signatures](https://example.com/docs/webhooks#signatures)."), gap=(240, 400))
    s.add(c, 1, text("we use the raw body though... but we did rotate the secret yesterday"), gap=(60, 120))
    s.add(a, 2, text("That's it then — after rotating, the **old** secret stays valid for 1 hour only. "
                     "Update `WEBHOOK_SECRET` on your side with the new value from the dashboard."), gap=(60, 120))
    s.add(c, 1, text("yep that fixed it. 200s everywhere 🎉"), gap=(300, 500))
    s.add(CS, 3, rating_request(s.id), gap=(20, 40))
    s.add(c, 1, rating_answer(s.id, 5), gap=(10, 20))
    s.add(CS, 3, session_end(), gap=(2, 5))
    return s


def s_old_sdk_zh():
    s = Session("media from an old 2.x SDK without URL fields (zh)", ms(2026, 2, 26, 4, 50, 27),
                meta("孙丽", "SDK", "OLD-00318"))
    c, a = "8613800000019", "agent_wang@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("我手机上的 App 很旧了，能发语音吗"), gap=(5, 10))
    s.add(c, 1, sound(9, with_url=False), gap=(20, 40))
    s.add(a, 2, text("您好，语音收到了，但是旧版本发来的语音我这边无法播放 😅 方便打字说明吗？也建议升级到最新版本。"), gap=(60, 120))
    s.add(c, 1, text("我想改绑手机号"), gap=(30, 60))
    s.add(c, 1, file("身份证明.jpg", 412_003, with_url=False), gap=(20, 40))
    s.add(a, 2, text("改绑手机号请在 **我的 → 账号与安全 → 手机号** 中操作，需要验证旧手机号。旧号码不能用的话请查看 [申诉流程](https://example.com/help/appeal)。"),
          gap=(60, 120))
    s.add(c, 1, text("好"), gap=(20, 40))
    s.add(CS, 3, session_end(), gap=(120, 180))
    return s


def s_stream_unfinished_en():
    s = Session("interrupted stream (isFinished 0), then agent (en)", ms(2026, 3, 30, 10, 25, 14),
                meta("Grace Kim", "Web(H5)", "SHP-66021"))
    c, a = "8613800000020", "agent_lily@support"
    s.add(c, 1, session_open(), gap=(0, 0))
    s.add(c, 1, text("what's the return policy for sale items?"), gap=(5, 10))
    s.add(BOT, 2, desk(31, chunks=["Sale items can be returned within **14 days** ", "if they are unused and "], isFinished=0),
          gap=(2, 4))
    s.add(c, 1, text("...and? the answer got cut off"), gap=(30, 60))
    s.add(a, 2, text("Hi Grace, Lily here — sorry, the assistant glitched. Sale items can be returned within **14 days** if "
                     "they're unused and in original packaging. *Final sale* items can't be returned. "
                     "Full policy: https://example.com/returns"), gap=(120, 200))
    s.add(c, 1, text("perfect, thx"), gap=(20, 40))
    s.add(CS, 3, session_end(), gap=(60, 90))
    return s


BUILDERS = [
    s_bot_then_two_agents, s_order_zh, s_unanswered, s_agent_first, s_empty, s_big_zh, s_midnight_media,
    s_dst_us, s_dst_eu, s_media_zh, s_relays, s_forms_stream_zh, s_misc_unknown, s_logistics_zh,
    s_bot_only_en, s_refund_complaint_zh, s_short_timeout_en, s_security_zh, s_developer_en, s_old_sdk_zh,
    s_stream_unfinished_en,
]


def main():
    RECORDS.mkdir(parents=True, exist_ok=True)
    for old in RECORDS.glob("*.json"):
        old.unlink()
    sessions = [b() for b in BUILDERS]
    ids = [s.id for s in sessions]
    assert len(set(ids)) == len(ids)
    for i, s in enumerate(sessions):
        fetched = (FETCHED_AT + dt.timedelta(seconds=3 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        s.write(RECORDS, fetched)
    with open(HERE / "sessions.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["SessionId", "customer_name", "channel", "ticket"])
        for s in sessions:
            w.writerow([s.id, s.meta["customer_name"], s.meta["channel"], s.meta["ticket"]])
    for s in sessions:
        print(f"{s.id}  {len(s.messages):4d}  {s.title}")


if __name__ == "__main__":
    main()
