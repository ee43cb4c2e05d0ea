"""Topics of streets and public spaces: roads, lights, trees, stray dogs."""

from __future__ import annotations

from hotline.demo.topics import TERRITORIAL, Topic, mix

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="stray_dogs",
        label="流浪犬伤人扰民",
        category="城乡建设/城市建设和市政管理/其他",
        unit=TERRITORIAL,
        alt=("police", "agriculture", "urban"),
        types=mix(complaint=0.55, help=0.35, consult=0.1),
        weight=9,
        place="any",
        bodies=(
            "{place}附近有{n}条流浪狗，{dog}，{kid}上学很害怕。",
            "{estate}有流浪狗聚集，{dog}，{dur}，物业说不归他们管。",
            "{place}有人养的狗不拴绳，{dog}，已经有人被咬伤。",
        ),
        demands=("要求相关部门收容流浪犬", "希望尽快处理，消除安全隐患", "{urge}"),
        replies=("{rdate}{we}已联系犬只收容单位到{place}捕捉流浪犬{n}只，并加强巡查。",),
        slots={"dog": ("晚上狂吠", "追咬路人", "到处大小便", "翻垃圾桶", "咬伤了一名老人")},
    ),
    Topic(
        key="greenery",
        label="树木修剪倒伏",
        category="城乡建设/城市建设和市政管理/园林绿化",
        unit="urban",
        alt=(TERRITORIAL, "housing"),
        types=mix(help=0.5, complaint=0.3, suggestion=0.15, consult=0.05),
        weight=8,
        season="rain",
        urgent=0.1,
        place="road",
        bodies=(
            "{place}路边大树{tree}，{risk}。",
            "{place}行道树{tree}，{dur}没人修剪，{risk}。",
            "台风过后{place}有树木倒伏，{risk}。",
        ),
        demands=("要求园林部门尽快修剪", "希望派人清理倒伏树木", "{urge}"),
        suggestions=("建议在{place}补种行道树并增加遮阴，夏天太晒了。",),
        replies=("{rdate}我局已安排园林养护单位对{place}树木进行修剪清理，现已消除隐患。",),
        slots={
            "tree": ("树枝快压到电线", "严重倾斜", "枝叶遮挡了路灯和红绿灯", "树根把人行道拱坏"),
            "risk": ("随时可能倒下砸到人", "影响行人安全", "存在安全隐患", "挡住车辆视线"),
        },
    ),
    Topic(
        key="streetlight",
        label="路灯不亮",
        category="城乡建设/城市建设和市政管理/城市公共设施",
        unit="urban",
        alt=(TERRITORIAL, "power"),
        types=mix(help=0.45, complaint=0.45, suggestion=0.1),
        weight=9,
        season="winter",
        place="road",
        bodies=(
            "{place}路段{n}盏路灯不亮，{dur}，晚上路很黑，{risk}。",
            "{place}路灯{since}时亮时不亮，{risk}。",
            "{village}村道没有路灯，晚上漆黑一片，{risk}。",
        ),
        demands=("要求尽快维修路灯", "希望安装路灯", "{urge}"),
        replies=("经核查，{rdate}我局已安排路灯维护单位更换{place}故障灯具，现已恢复照明。",),
        slots={"risk": ("行人容易摔倒", "存在治安隐患", "女生晚上回家很害怕", "电动车容易出事")},
    ),
    Topic(
        key="road_damage",
        label="道路破损井盖缺失",
        category="城乡建设/城市建设和市政管理/城市公共设施",
        unit="housing",
        alt=("transport", TERRITORIAL, "urban"),
        types=mix(complaint=0.55, help=0.3, suggestion=0.1, consult=0.05),
        weight=14,
        season="rain",
        urgent=0.05,
        clarity=0.55,
        place="road",
        bodies=(
            "{place}路面{damage}，{dur}，{risk}。",
            "{place}有一个井盖{lid}，{risk}。",
            "{place}人行道砖{damage}，下雨后一踩一脚泥水。",
        ),
        demands=("要求尽快修复路面", "希望相关部门派人维修", "{urge}"),
        replies=("经核查，{place}道路由我局养护，已于{rdate}安排养护单位完成修补，现已恢复通行。",),
        slots={
            "damage": ("坑坑洼洼", "塌陷了一个大坑", "开裂严重", "沥青翻起", "松动破损"),
            "lid": ("缺失了", "破损下陷", "松动一踩就响", "被车压坏了"),
            "risk": ("电动车经过容易摔倒", "已有人摔伤", "晚上看不清很危险", "车辆经过颠簸很大"),
        },
    ),
)
