"""Topics of welfare: the elderly, disabled people, hardship relief and veterans."""

from __future__ import annotations

from hotline.demo.topics import TERRITORIAL, Topic, mix

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="elderly_care",
        label="养老服务",
        category="民政/福利慈善/福利事业",
        unit="civil_affairs",
        alt=(TERRITORIAL,),
        types=mix(consult=0.7, help=0.2, complaint=0.1),
        weight=30,
        close_rate=0.68,
        place="estate",
        bodies=("{elder}{age}，{issue}。", "{place}的长者饭堂{issue2}。"),
        demands=("希望民政部门帮助", "要求核实处理", "{urge}"),
        questions=("{elder}今年{age}，咨询{q}。", "咨询{q}需要什么条件。"),
        answers=(
            "已告知市民：{q}可向户籍所在街道（镇）社区服务中心申请，也可在“穗好办”APP提交申请，"
            "具体以民政部门审核为准。",
        ),
        replies=("经核查，我局已于{rdate}指导街道为老人办理相关服务，并上门探访。",),
        slots={
            "issue": ("独居在家无人照顾", "申请居家养老服务一直没有回音", "养老院收费不透明"),
            "issue2": ("饭菜质量下降", "突然停止供餐", "价格上涨"),
            "q": ("高龄津贴申领", "居家养老上门服务", "长者饭堂助餐补贴", "公办养老院入住"),
        },
    ),
    Topic(
        key="disability",
        label="残疾人补贴",
        category="民政/社会救助/其他",
        unit="disabled",
        alt=("civil_affairs", TERRITORIAL),
        types=mix(consult=0.75, help=0.2, complaint=0.05),
        weight=15,
        close_rate=0.7,
        place="none",
        bodies=("其{relative}为{level}残疾，{issue}。",),
        demands=("希望残联协助办理", "{urge}"),
        questions=("咨询{q}。", "其{relative}为{level}残疾，咨询{q}。"),
        answers=("已告知市民：{q}可向户籍所在镇街残联专职委员申请，所需材料为身份证、残疾人证。",),
        replies=("经核查，我会已于{rdate}联系市民，指导其通过镇街残联办理补贴申请。",),
        slots={
            "relative": ("其儿子", "其本人", "其母亲", "其丈夫"),
            "level": ("二级肢体", "一级视力", "三级智力", "四级听力"),
            "issue": ("残疾人两项补贴停发了", "申请残疾证评定排期太久", "无障碍设施被占用"),
            "q": ("残疾证办理流程", "残疾人两项补贴申领", "辅具适配申请", "残疾人就业补贴"),
        },
    ),
    Topic(
        key="subsistence",
        label="低保与困难救助",
        category="民政/社会救助/城镇低保",
        unit="civil_affairs",
        alt=(TERRITORIAL,),
        types=mix(consult=0.55, help=0.35, complaint=0.1),
        weight=6,
        difficulty=0.5,
        close_rate=0.6,
        place="village",
        bodies=("其家庭{hardship}，{issue}。",),
        demands=("希望给予救助", "要求核实低保审批", "{urge}"),
        questions=(
            "咨询申请最低生活保障的条件和流程。",
            "其家庭{hardship}，咨询能否申请临时救助。",
        ),
        answers=(
            "已告知市民：低保和临时救助可向户籍所在镇街社会救助服务窗口申请，需提供家庭收入材料。",
        ),
        replies=("经核查，我局已于{rdate}会同镇街入户核查，符合条件的已纳入临时救助。",),
        slots={
            "hardship": ("丈夫患癌住院", "因病致贫", "单亲抚养两个孩子", "老人无儿无女"),
            "issue": ("申请低保被退回", "低保金停发了", "临时救助申请两个月没结果"),
        },
    ),
    Topic(
        key="veterans",
        label="退役军人事务",
        category="民政/优抚/老退役军人待遇",
        unit="veterans",
        alt=("civil_affairs", "hrss"),
        types=mix(consult=0.7, help=0.2, complaint=0.1),
        weight=9,
        close_rate=0.7,
        place="none",
        bodies=("其为退役军人，{issue}。",),
        demands=("希望退役军人事务局核实", "{urge}"),
        questions=("其为退役军人，咨询{q}。",),
        answers=("已告知市民：{q}可向所在镇街退役军人服务站咨询办理，携带退伍证和身份证。",),
        replies=("经核查，我局已于{rdate}联系该退役军人，协助其办理相关手续。",),
        slots={
            "issue": ("优待证申领后一直没收到", "优抚金今年没有到账", "安置工作迟迟没有落实"),
            "q": ("退役军人优待证申领", "军龄视同缴费年限认定", "优抚对象待遇", "就业创业扶持"),
        },
    ),
)
