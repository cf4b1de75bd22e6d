"""Name and profile pools for the synthetic demo school (演示数据，姓名均为随机生成).

Names are a common surname plus one or two characters drawn at random, so they are plainly
made up; any likeness to a real person is chance.
"""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严武戴孔向汤"
)
GIVEN_FEMALE = "欣怡梓涵雨萱诗琪语彤佳悦可馨思雅晴诺嘉梦瑶安然若曦静文婷慧颖琳雪丽芳洁玥"
GIVEN_MALE = "浩宇轩俊杰航博文皓天明泽鸣远嘉铭志强晨阳墨昊然豪睿辰宁凯峰磊涛鹏楠伟"
GIVEN_ADULT_FEMALE = "红英霞玲燕萍敏静丽娟芳秀华琴慧洁梅兰雯蕾"
GIVEN_ADULT_MALE = "伟刚勇军斌强建国平明海波涛辉磊峰宏林东亮"


def person_name(rng: random.Random, female: bool, adult: bool = False) -> str:
    """A synthetic Chinese name: surname plus one or two given-name characters."""
    if adult:
        pool = GIVEN_ADULT_FEMALE if female else GIVEN_ADULT_MALE
    else:
        pool = GIVEN_FEMALE if female else GIVEN_MALE
    length = 1 if rng.random() < 0.25 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(length))


SUBJECTS = (
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "道德与法治",
    "历史",
    "地理",
    "生物",
    "体育",
    "音乐",
    "美术",
    "信息",
)
# Main subjects have more teachers, as in a real school.
SUBJECT_WEIGHTS = (5, 5, 5, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1)
PSYCH_SUBJECT = "心理健康"

INTERESTS = (
    "篮球",
    "足球",
    "乒乓球",
    "羽毛球",
    "跑步",
    "游泳",
    "绘画",
    "书法",
    "钢琴",
    "古筝",
    "唱歌",
    "舞蹈",
    "阅读",
    "写作",
    "编程",
    "机器人",
    "航模",
    "围棋",
    "象棋",
    "摄影",
    "手工",
    "天文",
    "科学实验",
    "英语演讲",
    "合唱",
    "朗诵",
)

FAMILY_PLAIN = (
    "父母均在本地工作，家庭和睦。",
    "父母在本地经商，平时工作较忙。",
    "三代同堂，祖辈帮忙照看。",
    "家中还有一个妹妹，父母重视教育。",
    "家中还有一个哥哥在读高中。",
    "父亲常年在外地工作，主要由母亲照顾。",
    "父母都是双职工，晚上才能陪伴孩子。",
)
FAMILY_BY_CATEGORY = {
    "family_hardship": (
        "家庭经济较困难，享受助学补助。",
        "父亲务工收入不稳定，家庭经济压力较大。",
    ),
    "single_parent": (
        "单亲家庭，随母亲生活。",
        "父母离异，随父亲和祖辈生活。",
    ),
    "non_local": (
        "随父母从外省来本地务工，租房居住。",
        "外地户籍，跟随父母在本地就读。",
    ),
    "wealthy_family": ("家庭条件优越，父母经营企业，平时较少陪伴。",),
}
HEALTH_BY_CATEGORY = {
    "emotional": (
        "情绪容易波动，遇到挫折时较为低落。",
        "性格内向，有一定的考试焦虑。",
    ),
    "disability": ("听力较弱，上课需安排在前排。",),
}
HEALTH_PLAIN = (
    "身体健康，体育锻炼积极。",
    "有轻度近视，已配镜。",
    "有过敏性鼻炎，换季时需注意。",
)

# Key-student screening (受导学生排查): the categories of forms/files/screening.yaml.
CATEGORY_WEIGHTS = {
    "learning": 30,
    "emotional": 22,
    "behaviour": 16,
    "family_hardship": 12,
    "single_parent": 10,
    "non_local": 8,
    "top_achiever": 6,
    "wealthy_family": 4,
    "disability": 2,
}
SCREENING_NOTES = {
    "learning": ("数学基础薄弱，作业完成质量不高。", "学习习惯有待养成，成绩波动较大。"),
    "emotional": ("近期情绪低落，与同学交往较少。", "考试前容易紧张焦虑。"),
    "behaviour": ("课堂纪律意识较弱，偶有顶撞老师。", "沉迷手机游戏，作息不规律。"),
    "family_hardship": ("家庭经济困难，需要关心生活情况。",),
    "single_parent": ("单亲家庭，需要更多关爱。",),
    "non_local": ("外地转入，适应新环境需要时间。",),
    "top_achiever": ("成绩优异，需防止骄傲和压力过大。",),
    "wealthy_family": ("家庭条件优越，自理能力和吃苦精神需加强。",),
    "disability": ("随班就读，需要在学习和生活上给予帮助。",),
}


def pick_categories(rng: random.Random) -> tuple[str, ...]:
    """One or two screening categories, weighted towards the common ones."""
    names = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    first = rng.choices(names, weights)[0]
    if rng.random() < 0.3:
        second = rng.choices(names, weights)[0]
        if second != first:
            return (first, second)
    return (first,)


def student_profile(
    rng: random.Random, categories: tuple[str, ...]
) -> tuple[str | None, str | None, str | None]:
    """Interests, family and health notes for a student's growth archive (成长档案)."""
    interests = None
    if rng.random() < 0.6:
        interests = "、".join(rng.sample(INTERESTS, rng.randint(1, 2)))
    family_pool = [text for cat in categories for text in FAMILY_BY_CATEGORY.get(cat, ())]
    family = None
    if family_pool:
        family = rng.choice(family_pool)
    elif rng.random() < 0.25:
        family = rng.choice(FAMILY_PLAIN)
    health_pool = [text for cat in categories for text in HEALTH_BY_CATEGORY.get(cat, ())]
    health = None
    if health_pool:
        health = rng.choice(health_pool)
    elif rng.random() < 0.08:
        health = rng.choice(HEALTH_PLAIN)
    return interests, family, health
