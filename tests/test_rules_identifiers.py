"""身份证号, 统一社会信用代码, phone numbers and the masks shown to people."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rules.identifiers import (
    USCC_ALPHABET,
    birth_date_of,
    check_contact_phone,
    check_id_number,
    check_phone,
    check_uscc,
    gender_of,
    id_number_check_char,
    mask_bank_card,
    mask_id_number,
    mask_name,
    mask_phone,
    organization_code_check_char,
    uscc_check_char,
)

DIVISIONS = ["371502", "371503", "371523", "371521", "371522", "371581", "370102", "110105"]
ID_CHARS = "0123456789X"

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 27))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """A valid 身份证号: division, birth date, sequence, check character."""
    division = draw(st.sampled_from(DIVISIONS))
    born = draw(birth_dates)
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{division}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    """A valid 统一社会信用代码 with a 聊城 division code."""
    head = draw(st.sampled_from(["91", "92", "93", "12", "52", "Y1"]))
    division = draw(st.sampled_from(DIVISIONS))
    body = draw(
        st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9).filter(lambda b: b.strip("0"))
    )
    first17 = head + division + body
    return first17 + uscc_check_char(first17)


def test_a_known_id_number_passes_and_reads_back() -> None:
    number = "11010519491231002X"
    assert check_id_number(number.lower()) == number
    assert birth_date_of(number) == date(1949, 12, 31)
    assert gender_of(number) == "female"
    assert gender_of("371502199001011234") == "male"
    assert id_number_check_char("37150219900101123") == "4"


@given(id_numbers())
def test_every_generated_id_number_passes(number: str) -> None:
    assert check_id_number(number) == number
    assert check_id_number(f"  {number.lower()} ") == number
    assert birth_date_of(number).strftime("%Y%m%d") == number[6:14]
    assert gender_of(number) == ("male" if int(number[16]) % 2 else "female")


@given(id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from(ID_CHARS))
def test_any_single_substitution_in_an_id_number_is_caught(
    number: str, position: int, char: str
) -> None:
    assume(number[position] != char)
    changed = number[:position] + char + number[position + 1 :]
    with pytest.raises(ValueError, match="^身份证号"):
        check_id_number(changed)


@given(
    st.sampled_from(DIVISIONS),
    st.integers(min_value=1900, max_value=2026),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
)
def test_birth_dates_that_do_not_exist_are_refused(
    division: str, year: int, month: int, day: int
) -> None:
    try:
        date(year, month, day)
        assume(False)
    except ValueError:
        pass
    first17 = f"{division}{year:04d}{month:02d}{day:02d}001"
    with pytest.raises(ValueError, match="^身份证号中的出生日期不存在$"):
        check_id_number(first17 + id_number_check_char(first17))


def test_each_id_number_mistake_has_its_own_message() -> None:
    good = "11010519491231002X"
    cases = {
        good[:-1]: "身份证号应为18位",
        good[:5] + "A" + good[6:]: "身份证号只能由数字组成，最后一位可以是X",
        "99" + good[2:]: "身份证号的地区码不正确",
        good[:-1] + "1": "身份证号校验位不正确",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError) as caught:
            check_id_number(text)
        assert str(caught.value) == message
    first17 = "37150218990101001"
    with pytest.raises(ValueError, match="^身份证号中的出生日期不在合理范围内$"):
        check_id_number(first17 + id_number_check_char(first17))


def test_a_birth_date_after_today_is_refused_when_today_is_given() -> None:
    today = date(2026, 11, 27)
    first17 = f"371502{today + timedelta(days=1):%Y%m%d}001"
    number = first17 + id_number_check_char(first17)
    assert check_id_number(number) == number
    with pytest.raises(ValueError, match="合理范围"):
        check_id_number(number, today=today)


def test_a_known_uscc_passes() -> None:
    assert check_uscc("91350100m000100y43") == "91350100M000100Y43"
    assert uscc_check_char("91350100M000100Y4") == "3"


@given(usccs())
def test_every_generated_uscc_passes(code: str) -> None:
    assert check_uscc(code) == code
    assert check_uscc(f" {code.lower()}") == code


@given(usccs(), st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET + "IOSVZ"))
def test_any_single_substitution_in_a_uscc_is_caught(code: str, position: int, char: str) -> None:
    assume(code[position] != char)
    changed = code[:position] + char + code[position + 1 :]
    with pytest.raises(ValueError, match="^统一社会信用代码"):
        check_uscc(changed)


def test_each_uscc_mistake_has_its_own_message() -> None:
    good = "91350100M000100Y43"
    zero = "0" * 17
    cases = {
        zero + uscc_check_char(zero): "统一社会信用代码前两位（登记管理部门和机构类别）不正确",
        "Z1" + good[2:]: "统一社会信用代码只能由数字和除I、O、S、V、Z以外的大写字母组成",
        "B1" + good[2:]: "统一社会信用代码前两位（登记管理部门和机构类别）不正确",
        "90" + good[2:]: "统一社会信用代码前两位（登记管理部门和机构类别）不正确",
        "91000000" + good[8:]: "统一社会信用代码第3至8位应为行政区划代码",
        "91990100" + good[8:]: "统一社会信用代码第3至8位应为行政区划代码",
        good[:8] + "0" * 9 + good[17]: "统一社会信用代码第9至17位（主体标识码）不能全为0",
        good + "1": "统一社会信用代码应为18位",
        good[:9] + "O" + good[10:]: "统一社会信用代码只能由数字和除I、O、S、V、Z以外的大写字母组成",
        good[:4] + "A" + good[5:]: "统一社会信用代码第3至8位应为行政区划代码",
        good[:-1] + "4": "统一社会信用代码校验位不正确",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError) as caught:
            check_uscc(text)
        assert str(caught.value) == message


def test_organization_code_check_char() -> None:
    assert organization_code_check_char("D2143569") == "X"  # GB 11714's own example
    assert organization_code_check_char("M000100Y") == "4"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_pass_and_mask_to_three_and_four(phone: str) -> None:
    assert check_phone(phone) == phone
    assert check_phone(f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}") == phone
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[7:]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1381234567", "手机号码应为11位数字"),
        ("138123456789", "手机号码应为11位数字"),
        ("1381234567a", "手机号码应为11位数字"),
        ("12812345678", "手机号码号段不正确"),
        ("23812345678", "手机号码号段不正确"),
    ],
)
def test_bad_phone_numbers_are_refused_in_chinese(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_phone(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0635-8888888", "06358888888"),  # 聊城, 7 digits
        ("010 62345678", "01062345678"),  # 北京, 8 digits
        ("0635 82345678", "063582345678"),
        ("138 0000 1234", "13800001234"),
    ],
)
def test_a_contact_phone_is_a_mobile_or_a_fixed_line_with_its_area_code(
    text: str, number: str
) -> None:
    assert check_contact_phone(text) == number
    assert mask_phone(number) == number[:3] + "*" * (len(number) - 7) + number[-4:]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("8888888", "手机号码应为11位数字"),  # no area code
        ("0635-123", "固定电话应带区号，如 0635-8888888"),
        ("0635-0888888", "固定电话应带区号，如 0635-8888888"),  # a local number never starts 0
        ("12812345678", "手机号码号段不正确"),
    ],
)
def test_a_contact_phone_that_cannot_be_called_back_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_contact_phone(text)
    assert str(caught.value) == message


@given(id_numbers())
def test_id_mask_shows_the_first_and_the_last_character_only(number: str) -> None:
    masked = mask_id_number(number)
    assert masked == number[0] + "*" * 16 + number[-1]


@given(id_numbers())
def test_an_id_mask_cannot_be_completed_from_what_a_profile_keeps_in_clear(number: str) -> None:
    """A profile keeps district, birth date and sex in clear: with the mask, dozens of numbers
    still fit (with the old first-4-last-4 mask, exactly one did)."""
    masked = mask_id_number(number)
    known_head = number[:14]  # district + birth date, from the profile
    parity = int(number[16]) % 2  # sex, from the profile
    fitting = [
        candidate
        for sequence in range(1000)
        if sequence % 2 == parity
        for candidate in [known_head + f"{sequence:03d}"]
        if id_number_check_char(candidate) == masked[-1] and candidate[0] == masked[0]
    ]
    assert number[:17] in fitting
    assert len(fitting) >= 30


def test_id_mask_example() -> None:
    assert mask_id_number("371502199001011234") == "3****************4"
    assert mask_phone("13812345678") == "138****5678"


@given(st.text(alphabet="0123456789 ", min_size=0, max_size=30))
def test_bank_card_mask_shows_at_most_the_last_four(card: str) -> None:
    digits = card.replace(" ", "")
    masked = mask_bank_card(card)
    assert len(masked) == len(digits)
    visible = masked.lstrip("*")
    assert len(visible) <= 4
    assert digits.endswith(visible)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=8))
def test_name_mask_shows_at_most_the_surname(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    visible = masked.rstrip("*")
    assert len(visible) <= 2 and name.startswith(visible)
    if len(name) >= 2:
        assert len(visible) >= 1 and "*" in masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("欧阳", "欧*"),
    ],
)
def test_name_mask_knows_compound_surnames(name: str, masked: str) -> None:
    assert mask_name(name) == masked
