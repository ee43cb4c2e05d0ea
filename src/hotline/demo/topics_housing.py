"""Topics of homes, estates, villages and building safety."""

from __future__ import annotations

from hotline.demo.places import RURAL_TOWNS
from hotline.demo.topics import TERRITORIAL, Topic, mix

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="property_dispute",
        label="物业纠纷",
        category="城乡建设/住房保障与房地产/物业服务",
        unit=TERRITORIAL,
        alt=("housing",),
        types=mix(complaint=0.75, consult=0.2, help=0.05),
        weight=30,
        difficulty=0.85,
        clarity=0.55,
        place="estate",
        bodies=(
            "{place}物业公司{issue}，业主多次反映无果，{dur}。",
            "{estate}物业{issue}，业主委员会也不作为，{many}业主意见很大。",
            "{place}的物业管理处{issue}，要求业主{fee}，否则不给办理门禁卡。",
            "其为{estate}业主，物业{issue}，与物业沟通时对方态度恶劣。",
        ),
        demands=(
            "要求相关部门监督物业公司履行合同义务",
            "希望街道和住建部门介入协调",
            "要求物业公开收支账目",
        ),
        questions=(
            "咨询{estate}物业费上涨是否需要业主大会表决同意。",
            "咨询小区更换物业公司需要走什么程序。",
        ),
        answers=(
            "已告知市民：物业服务收费调整应依照物业服务合同约定并经业主大会决定，"
            "选聘、解聘物业服务企业须由业主共同决定，可向所在街道或区住建局咨询具体程序。",
        ),
        replies=(
            "经核查，{rdate}{we}组织社区居委、物业服务企业及业主代表召开协调会，已要求物业公司"
            "限期整改并公示收支情况，下一步将持续跟进。",
            "经调查，该小区物业收费标准经业主大会表决通过，符合规定；已要求物业公司改进服务态度，"
            "对市民反映的{issue_short}问题限期整改。",
        ),
        slots={
            "issue": (
                "不作为，小区卫生很差",
                "擅自上涨物业费",
                "乱收停车费",
                "公共收益去向不明",
                "电梯坏了一个月不修",
                "私自占用公共绿地建停车位",
                "拖着不移交业主委员会资料",
            ),
            "fee": ("先交清物业费", "缴纳一年停车费", "交装修押金5000元"),
            "issue_short": ("卫生", "停车收费", "设施维修"),
        },  # fmt: skip
    ),
    Topic(
        key="housing_quality",
        label="房屋质量与维修",
        category="城乡建设/住房保障与房地产/修缮装修",
        unit="housing",
        alt=(TERRITORIAL, "planning"),
        types=mix(complaint=0.7, help=0.15, consult=0.15),
        weight=14,
        difficulty=0.75,
        clarity=0.65,
        place="estate",
        bodies=(
            "其购买的{estate}新房{defect}，开发商一直推诿不修，{dur}。",
            "{place}楼房{defect}，存在安全隐患，物业说要动用维修基金。",
            "{estate}交楼后{defect}，找开发商和施工单位都互相推诿。",
            "{place}的老旧小区{defect}，申请使用住宅专项维修资金一直没批下来。",
        ),
        demands=("要求住建部门督促开发商维修", "希望相关部门核查房屋质量", "{urge}"),
        questions=("咨询老旧小区申请使用住宅专项维修资金的流程。",),
        answers=(
            "已告知市民：使用住宅专项维修资金须经专有部分面积及人数双过半业主同意，"
            "由业主委员会或物业提出申请，具体可咨询区住建局或登录维修资金管理系统查询。",
        ),
        replies=(
            "经核查，我局已于{rdate}约谈开发商及施工单位，责令其在保修期内限期维修，"
            "市民可继续反映维修进度。",
        ),
        slots={
            "defect": (
                "墙体开裂渗水",
                "卫生间漏水到楼下",
                "外墙瓷砖脱落",
                "天花板发霉掉灰",
                "窗户密封不严一下雨就进水",
                "地面空鼓开裂",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="elevator",
        label="电梯故障",
        category="商贸旅游/质监检验检疫/特种设备管理",
        unit="market",
        alt=("housing", TERRITORIAL),
        types=mix(complaint=0.6, help=0.3, report=0.1),
        weight=8,
        urgent=0.15,
        place="estate",
        bodies=(
            "{place}电梯{fault}，{dur}，{elder}上下楼很困难。",
            "{estate}{n}栋电梯{fault}，物业一直没维修，年检标志也过期了。",
            "{place}电梯困人，{since}已经发生好几次了，存在安全隐患。",
        ),
        demands=("要求监管部门督促维修并检验", "希望尽快修好电梯", "{urge}"),
        replies=(
            "经核查，我局于{rdate}对{place}电梯进行现场检查，已责令使用单位停用整改，"
            "经维保单位维修并检验合格后恢复使用。",
        ),
        slots={"fault": ("经常停运", "运行时异响抖动", "门关不上", "平层不准", "停用了")},
    ),
    Topic(
        key="rental_dispute",
        label="房屋租赁纠纷",
        category="城乡建设/住房保障与房地产/房屋租赁",
        unit=TERRITORIAL,
        alt=("housing", "justice", "market"),
        types=mix(complaint=0.55, help=0.25, consult=0.2),
        weight=10,
        difficulty=0.65,
        place="village",
        bodies=(
            "其租住在{place}，房东{issue}，{dur}。",
            "其在{place}租房，合同未到期房东要求搬走，且{issue}。",
            "其通过中介在{place}租房，退租时{issue}，中介电话也打不通了。",
        ),
        demands=("希望相关部门协调退还押金", "要求来穗人员服务管理部门处理", "{urge}"),
        questions=("咨询出租屋需要到哪里办理租赁登记备案。",),
        answers=(
            "已告知市民：出租屋租赁登记可到所在街道来穗人员和出租屋服务管理中心办理，"
            "也可通过“穗好办”APP线上登记。",
        ),
        replies=(
            "经核查，{rdate}{we}来穗人员服务管理中心约双方调解，房东已同意退还押金，双方达成一致。",
        ),
        slots={
            "issue": (
                "不退押金{money}",
                "私自提高水电费每度1.5元",
                "擅自进入房间",
                "断水断电逼租客搬走",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="fire_exit",
        label="消防通道堵塞",
        category="政法/社会治安/消防安全",
        unit="fire",
        alt=(TERRITORIAL, "police"),
        types=mix(report=0.55, complaint=0.4, consult=0.05),
        weight=10,
        urgent=0.06,
        place="estate",
        bodies=(
            "{place}消防通道{block}，{dur}，一旦发生火灾消防车进不来。",
            "{estate}楼梯间{block}，{since}一直没人清理，存在严重消防隐患。",
            "{place}的商铺{block}，安全出口被锁死。",
        ),
        demands=("要求消防部门检查整改", "希望尽快清理消除隐患", "{urge}"),
        replies=(
            "经核查，{rdate}消防监督员到{place}检查，已责令物业清理占用消防通道的杂物，"
            "并对相关单位下发责令改正通知书。",
        ),
        slots={
            "block": (
                "被私家车长期占用",
                "堆满了杂物和纸皮",
                "被划成了收费停车位",
                "被铁栏杆封住",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="ebike_charging",
        label="电动车违规充电",
        category="城乡建设/安全生产/安全隐患",
        unit=TERRITORIAL,
        alt=("fire", "police"),
        types=mix(report=0.6, complaint=0.3, suggestion=0.1),
        weight=8,
        urgent=0.03,
        place="village",
        bodies=(
            "{place}出租屋{charge}，{risk}。",
            "{estate}有住户{charge}，多次劝说无效，{risk}。",
            "{place}一楼楼道{charge}，{dur}。",
        ),
        demands=("要求相关部门排查整治", "希望设置集中充电点", "{urge}"),
        suggestions=("建议在{estate}附近增设电动自行车集中充电棚，避免飞线充电。",),
        replies=(
            "{rdate}{we}安全生产执法人员到{place}检查，已清理楼道内停放充电的电动车{n}辆，"
            "拆除飞线充电线路，并对房东进行警示教育。",
        ),
        slots={
            "charge": ("电动车在楼道里充电", "从楼上拉飞线给电动车充电", "把电池拿进房间充电"),
            "risk": ("容易引发火灾", "存在很大的消防安全隐患", "前几天还冒过烟"),
        },
    ),
    Topic(
        key="homestead",
        label="农村宅基地",
        category="农村农业/土地承包经营/宅基地纠纷",
        unit=TERRITORIAL,
        alt=("agriculture", "planning"),
        types=mix(consult=0.45, complaint=0.4, help=0.15),
        weight=10,
        difficulty=0.8,
        clarity=0.65,
        place="village",
        towns=RURAL_TOWNS,
        bodies=(
            "其为{village}村民，{issue}，{dur}，村委一直没有答复。",
            "{place}村民之间因宅基地边界发生纠纷，{issue}。",
            "其家庭符合分户条件，{issue}，村里说没有指标。",
        ),
        demands=("希望镇街核实并依法处理", "要求村委会公开审批情况", "{urge}"),
        questions=(
            "其为{village}村民，咨询申请宅基地建房需要什么条件和材料。",
            "咨询农村宅基地能否继承、能否卖给外村人。",
        ),
        answers=(
            "已告知市民：农村村民一户只能拥有一处宅基地，申请建房需向村集体经济组织提出，"
            "经村民会议讨论后报镇街审核批准；宅基地不得向本集体经济组织以外人员转让。",
        ),
        replies=(
            "经核查，{rdate}{we}农业农村办会同村委调查，该宅基地申请材料尚不齐全，"
            "已告知其补充材料后按程序审批。",
        ),
        slots={
            "issue": (
                "申请宅基地建房三年未批",
                "邻居建房占用了其家宅基地",
                "旧屋拆除后不准重建",
                "村里分配宅基地不公",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="village_affairs",
        label="村务公开与集体分红",
        category="农村农业/村务管理/集体财务公开",
        unit=TERRITORIAL,
        alt=("agriculture", "petition"),
        types=mix(complaint=0.6, report=0.3, consult=0.1),
        weight=7,
        difficulty=0.7,
        place="village",
        towns=RURAL_TOWNS,
        bodies=(
            "{village}{issue}，村民多次要求公开账目都没有回应。",
            "其为{village}股民，{issue}，{dur}。",
            "举报{village}村干部{issue}。",
        ),
        demands=("要求镇街监督村务公开", "要求核查集体资产去向", "{urge}"),
        replies=("经核查，{rdate}{we}已督促{village}在公开栏公示集体财务收支情况。",),
        slots={
            "issue": (
                "集体土地出租收入去向不明",
                "今年分红少了一半",
                "外嫁女不能享受分红",
                "集体物业出租没有公开招标",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="housing_fund",
        label="住房公积金",
        category="城乡建设/住房保障与房地产/住房公积金",
        unit="housing",
        alt=("hrss", "finance"),
        types=mix(consult=0.88, complaint=0.12),
        weight=33,
        close_rate=0.75,
        place="none",
        bodies=("其单位{since}没有为其缴纳住房公积金，{dur}。",),
        demands=("要求督促单位补缴公积金",),
        questions=(
            "咨询住房公积金{use}需要什么条件。",
            "咨询公积金{use}的办理流程和所需材料。",
        ),
        answers=(
            "已告知市民：可登录广州住房公积金管理中心网站或“穗好办”APP查询{use}的条件和材料，"
            "也可致电12329公积金服务热线咨询。",
        ),
        replies=("已转广州住房公积金管理中心白云办事处核实，已督促该单位为职工补缴。",),
        slots={"use": ("租房提取", "购房贷款", "离职提取", "异地转移", "还贷提取")},
    ),
)
