"""Reference data for the demo bank, written for this project (no downloads).

Surname weights approximate the shares (per cent) of the 2020 census / Ministry of Public
Security name reports; area codes are GB/T 2260 district codes (the validity of each code for
each birth year is taken from python-stdnum's own table, see `generate.area_codes_for_year`).
"""

from dataclasses import dataclass

# --- People -----------------------------------------------------------------------------------

# (surname, approximate share in per cent)
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61), ("杨", 3.22),
    ("黄", 2.45), ("赵", 2.19), ("吴", 2.08), ("周", 1.91), ("徐", 1.45), ("孙", 1.38),
    ("马", 1.29), ("朱", 1.28), ("胡", 1.16), ("郭", 1.13), ("何", 1.06), ("林", 1.03),
    ("高", 1.00), ("罗", 0.95), ("郑", 0.93), ("梁", 0.85), ("谢", 0.76), ("宋", 0.70),
    ("唐", 0.69), ("许", 0.66), ("韩", 0.65), ("邓", 0.64), ("冯", 0.64), ("曹", 0.62),
    ("彭", 0.59), ("曾", 0.59), ("肖", 0.56), ("田", 0.55), ("董", 0.52), ("潘", 0.51),
    ("袁", 0.51), ("蔡", 0.49), ("蒋", 0.48), ("余", 0.48), ("于", 0.47), ("杜", 0.46),
    ("叶", 0.45), ("程", 0.45), ("魏", 0.43), ("苏", 0.42), ("吕", 0.42), ("丁", 0.41),
    ("任", 0.41), ("卢", 0.40), ("姚", 0.39), ("沈", 0.39), ("钟", 0.39), ("姜", 0.38),
    ("崔", 0.37), ("谭", 0.36), ("陆", 0.35), ("范", 0.33), ("汪", 0.33), ("廖", 0.33),
    ("石", 0.32), ("金", 0.31), ("韦", 0.31), ("贾", 0.31), ("夏", 0.30), ("付", 0.30),
    ("方", 0.29), ("邹", 0.28), ("熊", 0.28), ("白", 0.28), ("孟", 0.27), ("秦", 0.27),
    ("邱", 0.27), ("侯", 0.26), ("江", 0.26), ("尹", 0.25), ("薛", 0.25), ("闫", 0.25),
    ("段", 0.24), ("雷", 0.24), ("龙", 0.23), ("黎", 0.23), ("史", 0.23), ("陶", 0.22),
    ("贺", 0.22), ("毛", 0.21), ("郝", 0.21), ("顾", 0.21), ("龚", 0.20), ("邵", 0.20),
    ("万", 0.20), ("覃", 0.19), ("武", 0.19), ("钱", 0.18), ("戴", 0.18), ("严", 0.18),
    ("莫", 0.17), ("孔", 0.17), ("向", 0.17), ("常", 0.16), ("汤", 0.16), ("康", 0.16),
    ("易", 0.15), ("乔", 0.15), ("赖", 0.15), ("文", 0.14), ("欧阳", 0.05), ("上官", 0.01),
    ("司马", 0.01), ("诸葛", 0.01),
)  # fmt: skip

# Surnames more frequent in Guangdong (multipliers applied for Guangzhou and Shenzhen).
SOUTHERN_BOOST: dict[str, float] = {
    "陈": 2.0, "黄": 1.9, "林": 1.7, "梁": 2.0, "何": 1.4, "罗": 1.4, "郑": 1.4, "谢": 1.3,
    "冯": 1.3, "邓": 1.3, "叶": 1.4, "钟": 1.5, "赖": 1.8, "莫": 1.5, "覃": 1.2,
}  # fmt: skip

# Given names change with the decade of birth. Per era and gender: common single characters
# (one-character given names and building blocks of two-character ones) and whole names.
GIVEN_CHARS: dict[tuple[str, str], str] = {
    ("old", "M"): "国建华明军平志德文福林海荣庆宝生金春永忠伟刚成贵强胜祥利民清学东富",
    ("old", "F"): "秀英兰珍芳玉华凤桂淑琴梅兰云霞丽萍芬素美玲翠荣淑敏红彩月",
    ("mid", "M"): "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊峰亮雷东林斌龙新建毅",
    ("mid", "F"): "芳娜敏静丽艳娟霞秀玲燕萍红丹倩婷雪琳晶颖慧莉洁琴云梅兰欣蕾璐",
    ("young", "M"): "浩宇轩子涵博文泽瑞昊然俊杰睿航一鸣晨阳嘉豪梓铭哲翔恒逸凡楷辰锦",
    ("young", "F"): "欣怡梓涵雨萱诗琪可馨子涵语嫣思彤佳怡一诺梦瑶紫萱雅琪婉清若曦悦",
}
GIVEN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("old", "M"): ("建国", "建华", "国强", "志明", "德明", "永明", "国华", "振华", "国庆",
                   "建军", "卫国", "建平", "福生", "金生", "宝山", "文革", "红军", "立新"),
    ("old", "F"): ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉珍", "淑珍",
                   "玉梅", "秀云", "桂珍", "素芬", "红梅", "淑华", "凤兰", "翠花", "美玲"),
    ("mid", "M"): ("志强", "海涛", "建军", "晓东", "永刚", "志刚", "海波", "晓明", "国栋",
                   "文杰", "俊峰", "晓峰", "建新", "伟东", "志伟", "海峰", "振宇", "立伟"),
    ("mid", "F"): ("丽娟", "海燕", "晓燕", "丽华", "春梅", "晓红", "艳红", "丽萍", "小红",
                   "雪梅", "晓丽", "秀丽", "丽丽", "婷婷", "静怡", "海霞", "亚楠", "晓静"),
    ("young", "M"): ("浩宇", "子轩", "梓轩", "宇轩", "浩然", "俊杰", "子豪", "博文", "一鸣",
                     "宇航", "皓轩", "梓豪", "子墨", "睿泽", "思远", "嘉诚", "天佑", "明哲"),
    ("young", "F"): ("欣怡", "梓涵", "子涵", "雨萱", "诗涵", "可馨", "语嫣", "思彤", "一诺",
                     "梦瑶", "紫萱", "佳怡", "雨涵", "欣妍", "若汐", "诗琪", "悦彤", "静怡"),
}  # fmt: skip
# Share of one-character given names per era.
SINGLE_CHAR_SHARE = {"old": 0.35, "mid": 0.30, "young": 0.12}
# Share of whole names taken from GIVEN_NAMES (the rest combine two characters).
WHOLE_NAME_SHARE = 0.45

# --- Places -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    code: str  # GB/T 2260, the sub-branch code too
    name: str  # 朝阳区
    short: str  # 朝阳 (the sub-branch is named 朝阳支行)
    name_en: str  # Chaoyang


@dataclass(frozen=True)
class City:
    branch_code: str
    name: str  # 北京
    name_en: str
    province: str  # 北京市 / 广东省
    city: str  # 北京市 / 广州市
    weight: float  # share of the bank's customers
    income_factor: float
    districts: tuple[District, ...]  # sub-branches, in this order
    # Further codes of the city used for resident IDs of people born in years when the
    # sub-branch districts' codes did not exist yet (e.g. 市区 before 1983).
    older_codes: tuple[str, ...]
    roads: tuple[str, ...]


CITIES: tuple[City, ...] = (
    City("110", "北京", "Beijing", "北京市", "北京市", 0.20, 1.35,
         (District("110105", "朝阳区", "朝阳", "Chaoyang"),
          District("110108", "海淀区", "海淀", "Haidian"),
          District("110101", "东城区", "东城", "Dongcheng"),
          District("110102", "西城区", "西城", "Xicheng"),
          District("110106", "丰台区", "丰台", "Fengtai"),
          District("110107", "石景山区", "石景山", "Shijingshan")),
         ("110103", "110104"),
         ("建国路", "朝阳北路", "东三环中路", "中关村大街", "学院路", "复兴路", "长安街",
          "西直门外大街", "北四环西路", "望京街", "丰台路", "鲁谷路", "安定门外大街")),
    City("310", "上海", "Shanghai", "上海市", "上海市", 0.18, 1.35,
         (District("310115", "浦东新区", "浦东", "Pudong"),
          District("310104", "徐汇区", "徐汇", "Xuhui"),
          District("310101", "黄浦区", "黄浦", "Huangpu"),
          District("310106", "静安区", "静安", "Jing'an"),
          District("310105", "长宁区", "长宁", "Changning"),
          District("310112", "闵行区", "闵行", "Minhang")),
         ("310103", "310107", "310108", "310109", "310110"),
         ("世纪大道", "陆家嘴环路", "漕溪北路", "淮海中路", "南京西路", "延安西路", "虹桥路",
          "张杨路", "衡山路", "肇嘉浜路", "莘庄路", "天山路", "四川北路")),
    City("4401", "广州", "Guangzhou", "广东省", "广州市", 0.12, 1.15,
         (District("440106", "天河区", "天河", "Tianhe"),
          District("440104", "越秀区", "越秀", "Yuexiu"),
          District("440105", "海珠区", "海珠", "Haizhu"),
          District("440103", "荔湾区", "荔湾", "Liwan"),
          District("440111", "白云区", "白云", "Baiyun"),
          District("440113", "番禺区", "番禺", "Panyu")),
         ("440120", "440102", "440107"),
         ("天河路", "体育西路", "中山五路", "环市东路", "江南大道", "东风西路", "黄埔大道",
          "白云大道", "市桥大北路", "珠江新城花城大道", "广州大道中")),
    City("4403", "深圳", "Shenzhen", "广东省", "深圳市", 0.12, 1.30,
         (District("440304", "福田区", "福田", "Futian"),
          District("440305", "南山区", "南山", "Nanshan"),
          District("440303", "罗湖区", "罗湖", "Luohu"),
          District("440306", "宝安区", "宝安", "Bao'an"),
          District("440307", "龙岗区", "龙岗", "Longgang")),
         ("440320", "440301"),
         ("深南大道", "福华路", "科技园路", "南海大道", "人民南路", "宝安大道", "龙岗大道",
          "滨海大道", "华强北路", "沙河西路")),
    City("3301", "杭州", "Hangzhou", "浙江省", "杭州市", 0.11, 1.20,
         (District("330106", "西湖区", "西湖", "Xihu"),
          District("330102", "上城区", "上城", "Shangcheng"),
          District("330105", "拱墅区", "拱墅", "Gongshu"),
          District("330108", "滨江区", "滨江", "Binjiang"),
          District("330109", "萧山区", "萧山", "Xiaoshan"),
          District("330110", "余杭区", "余杭", "Yuhang")),
         ("330120", "330103", "330104"),
         ("文三路", "延安路", "庆春路", "解放路", "江南大道", "莫干山路", "文一西路",
          "钱江路", "市心中路", "天目山路")),
    City("5101", "成都", "Chengdu", "四川省", "成都市", 0.10, 0.95,
         (District("510107", "武侯区", "武侯", "Wuhou"),
          District("510104", "锦江区", "锦江", "Jinjiang"),
          District("510105", "青羊区", "青羊", "Qingyang"),
          District("510108", "成华区", "成华", "Chenghua"),
          District("510106", "金牛区", "金牛", "Jinniu")),
         ("510120", "510102", "510103", "510111"),
         ("人民南路", "天府大道", "春熙路", "蜀都大道", "一环路南", "建设路", "府青路",
          "金府路", "红星路", "科华北路")),
    City("4201", "武汉", "Wuhan", "湖北省", "武汉市", 0.09, 0.95,
         (District("420103", "江汉区", "江汉", "Jianghan"),
          District("420106", "武昌区", "武昌", "Wuchang"),
          District("420102", "江岸区", "江岸", "Jiang'an"),
          District("420111", "洪山区", "洪山", "Hongshan"),
          District("420105", "汉阳区", "汉阳", "Hanyang")),
         ("420120", "420104"),
         ("解放大道", "中山大道", "珞喻路", "中北路", "建设大道", "汉阳大道", "武珞路",
          "沿江大道", "雄楚大道", "光谷大道")),
    City("6101", "西安", "Xi'an", "陕西省", "西安市", 0.08, 0.90,
         (District("610113", "雁塔区", "雁塔", "Yanta"),
          District("610103", "碑林区", "碑林", "Beilin"),
          District("610102", "新城区", "新城", "Xincheng"),
          District("610104", "莲湖区", "莲湖", "Lianhu"),
          District("610112", "未央区", "未央", "Weiyang")),
         ("610120", "610111"),
         ("长安北路", "小寨东路", "高新路", "科技路", "东大街", "解放路", "凤城八路",
          "莲湖路", "雁塔北路", "含光路")),
)  # fmt: skip

# Cities whose surname mix follows SOUTHERN_BOOST.
SOUTHERN_BRANCHES = frozenset({"4401", "4403"})

COMPLEXES = ("花园", "小区", "公寓", "家园", "新村", "苑", "华府", "名苑", "雅居", "嘉园")

# --- Companies --------------------------------------------------------------------------------

# 字号 (trade names) and the industry words that end a company name, with the Industry value.
TRADE_NAMES = (
    "华信", "中诚", "金鼎", "宏达", "恒通", "天瑞", "鼎盛", "百川", "瑞丰", "新源", "嘉禾", "永泰",
    "博远", "卓越", "汇丰", "泰和", "联创", "正大", "安信", "海纳", "融智", "兴业", "东方", "长城",
    "远景", "星辰", "盛世", "同创", "德润", "佳和", "明阳", "立信", "万象", "凯瑞", "锦程", "华安",
    "优品", "启明", "云帆", "和美", "信达", "丰源", "腾达", "晨光", "中科", "易通", "华章", "宜家",
)  # fmt: skip
COMPANY_INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("科技", "it"), ("信息技术", "it"), ("软件", "it"), ("网络科技", "it"),
    ("贸易", "retail"), ("商贸", "retail"), ("电子商务", "retail"), ("食品", "retail"),
    ("建设工程", "construction"), ("建筑装饰", "construction"),
    ("机械制造", "manufacturing"), ("电子", "manufacturing"), ("新材料", "manufacturing"),
    ("服装", "manufacturing"), ("物流", "logistics"), ("供应链管理", "logistics"),
    ("餐饮管理", "hospitality"), ("酒店管理", "hospitality"), ("医疗器械", "health"),
    ("健康管理", "health"), ("教育科技", "education"), ("文化传媒", "other"),
    ("房地产开发", "real_estate"), ("物业管理", "real_estate"), ("投资咨询", "finance"),
    ("农业发展", "agriculture"),
)  # fmt: skip
# Public employers for civil servants (after "北京市朝阳区").
PUBLIC_BODIES = ("人民政府", "税务局", "教育局", "市场监督管理局", "卫生健康委员会",
                 "人力资源和社会保障局", "财政局", "住房和城乡建设局")  # fmt: skip
HOSPITALS = ("人民医院", "中医医院", "妇幼保健院", "第一人民医院")
SCHOOLS = ("第一中学", "实验小学", "外国语学校", "职业技术学院")

EMAIL_DOMAINS = (("qq.com", 0.34), ("163.com", 0.22), ("126.com", 0.10), ("sina.com", 0.06),
                 ("foxmail.com", 0.06), ("139.com", 0.06), ("outlook.com", 0.06),
                 ("hotmail.com", 0.04), ("gmail.com", 0.06))  # fmt: skip
CORPORATE_MAILBOXES = ("finance", "caiwu", "info", "service", "admin", "hr")

# --- Mobile numbers ---------------------------------------------------------------------------

# Prefixes of mainland mobile numbers and a rough share of subscribers; every one is checked to
# pass common.identifiers.mobile (tests/test_seed_demo.py). 174 is excluded (satellite ranges).
MOBILE_PREFIXES: tuple[tuple[str, float], ...] = tuple(
    [(f"{p}", 3.0) for p in range(130, 140)]
    + [(f"{p}", 2.0) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159)]
    + [("166", 0.6)]
    + [(f"{p}", 0.3) for p in (170, 171, 172, 173, 175, 176, 177, 178)]
    + [(f"{p}", 2.2) for p in range(180, 190)]
    + [("191", 0.6), ("198", 0.8), ("199", 0.8)]
)

# --- Products ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    name_en: str
    type: str  # products.models.ProductType value
    currency: str = "CNY"
    annual_rate: str = "0"
    term_months: int | None = None
    risk_level: str = ""  # R1–R5 for wealth products and funds


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("DD-CNY", "活期存款", "Demand deposit", "demand_deposit", annual_rate="0.100"),
    ProductSpec("TD-3M", "整存整取三个月", "Time deposit, 3 months", "time_deposit",
                annual_rate="0.850", term_months=3),
    ProductSpec("TD-6M", "整存整取六个月", "Time deposit, 6 months", "time_deposit",
                annual_rate="1.050", term_months=6),
    ProductSpec("TD-1Y", "整存整取一年", "Time deposit, 1 year", "time_deposit",
                annual_rate="1.150", term_months=12),
    ProductSpec("TD-3Y", "整存整取三年", "Time deposit, 3 years", "time_deposit",
                annual_rate="1.550", term_months=36),
    ProductSpec("CD-3Y", "大额存单三年期", "Large-denomination CD, 3 years", "time_deposit",
                annual_rate="1.750", term_months=36),
    ProductSpec("WM-R1", "天天利现金管理理财", "Daily cash management product", "wealth",
                annual_rate="1.800", risk_level="R1"),
    ProductSpec("WM-R2", "稳健固收理财九十天", "Steady fixed-income product, 90 days", "wealth",
                annual_rate="2.600", term_months=3, risk_level="R2"),
    ProductSpec("WM-R3", "固收增强一年期理财", "Fixed income plus, 1 year", "wealth",
                annual_rate="3.200", term_months=12, risk_level="R3"),
    ProductSpec("WM-R4", "权益精选理财", "Selected equity wealth product", "wealth",
                annual_rate="4.500", term_months=12, risk_level="R4"),
    ProductSpec("WM-R5", "量化对冲私募理财", "Quantitative hedge private product", "wealth",
                annual_rate="6.000", term_months=24, risk_level="R5"),
    ProductSpec("FD-MMF", "货币市场基金", "Money market fund", "fund", annual_rate="1.600",
                risk_level="R1"),
    ProductSpec("FD-BOND", "纯债债券基金", "Pure bond fund", "fund", annual_rate="2.800",
                risk_level="R2"),
    ProductSpec("FD-MIX", "偏股混合基金", "Equity-leaning mixed fund", "fund",
                risk_level="R3"),
    ProductSpec("FD-IDX", "沪深300指数基金", "CSI 300 index fund", "fund", risk_level="R4"),
    ProductSpec("IN-LIFE", "增额终身寿险", "Increasing whole-life insurance", "insurance",
                annual_rate="2.500", term_months=240),
    ProductSpec("IN-PENS", "养老年金保险", "Pension annuity insurance", "insurance",
                annual_rate="2.800", term_months=120),
    ProductSpec("LN-CONS", "个人消费贷", "Personal consumer loan", "personal_loan",
                annual_rate="3.600", term_months=36),
    ProductSpec("LN-BIZ", "个人经营贷", "Personal business loan", "personal_loan",
                annual_rate="3.300", term_months=36),
    ProductSpec("MG-HOME", "个人住房贷款", "Residential mortgage", "mortgage",
                annual_rate="3.100", term_months=360),
    ProductSpec("CC-STD", "标准信用卡", "Standard credit card", "credit_card"),
    ProductSpec("CC-PLAT", "白金信用卡", "Platinum credit card", "credit_card"),
    ProductSpec("FX-USD", "美元储蓄存款", "US dollar savings", "fx", currency="USD",
                annual_rate="1.000"),
    ProductSpec("FX-HKD", "港币储蓄存款", "Hong Kong dollar savings", "fx", currency="HKD",
                annual_rate="0.800"),
    ProductSpec("CO-DD", "单位活期存款", "Corporate current account", "demand_deposit",
                annual_rate="0.200"),
    ProductSpec("CO-TD", "单位定期存款一年", "Corporate time deposit, 1 year", "time_deposit",
                annual_rate="1.300", term_months=12),
)  # fmt: skip

# --- Tags ---------------------------------------------------------------------------------------

TAGS: tuple[tuple[str, str, str], ...] = (
    # (key, Chinese name, English name)
    ("payroll", "代发工资", "Payroll"),
    ("mortgage", "房贷客户", "Mortgage customer"),
    ("wealth", "理财偏好", "Prefers wealth products"),
    ("vip", "贵宾客户", "Affluent (VIP)"),
    ("hnw", "高净值", "High net worth"),
    ("sme_owner", "小微企业主", "Small business owner"),
    ("pension", "养老金", "Pension"),
    ("sme", "小微企业", "Small business"),
    ("new", "新客户", "New customer"),
)

# --- Interactions and tasks ---------------------------------------------------------------------

# Subjects per interaction channel (data, in the bank's working language).
SUBJECTS: dict[str, tuple[str, ...]] = {
    "call": ("理财产品到期提醒", "定期存款续存沟通", "信用卡分期业务推荐", "房贷利率调整咨询",
             "大额存单产品介绍", "基金定投回访", "风险测评到期提醒", "身份证件到期提醒",
             "贵宾客户季度回访", "手机银行使用回访", "养老金账户开立咨询", "保单年度回访"),
    "visit": ("网点办理定期存款", "网点咨询理财产品", "更新身份证件信息", "办理信用卡",
              "开立养老金账户", "咨询个人消费贷", "办理大额转账", "风险承受能力重新测评"),
    "meeting": ("资产配置方案沟通", "家庭财富规划面谈", "企业代发工资方案洽谈",
                "经营贷额度沟通", "高净值客户年度复盘"),
    "email": ("月度资产报告", "理财产品说明书", "对账单发送", "活动邀请函"),
    "sms": ("理财产品到期提醒短信", "生日祝福", "新品发售通知", "积分兑换提醒"),
    "wechat": ("企业微信问候", "理财市场周报分享", "客户咨询基金净值", "预约网点业务",
               "节日问候", "转介绍客户沟通"),
    "note": ("客户偏好记录", "家庭情况更新", "投诉处理记录", "客户风险提示已告知"),
}  # fmt: skip
NOTES = ("客户表示考虑后回复", "已发送产品资料", "客户对收益率较关注", "约定下周再次联系",
         "客户资金近期有到期安排", "客户希望了解低风险产品", "客户已完成线上操作", "")  # fmt: skip
TASK_TITLES = ("回访理财到期客户", "提醒客户更新身份证件", "邀请参加财富管理讲座",
               "跟进贷款申请材料", "完成年度风险测评", "信用卡激活提醒", "大额存单到期续存沟通",
               "核实客户联系方式", "推荐养老金融产品", "节日客户关怀")  # fmt: skip

CONSENT_SOURCES = ("网点开户签约", "手机银行", "网上银行", "电话银行", "客户经理面签")
LIFECYCLE_REASONS = {
    "prospect": ("营销名单导入", "网点到访登记", "客户转介绍"),
    "onboarding": ("开户资料审核中", "待完成身份核验"),
    "active": ("网点开户", "手机银行开户", "代发工资开户"),
    "dormant": ("连续十二个月无主动交易",),
    "churned": ("客户申请销户", "资金全部转出"),
    "won_back": ("专属理财产品营销挽回", "客户经理回访挽回"),
}
TEAM_NAMES = ("个人金融一组", "个人金融二组", "财富管理团队", "公司业务团队")
