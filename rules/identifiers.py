"""Identifiers people and enterprises are known by: check, normalise and mask them.

身份证号 follows GB 11643, 统一社会信用代码 GB 32100 (its organisation code GB 11714); the masks
follow docs/reference-data.md. Every error message is Chinese, shown to residents as is.
"""

from __future__ import annotations

import re
from datetime import date
from operator import mul

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Summing the ASCII codes times the weights, then taking off "0" times the weights, is the same
# sum of digits times weights, done in C: the demo seeder checks a million numbers.
_ID_ZERO_OFFSET = ord("0") * sum(ID_WEIGHTS)
# First two digits of a division code: the provinces, plus 81/82/83 on residence permits.
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
EARLIEST_BIRTH = date(1900, 1, 1)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 32100 position 1, the registration authority: 1 机构编制, 2 外交, 3 司法行政, 4 文化,
# 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管（工商）, A 中央军委改革和编制办公室, N 农业, Y 其他.
# Position 2, the kind of body, is 1–9 under every authority. Positions 3–8 are the division
# code of the registering office: a province's, or 100000 for the central government's.
USCC_AUTHORITIES = frozenset("123456789ANY")
USCC_KINDS = frozenset("123456789")
USCC_DIVISION_PREFIXES = PROVINCE_PREFIXES | {"10"}

# Two-character surnames common enough to meet in a city's registers.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 闾丘 "
    "端木 西门 南宫 独孤 百里 呼延 澹台 公冶 太史 申屠 拓跋 濮阳 万俟 司空 第五 赫连 闻人 "
    "东郭 单于 公羊 左丘 谷梁 梁丘 微生 羊舌 亓官 仲孙 子车 颛孙 巫马 乐正 南门 东门".split()
)

_ID_SHAPE = re.compile(r"\d{17}[\dX]")
_PHONE = re.compile(r"1[3-9]\d{9}")
# a fixed line with its area code (0635 8888888, 010-62345678): 区号 010 and 02x have three
# digits, every other four; the local number 7 or 8 digits, never starting 0 or 1
_LANDLINE = re.compile(r"(?:010|02\d|0[3-9]\d\d)[2-9]\d{6,7}")
_SEPARATORS = re.compile(r"[\s\-]")


def id_number_check_char(first17: str) -> str:
    """Return the GB 11643 check character of the first 17 digits of a 身份证号."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("身份证号前17位应为数字")
    total = sum(map(mul, first17.encode(), ID_WEIGHTS)) - _ID_ZERO_OFFSET
    return ID_CHECK_CHARS[total % 11]


def check_id_number(text: str, *, today: date | None = None) -> str:
    """Return the 身份证号 normalised (upper-case X), or raise ValueError saying what is wrong."""
    number = text.strip().upper()
    if len(number) != 18:
        raise ValueError("身份证号应为18位")
    if not number.isascii() or not _ID_SHAPE.fullmatch(number):
        raise ValueError("身份证号只能由数字组成，最后一位可以是X")
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValueError("身份证号的地区码不正确")
    born = _birth_date(number)
    if born < EARLIEST_BIRTH or (today is not None and born > today):
        raise ValueError("身份证号中的出生日期不在合理范围内")
    if id_number_check_char(number[:17]) != number[17]:
        raise ValueError("身份证号校验位不正确")
    return number


def birth_date_of(id_number: str) -> date:
    """Return the birth date a valid 身份证号 carries."""
    return _birth_date(check_id_number(id_number))


def gender_of(id_number: str) -> str:
    """Return "male" or "female" from the 17th digit (odd = male) of a valid 身份证号."""
    return "male" if int(check_id_number(id_number)[16]) % 2 else "female"


def _birth_date(number: str) -> date:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("身份证号中的出生日期不存在") from None


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character of the first 17 characters of a 统一社会信用代码."""
    if len(first17) != 17 or any(char not in USCC_VALUES for char in first17):
        raise ValueError("统一社会信用代码只能由数字和除I、O、S、V、Z以外的大写字母组成")
    total = sum(map(mul, map(USCC_VALUES.__getitem__, first17), USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(text: str) -> str:
    """Return the 统一社会信用代码 normalised (upper case), or raise ValueError saying why not."""
    code = text.strip().upper()
    if len(code) != 18:
        raise ValueError("统一社会信用代码应为18位")
    if any(char not in USCC_VALUES for char in code):
        raise ValueError("统一社会信用代码只能由数字和除I、O、S、V、Z以外的大写字母组成")
    if code[0] not in USCC_AUTHORITIES or code[1] not in USCC_KINDS:
        raise ValueError("统一社会信用代码前两位（登记管理部门和机构类别）不正确")
    if not code[2:8].isdigit() or code[2:4] not in USCC_DIVISION_PREFIXES:
        raise ValueError("统一社会信用代码第3至8位应为行政区划代码")
    if code[8:17] == "0" * 9:
        raise ValueError("统一社会信用代码第9至17位（主体标识码）不能全为0")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValueError("统一社会信用代码校验位不正确")
    return code


def organization_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code body."""
    if len(first8) != 8 or not first8.isascii() or not first8.isalnum():
        raise ValueError("组织机构代码本体应为8位数字或大写字母")
    total = sum(int(char, 36) * w for char, w in zip(first8.upper(), ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_phone(text: str) -> str:
    """Return a mainland mobile number as 11 digits, or raise ValueError."""
    number = _SEPARATORS.sub("", text)
    if number.startswith("+86"):
        number = number[3:]
    if len(number) != 11 or not number.isascii() or not number.isdigit():
        raise ValueError("手机号码应为11位数字")
    if not _PHONE.fullmatch(number):
        raise ValueError("手机号码号段不正确")
    return number


def check_contact_phone(text: str) -> str:
    """Return a number to call back: a mobile as 11 digits, or a fixed line with its area code
    as digits (many elderly residents have only that); or raise ValueError."""
    number = _SEPARATORS.sub("", text)
    if number.startswith("0") and number.isascii() and number.isdigit():
        if len(number) in (10, 11, 12) and _LANDLINE.fullmatch(number):
            return number
        raise ValueError("固定电话应带区号，如 0635-8888888")
    return check_phone(text)


def mask_id_number(id_number: str) -> str:
    """Show the first and the last character of a 身份证号: 3****************4.

    Not the first 4 and last 4 of docs/reference-data.md: a profile keeps the birth date, the
    district and the sex in clear, and with those the 4 last characters give the whole number.
    With the last one only, about 45 numbers still fit (docs/personal-data.md).
    """
    return _keep_ends(id_number.strip().upper(), 1, 1)


def mask_phone(phone: str) -> str:
    """Show the first 3 and last 4 digits of a phone number: 138****5678."""
    return _keep_ends(_SEPARATORS.sub("", phone), 3, 4)


def mask_bank_card(card: str) -> str:
    """Show only the last 4 digits of a bank card number."""
    return _keep_ends(_SEPARATORS.sub("", card), 0, 4)


def mask_name(name: str) -> str:
    """Show the surname only: 张*, 欧阳**; a one-character name is hidden entirely."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    surname = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:surname] + "*" * (len(name) - surname)


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters when more than that many remain hidden, else hide all."""
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]
