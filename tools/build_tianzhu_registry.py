"""Write the embedded Tianzhu-like registry under data/registry/.

This script documents where the default registry came from; the CSV files it
writes are the registry, and another county replaces them, not this script.

Facts used (public): Tianzhu County, code 620623, seat at Huazangsi
(103.138E, 36.971N); the 19 real towns and townships with their statistical
codes; Dachaigou's 17 villages (Anjiahe among them, 3,591 households,
15,717 people). Assumed: a 20th practice institute for the county-seat
communities (code 620623400), the grouping of towns into five districts, the
other village names (built from common local name parts), populations,
households and station coordinates around the town seats.

Run: uv run python tools/build_tianzhu_registry.py
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "registry"
COUNTY = "620623"

# code suffix, name, lon, lat, stations, population, district
TOWNS = [
    ("100", "华藏寺镇", 103.138, 36.971, 19, 34000, 1),
    ("101", "打柴沟镇", 103.010, 37.120, 17, 15717, 2),
    ("102", "安远镇", 102.880, 37.240, 13, 12500, 3),
    ("103", "炭山岭镇", 102.810, 37.300, 10, 7400, 2),
    ("104", "哈溪镇", 102.560, 37.470, 10, 8200, 3),
    ("105", "赛什斯镇", 102.720, 36.840, 12, 8900, 5),
    ("106", "石门镇", 102.930, 37.050, 11, 8100, 2),
    ("107", "松山镇", 103.500, 37.130, 11, 8600, 4),
    ("108", "天堂镇", 102.580, 36.690, 10, 7600, 5),
    ("109", "朵什镇", 103.020, 36.790, 9, 6300, 1),
    ("110", "西大滩镇", 103.290, 37.000, 8, 5600, 4),
    ("111", "抓喜秀龙镇", 102.760, 37.170, 9, 5200, 2),
    ("112", "大红沟镇", 103.330, 36.870, 8, 5400, 4),
    ("113", "祁连镇", 102.420, 37.610, 8, 5100, 3),
    ("200", "东大滩乡", 103.400, 37.230, 7, 4300, 4),
    ("201", "旦马乡", 102.300, 37.720, 7, 3900, 3),
    ("202", "东坪乡", 103.250, 36.760, 7, 4500, 1),
    ("203", "赛拉隆乡", 102.480, 36.800, 6, 3300, 5),
    ("204", "毛藏乡", 102.250, 37.280, 6, 3100, 5),
    ("400", "县城社区", 103.150, 36.985, 10, 12000, 1),
]

DISTRICTS = {
    1: ("PQ1", "华藏寺片区分中心", "100"),
    2: ("PQ2", "打柴沟片区分中心", "101"),
    3: ("PQ3", "安远片区分中心", "102"),
    4: ("PQ4", "松山片区分中心", "107"),
    5: ("PQ5", "天堂片区分中心", "108"),
}

REAL_VILLAGES = {
    "101": [
        "打柴沟村",
        "大庄村",
        "铁腰村",
        "安家河村",
        "火石沟村",
        "下十八村",
        "友谊村",
        "大湾村",
        "安门村",
        "金强驿村",
        "石灰沟村",
        "深沟村",
        "上河东村",
        "下河东村",
        "石板沟村",
        "庙儿沟村",
        "多隆村",
    ],
}
COMMUNITIES = [
    "城关社区",
    "新华社区",
    "雪山社区",
    "天马社区",
    "祁连路社区",
    "南街社区",
    "北街社区",
    "华藏社区",
    "团结社区",
    "和谐社区",
    "滨河社区",
    "金强社区",
    "东城社区",
    "西城社区",
    "乌鞘岭社区",
]
PREFIXES = [
    "上",
    "下",
    "大",
    "小",
    "东",
    "西",
    "南",
    "北",
    "红",
    "黑",
    "白",
    "青",
    "金",
    "马",
    "羊",
    "松",
    "柳",
    "石",
    "水",
    "古",
    "新",
    "阳",
    "岔",
    "泉",
    "旗",
    "草",
    "牛",
    "龙",
    "鹿",
    "杨",
]
MIDDLES = ["", "", "", "山", "家", "河", "台", "崖", "坝", "沙", "湖", "林"]
SUFFIXES = ["沟", "滩", "台", "庄", "坪", "湾", "河", "岭", "口", "寨", "坡", "堡", "圈", "洼"]

# platform, team name, lead department
COUNTY_TEAMS = [
    ("理论政策宣讲", "理论政策宣讲志愿服务队", "县委宣传部"),
    ("高质量发展", "高质量发展志愿服务队", "县发展和改革局"),
    ("教育科技", "教育科技志愿服务队", "县教育局"),
    ("卫生健康", "卫生健康志愿服务队", "县卫生健康局"),
    ("法律援助", "法律援助志愿服务队", "县司法局"),
    ("文体旅游", "文体旅游志愿服务队", "县文体广电和旅游局"),
    ("时代新风传播", "时代新风传播志愿服务队", "县文明办"),
    ("生态环境保护", "生态环境保护志愿服务队", "市生态环境局天祝分局"),
    ("爱心公益奉献", "爱心公益奉献志愿服务队", "团县委"),
]
TOWN_TEAM_KINDS = [
    ("理论政策宣讲", "理论宣讲志愿服务队"),
    ("爱心公益奉献", "巾帼志愿服务队"),
    ("卫生健康", "卫生健康志愿服务队"),
    ("文体旅游", "文艺志愿服务队"),
    ("法律援助", "法律明白人志愿服务队"),
    ("生态环境保护", "生态护林志愿服务队"),
    ("教育科技", "科技服务志愿服务队"),
]

# name, platform, home town suffix or "" for county-wide, description
BRANDS = [
    ("马背宣讲", "理论政策宣讲", "", "骑马深入牧区宣讲政策"),
    ("长寿食堂", "爱心公益奉献", "100", "为高龄老人提供助餐服务"),
    ("您的银发·我的牵挂", "爱心公益奉献", "", "关爱空巢独居老人"),
    ("插上天使的翅膀", "教育科技", "", "关爱留守儿童"),
    ("假日小课堂", "教育科技", "400", "节假日青少年课外辅导"),
    ("华锐讲堂", "理论政策宣讲", "100", "县城理论宣讲品牌"),
    ("帐篷宣讲", "理论政策宣讲", "108", "牧区帐篷里的微宣讲"),
    ("乌鞘岭上红马甲", "爱心公益奉献", "101", "交通要道志愿服务"),
    ("金强河畔讲文明", "时代新风传播", "101", "移风易俗宣传"),
    ("雪域健康行", "卫生健康", "", "巡回义诊和健康讲座"),
    ("法律明白人", "法律援助", "", "乡村法律明白人培养"),
    ("祁连山生态卫士", "生态环境保护", "113", "祁连山生态巡护"),
    ("天堂寺文旅服务", "文体旅游", "108", "景区文明引导"),
    ("草原文艺轻骑兵", "文体旅游", "", "送文艺下乡"),
    ("牦牛产业科技服务", "高质量发展", "104", "牦牛养殖技术服务"),
    ("高原夏菜田间课堂", "高质量发展", "107", "高原夏菜种植指导"),
    ("道德积分爱心超市", "时代新风传播", "", "以积分兑换促文明新风"),
    ("红白理事会", "时代新风传播", "102", "婚事新办丧事简办"),
    ("安远驿站暖心行", "爱心公益奉献", "102", "困难群众帮扶"),
    ("松山滩护林队", "生态环境保护", "107", "植树护林"),
    ("巾帼家美积分", "时代新风传播", "106", "美丽庭院创建"),
    ("少年宫快乐周末", "教育科技", "100", "乡村学校少年宫活动"),
    ("民族团结一家亲", "理论政策宣讲", "105", "民族团结进步宣传"),
    ("应急救护进万家", "卫生健康", "400", "应急救护培训"),
    ("农家书屋悦读", "文体旅游", "109", "农家书屋阅读推广"),
]

THEMES = [
    (1, "新春送福", "文体旅游"),
    (2, "文明过大年", "时代新风传播"),
    (3, "学雷锋志愿服务", "爱心公益奉献"),
    (4, "清明祭英烈", "理论政策宣讲"),
    (5, "劳动创造幸福", "高质量发展"),
    (6, "关爱未成年人", "教育科技"),
    (7, "党的光辉照华锐", "理论政策宣讲"),
    (8, "生态文明建设", "生态环境保护"),
    (9, "庆丰收促和美", "高质量发展"),
    (10, "孝老爱亲敬老月", "爱心公益奉献"),
    (11, "法治宣传进万家", "法律援助"),
    (12, "移风易俗树新风", "时代新风传播"),
]

# group, category, item, min, max, per, season months, season min, season max
CATALOGUE = [
    ("爱党爱国", "基础分", "参加升国旗仪式", 2, 5, "每次", "", "", ""),
    ("爱党爱国", "基础分", "参加理论宣讲", 1, 5, "每次", "", "", ""),
    ("爱党爱国", "贡献分", "子女参军入伍", 100, 300, "每人", "", "", ""),
    ("爱党爱国", "基础分", "参加党史学习", 1, 5, "每次", "", "", ""),
    ("爱党爱国", "评议分", "悬挂国旗规范", 2, 5, "每月", "", "", ""),
    ("爱党爱国", "贡献分", "获县级以上表彰", 100, 2000, "每项", "", "", ""),
    ("爱党爱国", "扣分", "传播不当言论", -20, -5, "每次", "", "", ""),
    ("爱党爱国", "贡献分", "民族团结先进", 50, 200, "每项", "", "", ""),
    ("爱党爱国", "基础分", "参加村民大会", 2, 5, "每次", "", "", ""),
    ("爱党爱国", "评议分", "红旗户", 10, 30, "每季度", "", "", ""),
    ("遵规守法", "基础分", "参加法治讲座", 1, 5, "每次", "", "", ""),
    ("遵规守法", "评议分", "无违法违纪", 5, 10, "每季度", "", "", ""),
    ("遵规守法", "扣分", "违规建房", -50, -10, "每次", "", "", ""),
    ("遵规守法", "扣分", "聚众赌博", -50, -20, "每次", "", "", ""),
    ("遵规守法", "基础分", "按时缴纳医保", 5, 10, "每年", "", "", ""),
    ("遵规守法", "基础分", "调解邻里纠纷", 2, 10, "每次", "", "", ""),
    ("遵规守法", "扣分", "无理上访", -30, -10, "每次", "", "", ""),
    ("遵规守法", "贡献分", "举报违法线索", 10, 50, "每次", "", "", ""),
    ("遵规守法", "扣分", "黄星户", -2, -2, "每次", "", "", ""),
    ("遵规守法", "评议分", "红星户", 3, 3, "每次", "", "", ""),
    ("孝老爱亲", "评议分", "赡养老人好", 5, 20, "每季度", "", "", ""),
    ("孝老爱亲", "评议分", "好媳妇好婆婆", 10, 30, "每年", "", "", ""),
    ("孝老爱亲", "扣分", "不赡养老人", -50, -10, "每次", "", "", ""),
    ("孝老爱亲", "贡献分", "考入大学", 50, 100, "每人", "", "", ""),
    ("孝老爱亲", "基础分", "参加家长会", 1, 3, "每次", "", "", ""),
    ("孝老爱亲", "评议分", "家庭和睦", 5, 10, "每季度", "", "", ""),
    ("孝老爱亲", "扣分", "家庭暴力", -50, -20, "每次", "", "", ""),
    ("孝老爱亲", "贡献分", "照顾孤寡老人", 5, 20, "每次", "", "", ""),
    ("孝老爱亲", "基础分", "适龄儿童入学", 5, 10, "每年", "", "", ""),
    ("孝老爱亲", "评议分", "最美家庭", 20, 100, "每年", "", "", ""),
    ("人居环境", "基础分", "清理垃圾", 1, 10, "每次", "", "", ""),
    ("人居环境", "基础分", "庭院整洁", 2, 5, "每月", "", "", ""),
    ("人居环境", "评议分", "美丽庭院", 10, 30, "每季度", "", "", ""),
    ("人居环境", "扣分", "乱堆乱放", -10, -2, "每次", "", "", ""),
    ("人居环境", "扣分", "乱倒垃圾", -10, -2, "每次", "", "", ""),
    ("人居环境", "基础分", "参加植树造林", 2, 10, "每次", "", "", ""),
    ("人居环境", "基础分", "改厕改圈", 5, 20, "每项", "", "", ""),
    ("人居环境", "贡献分", "捐资修路", 20, 500, "每次", "", "", ""),
    ("人居环境", "基础分", "门前三包", 1, 5, "每月", "", "", ""),
    ("人居环境", "基础分", "参加春耕秋收互助", 2, 5, "每次", "4,5,9,10", 5, 10),
    ("人居环境", "基础分", "参加草原防火巡查", 2, 5, "每次", "", "", ""),
    ("人居环境", "扣分", "焚烧秸秆", -20, -5, "每次", "", "", ""),
    ("乡风文明", "基础分", "婚事新办", 10, 30, "每次", "", "", ""),
    ("乡风文明", "基础分", "丧事简办", 10, 30, "每次", "", "", ""),
    ("乡风文明", "扣分", "高价彩礼", -100, -20, "每次", "", "", ""),
    ("乡风文明", "扣分", "大操大办", -50, -10, "每次", "", "", ""),
    ("乡风文明", "基础分", "参加文体活动", 1, 5, "每次", "", "", ""),
    ("乡风文明", "评议分", "文明户", 10, 20, "每季度", "", "", ""),
    ("乡风文明", "基础分", "参加农家书屋阅读", 1, 3, "每次", "", "", ""),
    ("乡风文明", "贡献分", "文艺演出获奖", 20, 100, "每次", "", "", ""),
    ("乡风文明", "基础分", "拒绝封建迷信", 2, 5, "每季度", "", "", ""),
    ("乡风文明", "基础分", "参加志愿服务", 2, 10, "每次", "", "", ""),
    ("乡风文明", "贡献分", "见义勇为", 100, 500, "每次", "", "", ""),
    ("乡风文明", "贡献分", "无偿献血", 10, 30, "每次", "", "", ""),
    ("乡风文明", "基础分", "参加义务劳动", 2, 10, "每次", "4,5,9,10", 5, 15),
    ("乡风文明", "贡献分", "捐款捐物", 5, 100, "每次", "", "", ""),
    ("乡风文明", "基础分", "参加应急救援", 5, 20, "每次", "", "", ""),
    ("乡风文明", "基础分", "帮扶困难户", 2, 10, "每次", "", "", ""),
    ("乡风文明", "评议分", "优秀志愿者", 10, 50, "每年", "", "", ""),
    ("乡风文明", "扣分", "虚报志愿时长", -20, -5, "每次", "", "", ""),
]


def village_names(rng: random.Random, suffix: str, n: int, taken: set[str]) -> list[str]:
    """Real names where known, then plausible built names, never repeated in the county."""
    names = [v for v in REAL_VILLAGES.get(suffix, [])][:n]
    while len(names) < n:
        name = rng.choice(PREFIXES) + rng.choice(MIDDLES) + rng.choice(SUFFIXES) + "村"
        if name not in taken and name not in names:
            names.append(name)
    taken.update(names)
    return names


def split(total: int, n: int, rng: random.Random) -> list[int]:
    """Split total into n positive parts with some spread, summing exactly."""
    w = [rng.uniform(0.5, 1.8) for _ in range(n)]
    parts = [max(80, int(total * x / sum(w))) for x in w]
    parts[0] += total - sum(parts)
    return parts


def main() -> None:
    rng = random.Random(620623)
    OUT.mkdir(parents=True, exist_ok=True)
    units: list[dict] = []
    county_pop = sum(t[5] for t in TOWNS)
    county_hh = 0
    units.append(
        dict(
            code=COUNTY,
            name="天祝县新时代文明实践中心",
            kind="county",
            parent_code="",
            population=county_pop,
            households=0,
            longitude=103.138,
            latitude=36.971,
        )
    )
    town_seat = {t[0]: (t[2], t[3]) for t in TOWNS}
    for d, (sfx, name, town) in DISTRICTS.items():
        towns = [t for t in TOWNS if t[6] == d]
        lon, lat = town_seat[town]
        units.append(
            dict(
                code=f"{COUNTY}-{sfx}",
                name=name,
                kind="subcentre",
                parent_code=COUNTY,
                population=sum(t[5] for t in towns),
                households=0,
                longitude=lon,
                latitude=lat,
            )
        )
    taken: set[str] = set()
    stations: list[dict] = []
    institutes: list[dict] = []
    for sfx, tname, lon, lat, n, pop, d in TOWNS:
        tcode = COUNTY + sfx
        inst = dict(
            code=tcode,
            name=f"{tname}新时代文明实践所",
            kind="institute",
            parent_code=f"{COUNTY}-{DISTRICTS[d][0]}",
            population=pop,
            households=0,
            longitude=lon,
            latitude=lat,
        )
        institutes.append(inst)
        if sfx == "400":
            names = COMMUNITIES[5:15]
        elif sfx == "100":
            names = COMMUNITIES[:5] + village_names(rng, sfx, n - 5, taken)
        else:
            names = village_names(rng, sfx, n, taken)
        pops = split(pop, n, rng)
        hh_total = 0
        for i, (vname, vpop) in enumerate(zip(names, pops, strict=True)):
            is_community = vname.endswith("社区")
            vcode = tcode + (f"{i + 1:03d}" if is_community else f"{200 + i + 1:03d}")
            size = 3.0 if is_community else rng.uniform(3.3, 4.1)
            hh = max(20, round(vpop / size))
            hh_total += hh
            r = rng.uniform(0.012, 0.09)
            a = rng.uniform(0, 2 * math.pi)
            stations.append(
                dict(
                    code=vcode,
                    name=f"{vname}新时代文明实践站",
                    kind="station",
                    parent_code=tcode,
                    population=vpop,
                    households=hh,
                    longitude=round(lon + r * math.cos(a) * 1.25, 4),
                    latitude=round(lat + r * math.sin(a), 4),
                )
            )
        inst["households"] = hh_total
        county_hh += hh_total
    units[0]["households"] = county_hh
    for u in units[1:6]:
        towns = {COUNTY + t[0] for t in TOWNS if f"{COUNTY}-{DISTRICTS[t[6]][0]}" == u["code"]}
        u["households"] = sum(i["households"] for i in institutes if i["code"] in towns)
    units += institutes + stations
    fields = [
        "code",
        "name",
        "kind",
        "parent_code",
        "population",
        "households",
        "longitude",
        "latitude",
    ]
    write(OUT / "units.csv", fields, units)

    teams: list[dict] = []
    for i, (platform, name, dept) in enumerate(COUNTY_TEAMS, 1):
        teams.append(
            dict(
                code=f"{COUNTY}-DW{i:02d}",
                name=f"天祝县{name}",
                level="county",
                parent_code=COUNTY,
                platform=platform,
                lead_department=dept,
            )
        )
    # 198 village teams (one per station) + 125 town teams = 323
    town_teams_needed = 323 - len(stations)
    per_town = [town_teams_needed // len(institutes)] * len(institutes)
    for i in range(town_teams_needed - sum(per_town)):
        per_town[i] += 1
    for inst, k in zip(institutes, per_town, strict=True):
        tname = inst["name"].removesuffix("新时代文明实践所")
        for j in range(k):
            platform, kind = TOWN_TEAM_KINDS[j % len(TOWN_TEAM_KINDS)]
            teams.append(
                dict(
                    code=f"{inst['code']}-DW{j + 1:02d}",
                    name=f"{tname}{kind}",
                    level="town",
                    parent_code=inst["code"],
                    platform=platform,
                    lead_department=f"{tname}人民政府",
                )
            )
    for s in stations:
        vname = s["name"].removesuffix("新时代文明实践站")
        teams.append(
            dict(
                code=f"{s['code']}-DW01",
                name=f"{vname}志愿服务队",
                level="village",
                parent_code=s["code"],
                platform="爱心公益奉献",
                lead_department=f"{vname}党支部",
            )
        )
    write(
        OUT / "teams.csv",
        ["code", "name", "level", "parent_code", "platform", "lead_department"],
        teams,
    )

    write(
        OUT / "brand_projects.csv",
        ["name", "platform", "home_code", "description"],
        [
            dict(name=n, platform=p, home_code=(COUNTY + h if h else COUNTY), description=d)
            for n, p, h, d in BRANDS
        ],
    )
    write(
        OUT / "themes.csv",
        ["month", "theme", "platform"],
        [dict(month=m, theme=t, platform=p) for m, t, p in THEMES],
    )
    rows = []
    for i, (g, c, item, lo, hi, per, sm, smin, smax) in enumerate(CATALOGUE, 1):
        rows.append(
            dict(
                item_code=f"JF{i:03d}",
                group=g,
                category=c,
                item=item,
                min_points=lo,
                max_points=hi,
                per=per,
                season_months=sm,
                season_min=smin,
                season_max=smax,
            )
        )
    write(
        OUT / "points_catalogue.csv",
        [
            "item_code",
            "group",
            "category",
            "item",
            "min_points",
            "max_points",
            "per",
            "season_months",
            "season_min",
            "season_max",
        ],
        rows,
    )


def write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{path.name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
