"""What the columns of an import file may be called and how their text is read: English names of
DESIGN.md or the Chinese an office writes (房号, 业主, 是/否, 2026年11月5日, 投诉, 重大 ...).

Naive times in a file are the company's local time (the policy's zone, Asia/Shanghai by default):
an office writes "2026-11-05 09:30" meaning its own clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

HOUSEHOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "住户编号", "户号", "household_id"),
    "team": ("team_id", "责任区", "小组", "班组", "团队"),
    "building": ("楼栋", "栋", "楼号", "栋号", "楼宇"),
    "unit": ("单元",),
    "room": ("房号", "房间号", "室", "门牌号"),
    "owner_name": ("owner", "业主", "业主姓名", "姓名", "住户姓名"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码"),
    "move_in": ("入住日期", "入伙日期", "入住时间"),
    "key_customer": ("重要客户", "重点客户"),
    "do_not_visit": ("拒访", "不回访", "谢绝回访"),
}
HOUSEHOLD_REQUIRED = ("id", "team", "building", "room", "owner_name")

SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "单号"),
    "type": ("类型", "来源类型"),
    "level": ("级别", "等级", "投诉级别"),
    "category": ("类别", "分类", "投诉类别"),
    "household_id": ("household", "住户编号", "户号"),
    "opened_at": ("发生时间", "受理时间", "登记时间", "开始时间"),
    "closed_at": ("关闭时间", "完成时间", "解决时间", "结案时间"),
    "anonymous": ("匿名",),
    "resolved_on_spot": ("现场解决",),
    "sensitive": ("敏感",),
    "letter_only": ("仅需回函", "只要回函", "回函"),
}
SOURCE_REQUIRED = ("id", "type", "opened_at")

ENUM_ALIASES: dict[str, dict[str, str]] = {
    "type": {"投诉": "complaint", "维修": "repair", "报修": "repair", "活动": "event",
             "社区活动": "event"},
    "level": {"一般": "general", "重要": "important", "重大": "major"},
    "category": {"房屋管理": "building", "设备管理": "equipment", "安全管理": "security",
                 "环境管理": "environment", "综合服务": "general_services",
                 "业户纠纷": "neighbour_dispute", "开发商相关": "developer", "其它": "other",
                 "其他": "other"},
}  # fmt: skip

TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "是", "对", "√", "✓"})
FALSE_WORDS = frozenset({"", "0", "false", "f", "no", "n", "否", "不是", "×", "✗"})
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
DATETIME_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}(?:\.\d+)?))?秒?)?$"
)


def header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").casefold())


def column_map(header: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """File header name -> canonical column, for the headers this kind of file knows."""
    names = {header_key(canonical): canonical for canonical in columns}
    for canonical, aliases in columns.items():
        names.update({header_key(alias): canonical for alias in aliases})
    return {name: names[header_key(name)] for name in header if header_key(name) in names}


def parse_bool(text: str) -> bool:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{text!r} is not yes/no (是/否, 1/0, true/false, y/n)")


def parse_date(text: str) -> date | None:
    """``2026-11-05``, ``2026/11/5``, ``2026.11.5``, ``2026年11月5日``; empty is None."""
    if not text:
        return None
    found = DATE_PATTERN.match(text) or DATETIME_PATTERN.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a date like 2026-11-05")
    return date(int(found[1]), int(found[2]), int(found[3]))


def parse_timestamp(text: str, zone: ZoneInfo) -> datetime | None:
    """ISO 8601 with an offset as given; a naive time or a bare date in the company's zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _parse_local_datetime(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _parse_local_datetime(text: str) -> datetime:
    found = DATETIME_PATTERN.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a time like 2026-11-05 09:30")
    hour, minute, second = (float(part) if part else 0.0 for part in found.groups()[3:])
    return datetime(
        int(found[1]), int(found[2]), int(found[3]), int(hour), int(minute), int(second)
    )


def parse_choice(column: str, text: str) -> str | None:
    """An enum column's value: the English id, or its Chinese name; empty is None."""
    if not text:
        return None
    return ENUM_ALIASES.get(column, {}).get(text.strip(), text.strip().casefold())
