"""A realistic demo estate roll (pure, deterministic): 和睦新村, 8 buildings, 288 units.

It includes what the tally must get right: a multi-unit owner, co-owned units,
developer-held units (unsold and sold-but-undelivered) and provisional areas.
"""
import random
from dataclasses import dataclass
from decimal import Decimal

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕玉兰金凤德明国庆文军"


@dataclass(frozen=True)
class DemoRow:
    building: str
    unit: str
    room: str
    area: Decimal
    area_source: str
    owner_key: str
    owner_name: str
    phones: tuple[str, ...]
    status: str
    co_owners: tuple[str, ...]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def demo_rows(seed: int = 2019) -> list[DemoRow]:
    """8 buildings × 3 stairwell units × 6 floors × 2 rooms, with the special cases below."""
    rng = random.Random(seed)
    rows = []
    serial = 0
    for building in range(1, 9):
        for unit in range(1, 4):
            for floor in range(1, 7):
                for side in (1, 2):
                    serial += 1
                    room = f"{floor}0{side}"
                    area = Decimal(rng.randint(4200, 8900)) / 100
                    status, owner_key, name, phones, co_owners = "owned", f"HM{serial:04d}", _name(rng), (), ()
                    if rng.random() < 0.8:
                        phones = (f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",)
                    if rng.random() < 0.15:
                        co_owners = (_name(rng),)
                    source = "register"
                    if building == 8 and floor >= 5:  # top floors of the last block: never sold
                        status, owner_key, name, phones, co_owners = "developer_unsold", "", "", (), ()
                        source = "survey"
                    elif building == 8 and floor == 4:
                        status, source = "developer_undelivered", "contract"
                    elif building == 7 and unit == 3:
                        source = "survey"  # register certificates not yet issued
                    rows.append(DemoRow(str(building), str(unit), room, area, source, owner_key, name,
                                        phones, status, co_owners))
    # One owner holds four flats across two buildings (multi-unit owner, one person).
    owner = rows[0]
    for index in (1, 40, 41):
        r = rows[index]
        rows[index] = DemoRow(r.building, r.unit, r.room, r.area, r.area_source, owner.owner_key,
                              owner.owner_name, owner.phones, r.status, r.co_owners)
    return rows
