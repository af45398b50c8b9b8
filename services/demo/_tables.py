"""The frequencies the synthetic population is drawn from: places, names, ages, industries.

Figures are rounded and approximate (2020 census for populations, common surname tables for
Shandong); they give believable shapes, not statistics to quote.
"""

from __future__ import annotations

from bisect import bisect
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """Values with relative weights, drawn with one random() and a bisect."""

    def __init__(self, pairs: list[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: Random) -> T:
        """Return one value, with probability proportional to its weight."""
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


def weighted(text: str) -> Weighted[str]:
    """Parse "value weight value weight …" into a Weighted."""
    parts = text.split()
    return Weighted([(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)])


CITY_PREFIX = "3715"
# Residents per district, thousands; 东昌府区 includes the three functional zones it surrounds.
DISTRICTS = weighted(
    "371502 1500 371503 491 371521 738 371522 921 371524 365 371525 738 371526 440 371581 750"
)
DISTRICT_NAMES = {
    "371502": "东昌府区",
    "371503": "茌平区",
    "371521": "阳谷县",
    "371522": "莘县",
    "371524": "东阿县",
    "371525": "冠县",
    "371526": "高唐县",
    "371581": "临清市",
}
# 茌平 was 茌平县 (371523) until 2019; numbers issued before keep the old code.
CHIPING_OLD_CODE = "371523"
CHIPING_RENAMED_YEAR = 2020
# Where people come from or went to, outside 聊城.
OUTSIDE = weighted(
    "370102 3 370104 2 370202 2 371402 3 371702 3 370902 2 410902 3 130402 2 "
    "110105 2 120104 1 320506 1 440305 1"
)
# Share of 东昌府区 residents (and enterprises) in each functional zone, by area code:
# gaoxin 高新区, jingkai 经开区, dujia 度假区, none = in no development zone.
AREA_NONE = "none"
PERSON_AREAS = weighted("none 72 gaoxin 10 jingkai 12 dujia 6")
ENTERPRISE_AREAS = weighted("none 42 gaoxin 22 jingkai 28 dujia 8")
# Enterprises per district (relative): the seat has the most, 茌平 and 临清 are industrial.
ENTERPRISE_DISTRICTS = weighted(
    "371502 34 371503 13 371521 9 371522 9 371524 6 371525 8 371526 8 371581 13"
)

# Five-year age bands 0-4 … 100-104, per cent of residents (a Shandong city around 2025).
AGE_BANDS = Weighted(
    list(
        enumerate(
            [4.0, 6.0, 6.8, 6.0, 5.0, 5.2, 7.2, 7.5, 6.5, 6.8, 8.5, 8.3, 6.5, 6.0, 4.8]
            + [3.0, 1.9, 1.0, 0.35, 0.08, 0.012]
        )
    )
)

SURNAMES = weighted(
    "王 90 张 80 李 78 刘 60 陈 22 杨 28 赵 24 孙 26 徐 17 马 15 高 16 朱 12 郭 12 于 13 宋 11 "
    "周 10 吴 9 曹 10 韩 9 胡 7 孟 8 田 7 魏 7 贾 6 任 6 董 7 程 5 郑 5 许 5 袁 4 崔 6 侯 4 "
    "吕 5 杜 5 姜 5 范 4 石 4 岳 3 邵 3 冯 4 薛 3 申 2 庞 2 闫 3 付 3 路 2 葛 2 常 3 翟 2 "
    "司 2 尹 2 潘 2 谢 3 黄 4 林 3 何 3 罗 2 梁 3 牛 3 秦 2 耿 2 苗 2 齐 2 "
    "欧阳 0.1 司马 0.1 诸葛 0.05 上官 0.05"
)
# Characters of given names, by gender and by the generation that favoured them.
GIVEN_CHARS = {
    ("male", 0): "建国华军明德志强文保立新卫东庆海长林山金生光成玉兴福贵荣春学",
    ("female", 0): "秀英兰桂芳玉珍凤华梅淑琴云霞荣翠爱红萍丽芝莲花敏",
    ("male", 1): "伟磊勇军涛斌鹏超杰强浩亮刚波辉明峰飞帅龙鑫宁健凯东海洋林",
    ("female", 1): "静丽娟敏燕艳霞婷莉芳娜倩玲雪晶颖慧琳洁红梅瑞雯",
    ("male", 2): "浩宇轩子涵博文泽睿杰一铭辰航俊翔昊然宸梓宁奕诚烨晨阳",
    ("female", 2): "欣怡梓涵雨萱子佳琪思诺一可馨悦彤语若妍依晨嘉钰淼",
}
MOBILE_PREFIXES = weighted(
    "134 3 135 5 136 3 137 3 138 5 139 5 150 3 151 3 152 3 155 2 156 2 157 2 158 3 "
    "159 3 176 2 177 2 178 2 180 2 181 2 182 2 183 2 185 2 186 3 187 3 188 2 189 2 "
    "191 1 198 1 199 1"
)


def mobile(rng: Random) -> str:
    """Return a mainland mobile number with a common prefix."""
    return f"{MOBILE_PREFIXES.pick(rng)}{rng.randrange(10**8):08d}"


# Highest completed education by birth cohort (born before the year given).
EDUCATION_BY_COHORT = [
    (1950, weighted("primary 75 junior 17 senior 5 college 2 bachelor 1")),
    (1965, weighted("primary 40 junior 40 senior 13 vocational 3 college 2.5 bachelor 1.5")),
    (
        1980,
        weighted("primary 15 junior 50 senior 17 vocational 6 college 6 bachelor 5.5 master 0.5"),
    ),
    (
        1995,
        weighted(
            "primary 5 junior 38 senior 17 vocational 10 college 13 bachelor 14 "
            "master 2.6 doctor 0.4"
        ),
    ),
    (
        9999,
        weighted(
            "primary 2 junior 20 senior 18 vocational 15 college 20 bachelor 20 "
            "master 4.5 doctor 0.5"
        ),
    ),
]
# Age at which each education is usually completed.
GRADUATION_AGE = {
    "primary": 12,
    "junior": 15,
    "senior": 18,
    "vocational": 19,
    "college": 21,
    "bachelor": 22,
    "master": 25,
    "doctor": 28,
}
HIGHER_EDUCATION = ("vocational", "college", "bachelor", "master", "doctor")
WORKING_STATUS = weighted("employed 62 self_employed 10 flexible 14 unemployed 6 retired 0.5")
DISABILITY_TYPES = weighted(
    "physical 29 hearing 24 multiple 16 visual 15 mental 7.5 intellectual 7 speech 1.5"
)
DISABILITY_LEVELS = Weighted([(1, 12), (2, 20), (3, 30), (4, 38)])
SKILL_LEVELS = weighted("junior 40 intermediate 35 senior 18 technician 5 senior_technician 2")
HOUSEHOLD_SIZES = Weighted([(1, 14), (2, 30), (3, 22), (4, 18), (5, 10), (6, 4), (7, 2)])

# GB/T 4754-2017 sections (relative share of enterprises) and, for each, classes with the word
# an enterprise of that class puts in its name.
SECTIONS = weighted("A 4 B 0.5 C 30 D 1 E 7 F 25 G 6 H 5 I 4 K 2.5 L 6 M 4 N 1 O 3 P 1 Q 1")
CLASSES = {
    "A": "A0112 种植 A0141 蔬菜种植 A0313 养殖 A0321 养殖",
    "B": "B1019 建材",
    "C": "C1312 面粉 C1351 食品 C1391 淀粉 C1711 纺织 C2110 家具 C2221 纸业 C2614 化工 "
    "C2740 药业 C2927 塑料制品 C3130 钢管 C3216 铝业 C3252 铝材 C3311 钢结构 C3451 轴承 "
    "C3484 机械 C3572 农机 C3670 汽车配件 C3824 电子 C3831 电缆 C4090 仪器",
    "D": "D4411 热电 D4430 热力",
    "E": "E4790 建筑工程 E4812 路桥工程 E5012 装饰工程",
    "F": "F5123 果蔬 F5165 建材 F5171 农机销售 F5212 超市 F5261 汽车销售",
    "G": "G5431 物流 G5432 冷链物流",
    "H": "H6110 酒店 H6210 餐饮",
    "I": "I6510 软件 I6531 信息技术 I6550 数据科技",
    "K": "K7010 置业 K7020 物业",
    "L": "L7212 投资 L7241 财务咨询 L7263 劳务",
    "M": "M7320 科技 M7483 工程设计 M7511 农业科技",
    "N": "N7721 环保",
    "O": "O8010 家政服务 O8040 美容美发 O8111 汽修",
    "P": "P8391 职业培训",
    "Q": "Q8425 门诊部 Q8514 康养",
}
# The manufacturing each county is known for: 临清 bearings, 茌平 aluminium, 东阿 阿胶 …
SPECIALTIES = {
    "371581": "C3451",
    "371503": "C3216",
    "371524": "C2740",
    "371525": "C3130",
    "371521": "C3831",
    "371526": "C2221",
    "371502": "C3670",
    "371522": "C1351",
}
BRAND_CHARS = "鑫源华泰宏盛鲁宇恒昌瑞丰通达隆兴金诚信德润凯嘉正远博天海新东明聚汇安祥弘晟锦众立"
