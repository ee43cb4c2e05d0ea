"""Places outside the district: other districts of Guangzhou, other cities, abroad.

A matter that happens there is not the district's (退回市平台, or explained to the caller);
one that only came from there (社保从东莞转来, 湖南老家) still is.
"""

from __future__ import annotations

import re

from hotline.intel.places import Gazetteer

RETURN_TO_CITY = "return_to_city"
EXPLAIN = "explain"

GUANGZHOU_DISTRICTS = (
    "天河",
    "海珠",
    "越秀",
    "荔湾",
    "番禺",
    "黄埔",
    "花都",
    "南沙",
    "从化",
    "增城",
)
# Well-known places of the other districts of Guangzhou, for calls that name no district.
OTHER_DISTRICT_PLACES = {
    "体育西路": "天河区",
    "珠江新城": "天河区",
    "天河城": "天河区",
    "岗顶": "天河区",
    "石牌": "天河区",
    "五山": "天河区",
    "车陂": "天河区",
    "员村": "天河区",
    "东圃": "天河区",
    "猎德": "天河区",
    "天河公园": "天河区",
    "广州东站": "天河区",
    "江南西": "海珠区",
    "客村": "海珠区",
    "琶洲": "海珠区",
    "广州塔": "海珠区",
    "中大布匹": "海珠区",
    "赤岗": "海珠区",
    "北京路": "越秀区",
    "东山口": "越秀区",
    "农讲所": "越秀区",
    "公园前": "越秀区",
    "上下九": "荔湾区",
    "芳村": "荔湾区",
    "花地湾": "荔湾区",
    "西关": "荔湾区",
    "市桥": "番禺区",
    "大石街": "番禺区",
    "祈福": "番禺区",
    "长隆": "番禺区",
    "钟村": "番禺区",
    "科学城": "黄埔区",
    "萝岗": "黄埔区",
    "知识城": "黄埔区",
    "大沙地": "黄埔区",
    "新华街": "花都区",
    "狮岭": "花都区",
    "花都广场": "花都区",
    "新塘": "增城区",
    "荔城": "增城区",
    "街口": "从化区",
    "温泉镇": "从化区",
    "蕉门": "南沙区",
    "黄阁": "南沙区",
    "天河北": "天河区",
    "林和西": "天河区",
    "冼村": "天河区",
    "龙洞": "天河区",
    "天河客运站": "天河区",
    "正佳广场": "天河区",
    "太古汇": "天河区",
    "花城广场": "天河区",
    "花城大道": "天河区",
    "天河南": "天河区",
    "岑村": "天河区",
    "奥体中心": "天河区",
    "石牌桥": "天河区",
    "华南师范": "天河区",
    "暨南大学": "天河区",
    "科韵路": "天河区",
    "滨江东": "海珠区",
    "昌岗": "海珠区",
    "宝岗": "海珠区",
    "江燕路": "海珠区",
    "工业大道": "海珠区",
    "万胜围": "海珠区",
    "新港西": "海珠区",
    "沥滘": "海珠区",
    "海珠湖": "海珠区",
    "小洲村": "海珠区",
    "东风东": "越秀区",
    "环市东": "越秀区",
    "淘金路": "越秀区",
    "中山四路": "越秀区",
    "西门口": "越秀区",
    "一德路": "越秀区",
    "海珠广场": "越秀区",
    "流花": "越秀区",
    "解放北路": "越秀区",
    "越秀公园": "越秀区",
    "区庄": "越秀区",
    "杨箕": "越秀区",
    "五羊新城": "越秀区",
    "二沙岛": "越秀区",
    "农林下路": "越秀区",
    "陈家祠": "荔湾区",
    "长寿路": "荔湾区",
    "中山八": "荔湾区",
    "坑口": "荔湾区",
    "东漖": "荔湾区",
    "荔湾湖": "荔湾区",
    "大学城": "番禺区",
    "洛溪": "番禺区",
    "沙湾古镇": "番禺区",
    "石碁": "番禺区",
    "汉溪": "番禺区",
    "万博": "番禺区",
    "鱼珠": "黄埔区",
    "大沙东": "黄埔区",
    "文冲": "黄埔区",
    "香雪": "黄埔区",
    "九龙镇": "黄埔区",
    "长洲岛": "黄埔区",
    "花山镇": "花都区",
    "炭步": "花都区",
    "赤坭": "花都区",
    "梯面": "花都区",
    "芙蓉嶂": "花都区",
    "中新镇": "增城区",
    "派潭": "增城区",
    "石滩": "增城区",
    "鳌头": "从化区",
    "良口": "从化区",
    "吕田": "从化区",
    "横沥": "南沙区",
    "万顷沙": "南沙区",
    "东涌": "南沙区",
    "榄核": "南沙区",
    "明珠湾": "南沙区",
}
OTHER_CITIES = (
    "深圳",
    "佛山",
    "东莞",
    "珠海",
    "中山",
    "惠州",
    "江门",
    "清远",
    "肇庆",
    "汕头",
    "湛江",
    "韶关",
    "茂名",
    "揭阳",
    "梅州",
    "北京",
    "上海",
    "天津",
    "重庆",
    "香港",
    "澳门",
    "湖南",
    "湖北",
    "广西",
    "江西",
    "四川",
    "河南",
    "福建",
    "海南",
    "长沙",
    "武汉",
    "南宁",
    "云浮",
    "阳江",
    "潮州",
    "汕尾",
    "河源",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "西安",
    "郑州",
    "济南",
    "青岛",
    "厦门",
    "福州",
    "南昌",
    "贵阳",
    "昆明",
    "合肥",
    "沈阳",
    "哈尔滨",
    "海口",
    "三亚",
    "桂林",
    "柳州",
    "玉林",
    "衡阳",
    "赣州",
    "浙江",
    "江苏",
    "山东",
    "山西",
    "陕西",
    "河北",
    "辽宁",
    "吉林",
    "黑龙江",
    "贵州",
    "云南",
    "甘肃",
    "安徽",
    "新疆",
    "台湾",
)
PROVINCES = (
    "广西", "湖南", "湖北", "江西", "四川", "河南", "福建", "海南", "浙江", "江苏", "山东",
    "山西", "陕西", "河北", "辽宁", "吉林", "黑龙江", "贵州", "云南", "甘肃", "安徽",
)  # fmt: skip
# A province named right before a city or county: 湖北黄石市 and 安徽太和县 are not 黄石街道
# and 太和镇, whatever the gazetteer finds in them.
_PROVINCE_CITY = re.compile("(" + "|".join(PROVINCES) + r")省?[\u4e00-\u9fff]{1,4}?(?:市|县|州|区)")
# Matters abroad: no unit of the district can act on them.
FOREIGN_PLACES = (
    "美国", "英国", "法国", "德国", "意大利", "西班牙", "俄罗斯", "日本", "韩国", "泰国",
    "越南", "新加坡", "马来西亚", "印尼", "印度", "菲律宾", "柬埔寨", "缅甸", "老挝",
    "澳洲", "澳大利亚", "新西兰", "加拿大", "迪拜", "阿联酋", "东京", "大阪", "首尔",
    "曼谷", "纽约", "伦敦", "巴黎", "悉尼", "墨尔本", "温哥华", "非洲", "欧洲", "国外", "海外",
)  # fmt: skip
_ABROAD = "|".join(FOREIGN_PLACES)
# A country named as where something happens (在泰国, 美国签证), not inside a name (泓泰国际).
_FOREIGN = re.compile(
    f"(?:在|去|到|赴|往|飞|从)({_ABROAD})|({_ABROAD})(?:签证|留学|读书|旅游|旅行|注册|那边|那里|的)"
)
_OTHER_DISTRICT = re.compile("(" + "|".join(GUANGZHOU_DISTRICTS) + ")区")
_BARE_OTHER_DISTRICT = re.compile("(" + "|".join(GUANGZHOU_DISTRICTS) + ")")
_OTHER_PLACE = re.compile("|".join(sorted(OTHER_DISTRICT_PLACES, key=len, reverse=True)))
_OTHER_CITY_HERE = re.compile(
    "(?:在|到|去|位于|我住)("
    + "|".join(OTHER_CITIES)
    + ")|("
    + "|".join(OTHER_CITIES)
    + ")(?:市|区|县|省)"
)
# "I moved here from 东莞", "my 户籍 is in 湖南": another place named, the matter is here.
_OTHER_CITY_ADDRESS = re.compile("^(?:广东省)?(" + "|".join(OTHER_CITIES) + ")")
_MOVED_HERE = re.compile(r"老家|户籍|之前在|以前在|原来在|转到|转来|转回|回来|异地|外地")


def elsewhere(text: str, address: str, places: Gazetteer) -> tuple[str, str] | None:
    """Where outside the district the matter happens, and what to do: return it to the city
    platform (another district or city) or explain to the caller (abroad)."""
    here = places.locate(address).town or places.locate(text).town or "白云" in text + address
    found = _OTHER_DISTRICT.search(address) or (
        None if here else _OTHER_DISTRICT.search(text) or _BARE_OTHER_DISTRICT.search(address)
    )
    if found:
        where = found.group(1) + "区"
    elif not here and (hit := _OTHER_PLACE.search(address + " " + text)):
        where = OTHER_DISTRICT_PLACES[hit.group(0)]
    elif hit := _PROVINCE_CITY.search(address) or (
        None if _MOVED_HERE.search(text) else _PROVINCE_CITY.search(text)
    ):
        where = hit.group(0)
    elif not places.locate(address).town and (hit := _OTHER_CITY_ADDRESS.search(address)):
        where = hit.group(1)
    elif not here and (
        hit := _OTHER_CITY_HERE.search(address)
        or (None if _MOVED_HERE.search(text) else _OTHER_CITY_HERE.search(text))
    ):
        where = hit.group(1) or hit.group(2)
    elif not here and (hit := _FOREIGN.search(address + " " + text)):
        return hit.group(1) or hit.group(2), EXPLAIN
    else:
        return None
    return where, RETURN_TO_CITY
