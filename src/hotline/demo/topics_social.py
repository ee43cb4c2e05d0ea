"""Topics of work, social security, schools, health and welfare (sectoral)."""

from __future__ import annotations

from hotline.demo.topics import TERRITORIAL, Topic, mix

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="wage_arrears",
        label="拖欠工资",
        category="劳动和社会保障/工资福利/工资发放",
        unit="hrss",
        alt=(TERRITORIAL, "housing", "union"),
        types=mix(help=0.55, complaint=0.3, consult=0.15),
        weight=24,
        season="yearend",
        difficulty=0.9,
        clarity=0.8,
        place="site",
        bodies=(
            "其在{place}的{employer}工作，{owed}，{workers}都没拿到钱，老板{boss}。",
            "{employer}拖欠{workers}工资{money}，{owed}，快过年了急需用钱。",
            "其在{employer}做{job}，{owed}，公司以{excuse}为由一直拖着。",
            "{workers}在{place}做工，包工头{boss}，总共欠薪{money}。",
        ),
        demands=(
            "要求劳动监察部门介入追讨工资",
            "希望尽快帮忙讨回血汗钱",
            "要求责令公司支付拖欠的工资",
        ),
        questions=("咨询公司拖欠工资{owed}，应该去哪里投诉，需要什么材料。",),
        answers=(
            "已告知市民：可携带身份证、劳动合同或工作证明等材料到区劳动保障监察大队投诉，"
            "也可申请劳动仲裁，拨打12333咨询。",
        ),
        replies=(
            "经核查，我局劳动保障监察大队于{rdate}约谈{employer}负责人，已责令其限期支付拖欠工资，"
            "目前已支付部分款项，剩余款项承诺月底前结清，我局将持续跟进。",
            "经调查，双方对工资数额存在争议，已告知市民可申请劳动仲裁，并提供相关指引。",
        ),
        slots={
            "employer": ("{company}", "{site}的劳务公司", "一家服装厂", "{coname}餐饮店"),
            "owed": ("已经{n}个月没发工资", "离职后最后一个月工资不给结", "年底工资一直拖着不发"),
            "boss": ("电话不接", "一直说没钱", "跑路了找不到人", "推给总包方"),
            "job": ("车位", "普工", "保安", "厨工", "装修工"),
            "excuse": ("资金紧张", "甲方没付款", "产品质量问题", "要等年底统一结算"),
        },
    ),
    Topic(
        key="labor_contract",
        label="劳动合同与辞退",
        category="劳动和社会保障/劳动关系/劳动合同纠纷",
        unit="hrss",
        alt=("justice", "union"),
        types=mix(consult=0.5, complaint=0.45, help=0.05),
        weight=14,
        difficulty=0.6,
        place="none",
        bodies=(
            "其在{company}工作{n}年，{issue}。",
            "{company}{issue}，其多次与人事沟通无果。",
        ),
        demands=("要求督促公司依法支付经济补偿", "希望劳动部门核查", "{urge}"),
        questions=(
            "咨询公司{issue2}，是否可以要求经济补偿。",
            "咨询{issue2}应该如何维权。",
        ),
        answers=(
            "已告知市民：用人单位违法解除劳动合同的应支付赔偿金，可向劳动人事争议仲裁委员会申请仲裁，"
            "或拨打12333咨询。",
        ),
        replies=("经核查，我局于{rdate}约谈该公司，已督促其依法与职工协商，并告知仲裁途径。",),
        slots={
            "issue": (
                "公司无故辞退不给补偿",
                "一直不签劳动合同",
                "每天加班到晚上10点没有加班费",
                "强迫员工自愿离职",
            ),
            "issue2": ("不签劳动合同", "试用期辞退", "调岗降薪", "加班不给加班费"),
        },  # fmt: skip
    ),
    Topic(
        key="social_insurance",
        label="社保缴费与待遇",
        category="劳动和社会保障/城镇职工社会保险/职工养老保险",
        unit="hrss",
        alt=("tax", "medical_insurance"),
        types=mix(consult=0.85, complaint=0.12, help=0.03),
        weight=111,
        season="insurance",
        close_rate=0.72,
        place="none",
        bodies=("其单位{issue}，{dur}。", "其办理{q}时{issue2}。"),
        demands=("要求单位补缴社保", "希望简化办理流程", "{urge}"),
        questions=(
            "咨询{q}需要什么材料、在哪里办理。",
            "其{age}，咨询{q}的条件。",
            "咨询灵活就业人员{q}怎么办理。",
        ),
        answers=(
            "已告知市民：可通过“粤省事”小程序、广东政务服务网或到区社保经办窗口办理{q}，"
            "携带身份证原件，详情可拨打12333咨询。",
        ),
        replies=("经核查，我局已于{rdate}联系市民，{fix}。",),
        slots={
            "q": (
                "养老保险转移",
                "退休待遇申领",
                "社保断缴补缴",
                "失业金申领",
                "社保卡补办",
                "养老金资格认证",
                "工伤认定",
            ),
            "issue": ("没有按实际工资缴社保", "{n}个月没有缴社保", "扣了社保钱却没缴"),
            "issue2": ("被要求来回跑了{n}次", "系统一直显示审核中", "工作人员说法不一"),
            "fix": ("已指导其通过线上办理并完成转移", "已督促该单位为职工补缴社保"),
        },  # fmt: skip
    ),
    Topic(
        key="medical_insurance",
        label="医保缴费与报销",
        category="劳动和社会保障/城镇居民社会保险/城镇居民医疗保险",
        unit="medical_insurance",
        alt=("hrss", "health", "tax"),
        types=mix(consult=0.85, complaint=0.15),
        weight=67,
        season="insurance",
        close_rate=0.72,
        place="none",
        bodies=(
            "其在{hospital}{issue}，{dur}。",
            "其{kid}的城乡居民医保{issue2}。",
        ),
        demands=("希望医保部门核实处理", "要求按规定报销", "{urge}"),
        questions=(
            "咨询{year}年城乡居民医保缴费时间和标准。",
            "咨询{q}怎么办理。",
        ),
        answers=(
            "已告知市民：{year}年度城乡居民医保集中缴费期为9月至12月，可通过“粤税通”或“粤医保”"
            "小程序缴费；{q}可在“穗好办”APP线上办理。",
        ),
        replies=("经核查，我局已于{rdate}与{hospital}核实，已按规定为市民办理报销手续。",),
        slots={
            "hospital": ("区人民医院", "某社区卫生服务中心", "一家民营医院", "市第一人民医院"),
            "issue": ("住院费用报销比例很低", "门诊特定病种备案不了", "医保卡被冒用"),
            "issue2": ("缴费后一直显示未参保", "转学后无法续保", "重复扣费"),
            "q": ("异地就医备案", "门特申请", "医保关系转移", "生育津贴申领"),
            "year": ("2026", "2027"),
        },
    ),
    Topic(
        key="school_admission",
        label="入学学位",
        category="教育文体/考试招生/招生录取",
        unit="education",
        alt=(TERRITORIAL,),
        types=mix(consult=0.78, complaint=0.17, suggestion=0.05),
        weight=67,
        season="school",
        difficulty=0.45,
        close_rate=0.68,
        place="estate",
        bodies=(
            "其{kid}住在{estate}，{issue}，{dur}。",
            "{estate}业主反映{issue}，{many}家长意见很大。",
        ),
        demands=("希望教育部门协调学位", "要求公开学位分配情况", "{urge}"),
        suggestions=("建议在{estate}附近新建一所公办小学，学位太紧张了。",),
        questions=(
            "咨询{kid}{q}。",
            "其为来穗人员，咨询{kid}{q}。",
        ),
        answers=(
            "已告知市民：关于{q}，白云区义务教育招生以“穗教育”公众号及区教育局官网发布的"
            "招生简章为准，请留意报名时间节点；积分入学可在来穗人员服务管理信息平台申请。",
        ),
        replies=("经核查，我局已于{rdate}联系家长，结合片区学位情况已协调安排至就近学校就读。",),
        slots={
            "issue": (
                "按学区应该读附近的小学却被调剂到很远的学校",
                "积分入学分数够了却没有录取",
                "小区开发商承诺的配套学校迟迟不开办",
                "转学一直办不下来",
            ),
            "q": (
                "积分入学的申请时间和条件",
                "小学一年级报名需要什么材料",
                "初中转学怎么办理",
                "户籍在外地能否在白云区读公办学校",
                "新学期学位调剂结果什么时候公布",
            ),
        },  # fmt: skip
    ),
    Topic(
        key="school_fees",
        label="学校与校外培训",
        category="教育文体/教育行政管理/校外机构管理",
        unit="education",
        alt=("market",),
        types=mix(complaint=0.7, report=0.2, consult=0.1),
        weight=8,
        season="school",
        place="shop",
        bodies=(
            "{place}的{org}{issue}，{dur}。",
            "其{kid}所在学校{issue2}。",
        ),
        demands=("要求教育部门查处并退费", "希望规范学校收费", "{urge}"),
        replies=("经核查，我局已于{rdate}责成{org}整改，并督促其按规定退还费用。",),
        slots={
            "org": ("一家英语培训机构", "一家托管班", "某艺术培训中心", "一所民办学校"),
            "issue": ("突然关门不退学费{money}", "无证办学", "预收一年学费后跑路"),
            "issue2": ("强制购买校服和教辅资料", "午餐质量差收费高", "周末强制补课收费"),
        },
    ),
    Topic(
        key="food_safety",
        label="食品安全",
        category="卫生计生/食品药品监管/食品安全",
        unit="market",
        alt=("health", TERRITORIAL),
        types=mix(complaint=0.55, report=0.4, consult=0.05),
        weight=14,
        season="summer",
        clarity=0.85,
        place="shop",
        bodies=(
            "其在{place}的{store}{bought}，{problem}。",
            "举报{place}有{workshop}，{problem2}。",
            "{store}{bought}，{problem}，商家拒绝退赔。",
        ),
        demands=("要求市场监管部门查处", "要求商家赔偿", "{urge}"),
        replies=(
            "经核查，我局执法人员于{rdate}到{store}检查，已对问题食品下架封存，责令整改，"
            "并组织双方调解。",
        ),
        slots={
            "store": ("一家快餐店", "{shopname}茶餐厅", "一家超市", "外卖商家", "学校周边小卖部"),
            "bought": ("购买的面包", "吃饭后", "点的外卖", "买的牛奶"),
            "problem": (
                "发现已经过期",
                "里面有虫子",
                "吃完后腹泻呕吐去了医院",
                "发现有头发和异物",
            ),
            "workshop": ("无证食品加工小作坊", "黑作坊生产凉茶", "地下腐竹作坊"),
            "problem2": ("卫生条件很差", "使用地沟油", "添加不明添加剂"),
        },  # fmt: skip
    ),
    Topic(
        key="consumer",
        label="消费纠纷",
        category="商贸旅游/市场监管/商品质量",
        unit="market",
        alt=("justice",),
        types=mix(complaint=0.85, consult=0.15),
        weight=14,
        difficulty=0.5,
        place="shop",
        bodies=(
            "其在{place}的{store}{issue}，{dur}。",
            "其在{store}办了{card}，{issue2}。",
        ),
        demands=("要求商家退款", "希望市场监管部门协调处理", "{urge}"),
        questions=("咨询消费纠纷应该如何投诉，需要什么凭证。",),
        answers=("已告知市民：可保留购物凭证，通过全国12315平台投诉，或向区市场监管局申请调解。",),
        replies=("经核查，我局于{rdate}组织双方调解，商家同意退还部分费用，双方达成和解。",),
        slots={
            "store": ("手机店", "家具城", "健身房", "电器商场", "美容院", "二手车行"),
            "issue": (
                "买的商品质量有问题商家不给退换",
                "被诱导消费{money}",
                "价格标签与结账价格不一致",
            ),
            "card": ("预付卡{money}", "年卡", "会员卡"),
            "issue2": ("现在店铺关门老板失联", "商家不履行承诺", "要求退卡被扣高额手续费"),
        },
    ),
    Topic(
        key="medical_service",
        label="医疗服务",
        category="卫生计生/医政监管/医疗技术和服务",
        unit="health",
        alt=("medical_insurance", "market"),
        types=mix(complaint=0.6, consult=0.3, praise=0.1),
        weight=10,
        difficulty=0.55,
        place="none",
        bodies=("其到{hospital}就诊，{issue}。", "{hospital}{issue2}。"),
        demands=("要求卫健部门调查处理", "希望改进服务", "{urge}"),
        questions=("咨询{q}。",),
        answers=("已告知市民：可关注“广州健康通”公众号预约{q}，或咨询所在社区卫生服务中心。",),
        replies=("经核查，我局已于{rdate}责成{hospital}调查核实，已对相关医务人员批评教育。",),
        slots={
            "hospital": ("区人民医院", "某社区卫生服务中心", "一家民营诊所", "镇卫生院"),
            "issue": ("排队三个小时没看上病", "医生态度恶劣", "被过度检查收费", "挂号系统乱"),
            "issue2": ("诊所无证行医", "护士打针不规范", "药价比别处贵很多"),
            "q": ("疫苗接种", "老年人免费体检", "家庭医生签约", "狂犬疫苗接种点"),
        },
    ),
)
