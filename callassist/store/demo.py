"""A demo ledger: realistic Chinese and English business debtors with varied histories."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store.ledger import debtor_clock, settle_accounts
from callassist.store.models import Account, Collector, Contact, Debtor, Instalment, Invoice, Payment, Promise, row_of, saved_id

CN_COMPANIES = [
    "苏州恒通机电有限公司",
    "杭州明远纺织品有限公司",
    "深圳华科电子有限公司",
    "成都锦程建材有限公司",
    "宁波海川五金制品厂",
    "武汉楚天物流有限公司",
    "东莞新力塑胶制品有限公司",
    "青岛瑞丰食品有限公司",
    "佛山顺达陶瓷有限公司",
    "天津北辰化工有限公司",
    "厦门鹭岛贸易有限公司",
    "长沙湘江印务有限公司",
    "无锡太湖精密机械有限公司",
    "合肥徽商农资有限公司",
    "南京金陵照明电器有限公司",
    "郑州中原汽配有限公司",
    "昆明云岭茶业有限公司",
    "温州瓯江鞋业有限公司",
    "济南泉城包装有限公司",
    "重庆山城摩配有限公司",
    "台北永和精工股份有限公司",
    "香港德信进出口有限公司",
    "西安秦川仪表有限公司",
    "沈阳北方重工配件厂",
    "大连海星水产有限公司",
    "常州龙城电机有限公司",
    "南昌赣江家具有限公司",
    "福州闽江茶具有限公司",
    "石家庄冀中药业有限公司",
    "义乌小商品批发部（个体）",
    "绍兴柯桥布业有限公司",
    "珠海横琴科技有限公司",
    "张记五金商行（个体）",
    "李氏餐饮管理有限公司",
    "嘉兴南湖电缆有限公司",
    "泉州晋江服装有限公司",
    "烟台蓬莱酒业有限公司",
    "扬州瘦西湖旅游用品有限公司",
]
CN_NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄志强", "周婷", "吴刚", "徐丽", "孙浩", "马超", "朱琳", "胡斌", "郭芳"]
CN_ROLES = ["财务经理", "总经理", "应付账款专员", "老板", "财务总监", "会计"]
EN_COMPANIES = [
    "Harbor Point Logistics Ltd",
    "Greenfield Hardware Supply",
    "Northgate Packaging Co.",
    "Bluewater Marine Parts",
    "Riverside Print & Design",
    "Summit Office Interiors",
    "Oakridge Building Materials",
    "Pioneer Auto Components",
    "Lakeside Catering Services",
    "Kestrel Electronics GmbH",
    "Maple Leaf Textiles Inc.",
    "Redwood Furniture Works",
    "Silverline Medical Supplies",
    "Brightstone Engineering Pty",
    "Cedar Valley Farms",
    "Atlas Industrial Tools",
    "Crescent Bay Seafood",
    "Ironbridge Fabrication",
    "Westmoor Retail Group",
    "Evergreen Garden Centres",
    "Falcon Courier Services",
    "Granite State Plumbing",
    "Horizon Solar Installations",
    "Juniper Health Foods",
    "Larkspur Events Ltd",
    "Meridian Freight Forwarding",
    "Nimbus Software Services",
    "Orchard Lane Bakery",
    "Pinecrest Dental Lab",
    "Quayside Hotel Supplies",
    "Rowan & Sons Joinery",
    "Stirling Office Machines",
]
EN_NAMES = ["Sarah Mitchell", "James O'Connor", "Priya Raman", "Tom Becker", "Laura Chen", "David Okafor", "Emma Lindqvist", "Michael Rossi", "Hannah Brooks", "Carlos Mendes", "Olivia Grant", "Ben Walsh"]
EN_ROLES = ["Accounts Payable Manager", "Finance Director", "Owner", "Controller", "Office Manager", "CFO"]
EN_PLACES = [
    ("Europe/London", "GBP", "+44 20 7946 "),
    ("America/New_York", "USD", "+1 212 555 "),
    ("America/Chicago", "USD", "+1 312 555 "),
    ("America/Los_Angeles", "USD", "+1 415 555 "),
    ("Europe/Berlin", "EUR", "+49 30 5550 "),
    ("Australia/Sydney", "AUD", "+61 2 5550 "),
]


def _cn_place(name: str) -> tuple[str, str, str]:
    if name.startswith("台北"):
        return ("Asia/Taipei", "TWD", "+886 2 2555 ")
    if name.startswith("香港"):
        return ("Asia/Hong_Kong", "HKD", "+852 5550 ")
    return ("Asia/Shanghai", "CNY", "+86 21 5550 ")


def has_ledger(session: Session) -> bool:
    """Whether the database holds accounts already (the demo's, or anyone's)."""
    return session.exec(select(Account.id).limit(1)).first() is not None


def made_for(session: Session) -> str:
    """The collector the demo ledger was made for: the first one it stored."""
    return session.exec(select(Collector.name).order_by(col(Collector.id)).limit(1)).first() or "?"


def populate(session: Session, collector_name: str, today: date, seed: int = 7) -> int:
    """Fill an empty database with the demo ledger; returns the collector's account count."""
    rng = random.Random(seed)
    me = Collector(name=collector_name, display_name=collector_name)
    colleague = Collector(name="colleague", display_name="Colleague")
    session.add_all([me, colleague])
    session.flush()
    debtors = [(n, rng.choice(CN_NAMES), rng.choice(CN_ROLES), _cn_place(n)) for n in CN_COMPANIES]
    debtors += [(n, rng.choice(EN_NAMES), rng.choice(EN_ROLES), rng.choice(EN_PLACES)) for n in EN_COMPANIES]
    rng.shuffle(debtors)
    mine = 0
    for index, (name, person, role, (tz, currency, phone_prefix)) in enumerate(debtors, 1):
        owner = colleague if index % 10 == 0 else me
        mine += owner is me
        debtor = Debtor(external_id=f"D{index:04d}", name=name, kind="consumer" if "个体" in name else "company", timezone=tz, work_starts=rng.choice([None, None, "08:30", "09:00"]), income_day=rng.choice([None, None, None, 10, 15, 25]))
        session.add(debtor)
        session.flush()
        contact = Contact(debtor_id=saved_id(debtor), name=person, role=role, phone=f"{phone_prefix}{rng.randint(1000, 9999)}")
        session.add(contact)
        session.flush()
        _account(session, rng, index, debtor, contact, owner, currency, today)
    session.flush()
    settle_accounts([saved_id(a) for a in session.exec(select(Account)).all()], today=today, class_days=DEFAULT_CLASS_DAYS, session=session)
    session.commit()
    return mine


def schedule_callbacks(session: Session, collector_name: str, today: date) -> None:
    """A few callbacks agreed for today, in each debtor's own time, on accounts not called
    since: the worklist brings them up when they fall due."""
    collector = session.exec(select(Collector).where(Collector.name == collector_name)).one()
    accounts = session.exec(select(Account).where(Account.collector_id == collector.id, Account.closed == False).order_by(col(Account.id))).all()  # noqa: E712
    for account, hour in zip(accounts[3:30:9], (10, 14, 16)):
        zone = ZoneInfo(row_of(session, Debtor, account.debtor_id).timezone)
        account.callback_at = datetime.combine(today, time(hour, 30), zone).astimezone(UTC)
        session.add(account)
    session.commit()


def _account(session: Session, rng: random.Random, index: int, debtor: Debtor, contact: Contact, owner: Collector, currency: str, today: date) -> None:
    scale = {"TWD": 30, "HKD": 8, "USD": 1 / 7, "GBP": 1 / 9, "EUR": 1 / 8, "AUD": 1 / 5}.get(currency, 1)
    age = rng.choice([-5, 3, 12, 25, 40, 61, 75, 95, 130, 200, 280, 420])
    invoices: list[tuple[str, date, date, Decimal]] = []  # number, issued, due, amount
    for n in range(rng.randint(1, 4)):
        due = today - timedelta(days=age - n * rng.randint(10, 30))
        amount = (Decimal(rng.randint(800, 90000)) * Decimal(str(scale))).quantize(Decimal("0.01"))
        # Issued a month before it falls due, and never after today.
        invoices.append((f"INV-{2026 - (age > 300)}{index:03d}{n + 1}", min(due - timedelta(days=30), today - timedelta(days=1)), due, amount))
    balance = sum((i[3] for i in invoices), Decimal(0))
    oldest = min(i[2] for i in invoices)
    history = rng.choice(["none", "none", "kept", "broken", "broken_twice", "open"])
    broken = {"broken": 1, "broken_twice": 2}.get(history, 0)
    account = Account(
        external_id=f"A{index:05d}",
        debtor_id=saved_id(debtor),
        contact_id=saved_id(contact),
        collector_id=saved_id(owner),
        currency=currency,
        **debtor_clock(debtor.timezone, debtor.work_starts, debtor.income_day),
        balance=balance,
        oldest_due=oldest,
        broken_promises=broken,
        last_broken_on=today - timedelta(days=25) if broken else None,
        flags=rng.choice(["", "", "", "", "", "", "", "", "owner_change", "moving", "insolvency"]),
        last_contact_at=None if history == "none" else datetime.combine(today - timedelta(days=rng.randint(2, 20)), time(3, 0), UTC),
        last_outcome={"none": None, "kept": "promise", "broken": "promise", "broken_twice": "promise", "open": "promise"}[history],
    )
    session.add(account)
    session.flush()
    for number, issued, due, amount in invoices:
        session.add(Invoice(account_id=saved_id(account), number=number, issued_on=issued, due_on=due, amount=amount))
    statuses = {"kept": ["kept"], "broken": ["broken"], "broken_twice": ["broken", "broken"], "open": ["open"]}.get(history, [])
    for n, status in enumerate(statuses):
        when = today - timedelta(days=25 * (len(statuses) - n)) if status != "open" else today + timedelta(days=rng.randint(0, 10))
        part = (balance / 3).quantize(Decimal("0.01"))
        promise = Promise(account_id=saved_id(account), currency=currency, total=part, method="bank_transfer", channel="email", status=status, created_at=datetime.combine(when - timedelta(days=7), time(3, 0), UTC))
        session.add(promise)
        session.flush()
        kept = status == "kept"
        session.add(Instalment(promise_id=saved_id(promise), seq=1, due_on=when, amount=part, paid=part if kept else Decimal(0), status=status))
        if kept:  # the money that kept it, against an earlier invoice it paid off: what is open stays as above
            paid_due = min(oldest, when) - timedelta(days=30)  # older than the open ones: payments settle the oldest first
            session.add(Invoice(account_id=saved_id(account), number=f"INV-{2025}{index:03d}{n + 1}", issued_on=paid_due - timedelta(days=30), due_on=paid_due, amount=part))
            session.add(
                Payment(
                    external_id=f"demo-kept-{index}-{n + 1}",
                    account_id=saved_id(account),
                    paid_on=when,
                    currency=currency,
                    amount=part,
                    unmatched=Decimal(0),
                    method="bank_transfer",
                    reference="",
                    source="import",
                    created_at=datetime.combine(when, time(3, 0), UTC),
                )
            )
