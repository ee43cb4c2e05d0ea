"""The paraphrases of the planted bursts (each replaces its topic's phrase banks)."""

from __future__ import annotations

__all__ = ["BURST_TEXTS"]

BURST_TEXTS: dict[str, dict[str, object]] = {
    "burst-renhe-wages-2026-01": {
        "bodies": (
            "其在{place}做{job}，包工头拖欠{workers}工资{money}，{boss}，马上过年了急着回家。",
            "{place}的劳务班组拖欠工资{money}，{workers}去项目部讨薪，项目部说工程款没结。",
            "其是{place}的{job}，{owed}，总包单位和劳务公司互相推诿。",
            "{workers}在人和{place}干了大半年，{owed}，{boss}。",
            "人和镇高增那个安置房工地欠了{workers}的工钱，{boss}，年前拿不到钱回不了家。",
        ),
        "questions": ("其在{place}做工被拖欠工资，咨询年前能不能拿到钱、找哪个部门。",),
        "demands": (
            "要求劳动监察部门尽快介入，年前结清工资",
            "希望政府帮忙讨回血汗钱",
            "要求总包单位先行垫付拖欠的工资",
        ),
    },
    "burst-jianggao-bus-2026-03": {
        "bodies": (
            "{route}路公交{since2}改线，不再经过{village}，{effect}。",
            "{route}路调整后{village}站取消了，{effect}，事先也没有征求居民意见。",
            "江高镇{route}路改线后班次从10分钟一班变成半小时一班，{effect}。",
            "{village}村民反映{route}路公交改道，{effect}。",
            "{place}原来的{route}路站点撤了，{effect}，村里很多老人都在问。",
        ),
        "suggestions": (
            "建议{route}路恢复经过{village}的原线路，或者开通接驳车到神山地铁站。",
            "建议{route}路改线后在{village}增设临时站点，方便老人小孩出行。",
        ),
        "questions": (
            "咨询{route}路改线后在{village}附近哪里可以上车，首末班车时间。",
            "咨询江高{route}路为什么改线，还会不会恢复。",
        ),
        "demands": (
            "要求恢复{route}路原线路",
            "希望增加班次或开通接驳车",
            "要求公开线路调整的依据",
        ),
        "slots": {
            "route": ("776",),
            "since2": ("从3月1日起", "这个月开始", "本周一起", "从这周起"),
            "effect": (
                "老人去镇上看病要走二十分钟",
                "学生上学要提前半小时出门",
                "上班要转两趟车",
                "雨天出行很不方便",
                "村里几百人出行受影响",
            ),
        },  # fmt: skip
    },
    "burst-taihe-odour-2026-05": {
        "bodies": (
            "{place}附近的垃圾处理厂{since2}臭味特别大，{effect}，{night}最严重。",
            "太和{village}一带{since2}一直闻到垃圾臭味，风一吹整个村都是，{effect}。",
            "{village}旁边的垃圾处理场{issue}，{effect}。",
            "其住在{estate}，{since2}晚上开窗就是一股垃圾发酵的酸臭味，{effect}。",
            "{place}臭气熏天，{since2}越来越严重，{effect}，怀疑垃圾处理厂出了问题。",
        ),
        "questions": ("咨询太和{village}附近垃圾处理厂的臭味是否有毒、有没有监测数据。",),
        "demands": (
            "要求彻查臭味来源并整改",
            "要求公开环境监测数据",
            "希望尽快解决异味问题，还居民清新空气",
        ),
        "slots": {
            "since2": ("这几天", "从上周末开始", "最近一个星期", "连续几天", "这两天"),
            "effect": (
                "家里老人小孩头晕恶心",
                "晚上根本不敢开窗睡觉",
                "孩子咳嗽不止",
                "衣服晾在外面都是臭味",
                "吃饭都没胃口",
            ),
            "issue": ("渗滤液味道刺鼻", "垃圾车进出频繁撒漏", "处理设施好像没有正常运行"),
        },  # fmt: skip
    },
    "burst-shijing-flood-2026-06": {
        "bodies": (
            "{place}暴雨后水浸，积水{depth}，{loss}，现在雨还在下。",
            "石井{village}一带严重水浸，{loss}，{elder}被困在家里。",
            "{road}凰岗路段积水{depth}，{loss}。",
            "{place}的排水渠排不出水，积水{depth}，{loss}。",
            "凰岗这边又水浸了，{loss}，每年都这样。",
        ),
        "demands": ("请求尽快派人排水", "要求彻底整治凰岗内涝点", "希望立即派人救助被困群众"),
    },
    "burst-tonghe-water-2026-07": {
        "bodies": (
            "{place}从{when}开始停水，到现在{dur2}，{need}，物业说是市政管道问题。",
            "{estate}全小区停水{dur2}了，{need}，自来水公司热线一直打不进。",
            "{place}停水第{nth}天，{need}，送水车只来了一次，根本不够用。",
            "{estate}{n}栋停水{dur2}，{elder}{age}，天气这么热实在受不了，{need}。",
            "同和{estate}大面积停水，{dur2}没有水，{need}，也没有任何停水通知。",
        ),
        "questions": (
            "{estate}停水{dur2}了，咨询什么时候恢复供水。",
            "咨询同和街道{estate}停水原因和恢复时间。",
            "{place}一直没水，咨询有没有送水车、在哪里可以取水。",
        ),
        "demands": (
            "要求尽快恢复供水",
            "要求增派送水车",
            "要求自来水公司说明停水原因和恢复时间",
            "要求追究责任并赔偿损失",
        ),
        "slots": {
            "when": ("14日早上", "前天早上", "昨天上午", "周二早上六点多"),
            "dur2": ("一天多", "两天了", "快三天", "40多个小时", "整整一天"),
            "nth": ("二", "三"),
            "need": (
                "饭都做不了",
                "厕所都冲不了",
                "家里有婴儿急需用水",
                "几百户人家没水洗澡",
                "开的小店没法营业",
            ),
        },  # fmt: skip
    },
}
