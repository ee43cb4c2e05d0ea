"""Topics of city management in the streets and villages (mostly 属地, the town/street)."""

from __future__ import annotations

from hotline.demo.topics import TERRITORIAL, Topic, mix

_NOISE = "环境保护/环境污染/噪音污染"
_ENFORCE = "城乡建设/城市建设和市政管理/城管执法"

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="construction_noise",
        label="施工噪音扰民",
        category=_NOISE,
        unit=TERRITORIAL,
        alt=("urban", "environment", "housing"),
        types=mix(complaint=0.86, report=0.09, consult=0.05),
        weight=34,
        season="summer",
        night=True,
        difficulty=0.6,
        clarity=0.55,
        place="site",
        bodies=(
            "{place}的{site}{night}仍在施工，{machine}声音很大，{many}居民无法休息，{dur}。",
            "{place}有工地夜间施工，{night}还有{machine}作业，噪音扰民严重，家里{kid}第二天还要早起。",
            "{site}位于{place}，{since}每天{night}都在{work}，已向工地反映无果。",
            "{place}附近工地{night}{work}，{machine}的声音隔着窗户都很清楚，{elder}心脏不好受不了。",
            "其住在{estate}，对面{site}{since}天天夜间施工，{machine}轰隆隆响到{night}，{dur}。",
        ),
        demands=(
            "要求核查该工地是否办理夜间施工许可，制止夜间违规施工",
            "希望相关部门到现场查处，还居民安静的休息环境",
            "要求工地晚上10点后停止高噪音作业",
            "{urge}",
        ),
        questions=("{place}的{site}晚上还在施工，咨询夜间施工是否需要审批、可以施工到几点。",),
        answers=(
            "已告知市民：建筑工地夜间（22时至次日6时）原则上禁止产生噪声的施工作业，因特殊需要"
            "须取得夜间施工证明并公示，如发现违规施工可再次来电反映。",
        ),
        replies=(
            "经核查，{rdate}{we}联合综合执法队到{place}现场检查，该工地夜间施工未取得夜间施工证明，"
            "已责令其立即停止夜间高噪音作业并立案调查，后续将加强巡查。",
            "{rdate}执法人员夜间到现场核实，该工地持有夜间连续浇筑混凝土证明，已要求其采取降噪措施、"
            "合理安排作业时间，并已向市民解释说明。",
        ),
        slots={
            "machine": ("打桩机", "电钻", "挖掘机", "混凝土泵车", "切割机", "风炮", "搅拌车"),
            "work": ("打桩", "浇筑混凝土", "拆模板", "运泥头车", "切割钢筋", "敲敲打打"),
        },
    ),
    Topic(
        key="nightlife_noise",
        label="商铺夜宵档噪音扰民",
        category=_NOISE,
        unit=TERRITORIAL,
        alt=("police", "urban", "culture"),
        types=mix(complaint=0.9, report=0.08, consult=0.02),
        weight=22,
        season="summer",
        night=True,
        difficulty=0.55,
        clarity=0.6,
        place="shop",
        bodies=(
            "{place}的{shop}每天营业到{night}，{noise}，{many}居民被吵得睡不着，{dur}。",
            "楼下{shop}{since}天天开到{night}，{noise}，多次报警也只是管一下。",
            "{place}一带夜宵档占用人行道摆桌，{noise}，吵到{night}，严重影响休息。",
            "{estate}楼下新开了一家{shop}，{noise}，{elder}整晚睡不着。",
        ),
        demands=("要求相关部门整治噪音，规范其经营时间", "希望执法部门夜间到现场查处", "{urge}"),
        replies=(
            "经核查，{rdate}{we}会同派出所、社区于夜间到{place}检查，已对该店经营者进行教育，"
            "责令其晚上11点后停止室外经营、降低音量，并签订承诺书，将持续跟踪。",
        ),
        slots={
            "noise": (
                "食客喝酒划拳大声喧哗",
                "音响开得很大",
                "唱K声音很大",
                "客人大声吵闹",
                "抽风机和空调外机噪音很大",
                "放音乐声音很大",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="square_dance",
        label="广场舞噪音",
        category=_NOISE,
        unit=TERRITORIAL,
        alt=("culture", "urban"),
        types=mix(complaint=0.8, suggestion=0.12, consult=0.08),
        weight=8,
        season="summer",
        difficulty=0.4,
        place="estate",
        bodies=(
            "{place}旁边的小广场{since}每天晚上有人跳广场舞，音响开得很大，一直跳到晚上十点多。",
            "{estate}中心花园{daytime}有人跳广场舞、打腰鼓，音量很大，{kid}没法做作业。",
            "{place}附近公园有多个广场舞队伍，音响互相比大声，{dur}，附近居民不堪其扰。",
        ),
        demands=("希望相关部门协调控制音量和时间", "建议划定时段和音量标准", "{urge}"),
        suggestions=("建议在{estate}附近公园设置噪音监测屏，规范广场舞时间和音量。",),
        replies=(
            "{rdate}{we}社区工作人员到现场与广场舞队伍负责人沟通，已要求其将音量调低并在21时前"
            "结束活动，后续将由社区网格员加强巡查。",
        ),
    ),
    Topic(
        key="illegal_building",
        label="违法建设",
        category="城乡建设/城乡规划/违章建筑",
        unit=TERRITORIAL,
        alt=("planning", "urban", "housing"),
        types=mix(report=0.62, complaint=0.33, consult=0.05),
        weight=30,
        difficulty=0.9,
        clarity=0.6,
        place="village",
        bodies=(
            "{place}有人{since}{build}，没有任何报建手续，{effect}。",
            "举报{place}业主{build}，{since}动工，晚上也在偷偷施工。",
            "{estate}{n}楼业主在天台{build}，已向物业反映但无人制止，{effect}。",
            "{place}旁边空地{since}被人围起来{build}，疑似占用集体用地违法建设。",
            "{place}有户人家把原来两层的房子{build}，{effect}，社区说管不了。",
        ),
        demands=(
            "要求相关部门核查并依法拆除违法建筑",
            "希望执法部门尽快到现场制止",
            "要求查处并反馈处理结果",
        ),
        questions=("咨询自家{village}的旧房想加建一层，需要办理什么手续。",),
        answers=(
            "已告知市民：农村村民住宅建设须依法申请规划许可，可向所在镇街规划建设部门咨询，"
            "未经批准擅自加建属于违法建设。",
        ),
        replies=(
            "经核查，{place}该处建筑确属未经规划许可的在建违法建设，{we}已于{rdate}下达《责令停止"
            "违法行为通知书》并依法拆除违法部分约{nn}平方米。",
            "经核查，该建筑为历史建筑，已纳入违法建设台账，{we}将按照分类处置原则逐步处理，"
            "现已责令当事人停止施工。",
        ),
        slots={
            "build": (
                "加建第五层",
                "在天台搭建铁皮房",
                "违规加盖两层",
                "搭建钢结构棚",
                "扩建围墙占用通道",
                "加建楼层",
                "私自开挖地下室",
            ),
            "effect": (
                "影响周边房屋采光和安全",
                "存在很大安全隐患",
                "挡住了消防通道",
                "邻居房屋出现裂缝",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="street_vendor",
        label="占道经营",
        category=_ENFORCE,
        unit=TERRITORIAL,
        alt=("urban", "market"),
        types=mix(complaint=0.85, report=0.1, suggestion=0.05),
        weight=20,
        season="summer",
        place="road",
        bodies=(
            "{place}路段{since}有大量流动摊贩占道经营，{vendor}，行人只能走机动车道。",
            "{place}附近{daytime}{vendor}，造成交通拥堵，地面油污垃圾很多。",
            "{estate}门口每天傍晚都有人摆摊，{vendor}，小区车辆进出困难，{dur}。",
            "{place}的商铺把货物摆到人行道上占道经营，{vendor}。",
        ),
        demands=("要求城管部门整治占道经营", "希望加强巡查，还道于民", "{urge}"),
        replies=(
            "经核查，{rdate}{we}综合执法队到{place}整治，已劝离流动摊贩{n}档，清理占道物品，"
            "并将该路段纳入重点巡查范围。",
        ),
        slots={
            "vendor": (
                "卖水果的三轮车堵住路口",
                "烧烤摊油烟很大",
                "炒粉摊占满人行道",
                "卖菜的摊档摆了一整排",
                "夜市摊档一直摆到马路中间",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="garbage",
        label="垃圾清运不及时",
        category="城乡建设/城市建设和市政管理/环境卫生",
        unit=TERRITORIAL,
        alt=("urban",),
        types=mix(complaint=0.82, help=0.1, suggestion=0.05, consult=0.03),
        weight=26,
        season="summer",
        place="any",
        bodies=(
            "{place}的垃圾收集点{since}没人清运，垃圾堆积如山，{smell}。",
            "{place}附近有人长期乱倒建筑垃圾和大件垃圾，{dur}，{smell}。",
            "{estate}垃圾桶{dur}没有清理，已经满溢出来，{smell}。",
            "{place}路边的垃圾中转点清运不及时，{smell}，附近居民开窗都不敢。",
        ),
        demands=("要求尽快清运垃圾并加强管理", "希望环卫部门增加清运频次", "{urge}"),
        replies=(
            "经核查，{rdate}{we}已安排环卫作业人员对{place}垃圾进行清运，共清理垃圾约{n}车，"
            "并已要求保洁公司每日清运两次。",
        ),
        slots={"smell": ("臭气熏天", "蚊蝇滋生", "污水横流", "老鼠到处跑", "天气热臭味很大")},
    ),
    Topic(
        key="drain_blockage",
        label="下水道堵塞污水外溢",
        category="城乡建设/城市建设和市政管理/基础设施",
        unit=TERRITORIAL,
        alt=("water", "housing"),
        types=mix(complaint=0.6, help=0.35, consult=0.05),
        weight=18,
        season="rain",
        difficulty=0.4,
        urgent=0.05,
        clarity=0.6,
        place="any",
        bodies=(
            "{place}的下水道堵塞，{since}污水从井盖冒出来，{smell}。",
            "{place}化粪池满溢，污水流到路面上，{dur}，居民出入要踮着脚走。",
            "{estate}地下排水管破裂，一楼住户家里反水，已找物业但没人处理。",
            "{place}路段雨水井堵塞，一下雨就积水，{dur}。",
        ),
        demands=("要求尽快疏通下水道", "希望相关部门派人维修", "{urge}"),
        replies=(
            "经核查，{rdate}{we}已协调排水养护单位到{place}进行疏通，现已恢复正常排水，"
            "路面污水已清理。",
        ),
        slots={"smell": ("臭味很大", "污水横流", "蚊虫很多", "影响出行")},
    ),
    Topic(
        key="waterlogging",
        label="内涝水浸",
        category="农村农业/水利水电/防汛抗旱",
        unit=TERRITORIAL,
        alt=("water", "emergency"),
        types=mix(help=0.7, complaint=0.25, consult=0.05),
        weight=10,
        season="rain",
        difficulty=0.4,
        urgent=0.3,
        place="any",
        bodies=(
            "{place}因暴雨水浸严重，积水{depth}，{loss}，现在雨还在下。",
            "{place}每逢下雨必水浸，{loss}，{dur}一直没有改造。",
            "{estate}地下车库进水，积水{depth}，{loss}。",
            "{place}一带低洼处积水{depth}，{elder}被困家中出不来。",
        ),
        demands=("请求尽快派人排水抢险", "要求彻底整治内涝黑点", "希望相关部门立即处置"),
        replies=(
            "接报后{we}立即组织三防队伍到{place}抽排积水，已于{rdate}排除险情，并将该点位"
            "纳入内涝点整治计划。",
        ),
        slots={
            "depth": ("有半米深", "没过膝盖", "到小腿", "快一米深", "淹到车门"),
            "loss": (
                "一楼商铺全部进水",
                "车辆被泡",
                "家里电器泡水了",
                "行人无法通行",
                "电动车被淹",
            ),
        },
    ),
    Topic(
        key="waste_odour",
        label="垃圾处理设施异味",
        category="环境保护/环境污染/大气污染",
        unit="urban",
        alt=("environment", TERRITORIAL),
        types=mix(complaint=0.75, report=0.15, consult=0.1),
        weight=3,
        season="summer",
        night=True,
        difficulty=0.75,
        clarity=0.6,
        place="village",
        towns=("taihe", "zhongluotan", "longgui", "dayuan", "jianggao"),
        bodies=(
            "{place}附近的垃圾处理场{since}臭味很大，{effect}。",
            "{village}一带{night}经常闻到垃圾发酵的酸臭味，{dur}，{effect}。",
            "{place}的垃圾压缩站渗滤液外流，{effect}。",
        ),
        demands=("要求整治垃圾处理设施异味", "要求公开环境监测数据", "{urge}"),
        questions=("咨询{village}附近垃圾处理设施的异味是否有害健康。",),
        answers=("已告知市民：已将情况转相关部门，可关注区政府网站公开的环境监测信息。",),
        replies=(
            "经核查，我局已于{rdate}督促垃圾处理设施运营单位加强除臭措施，增加喷淋除臭频次，"
            "覆盖裸露作业面，并会同生态环境部门开展异味监测。",
        ),
        slots={
            "effect": ("晚上不敢开窗", "老人小孩头晕恶心", "衣服都晾不了", "严重影响生活"),
        },
    ),
)
