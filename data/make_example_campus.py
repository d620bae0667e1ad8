"""Generate data/example-campus.json, the bundled example campus (deterministic; run
``python data/make_example_campus.py`` after editing). Two buildings (教学楼, 图书馆), a core pair,
a distribution pair per building, two access switches per floor (some dual-homed), PCs, printers
and APs with DZZXXXX-YYY labels, a data-centre switch with servers, clusters with min_up, and
services with dependencies."""

import json
import random
from collections import Counter
from pathlib import Path

rnd = random.Random(20261127)
cis, links, deps, groups = [], [], [], []
ROOMS = {
    ("01", "01", "01"): "网络中心机房",
    ("01", "01", "02"): "监控室",
    ("02", "01", "01"): "弱电间",
}


def loc(b, f, r, seat=None, name=None):
    d = {"building": b, "floor": f, "room": r}
    n = name or ROOMS.get((b, f, r))
    if n:
        d["name"] = n
    if seat is not None:
        d["seat"] = seat
    return d


macn = [0]


def mac(oui):
    macn[0] += 1
    n = macn[0]
    return f"{oui}:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"


def add(**kw):
    cis.append({k: v for k, v in kw.items() if v is not None})
    return kw["name"]


def link(a, ap, b, bp):
    links.append({"a": a, "a_port": ap, "b": b, "b_port": bp})


# --- core, firewall, router
for i in (1, 2):
    add(
        name=f"sw-core-{i}",
        **{"class": "switch"},
        role="core",
        ip=f"10.0.0.{i}",
        mac=mac("00:e0:fc"),
        serial=f"21023578{i}0HA000{i}",
        vendor="Huawei",
        model="S12708",
        platform="huawei_vrp",
        os="VRP",
        os_version="V200R022C00SPC500",
        location=loc("01", "01", "01", seat=i),
        label=f"D010101-{i:03d}",
    )
link("sw-core-1", "XGigabitEthernet1/0/47", "sw-core-2", "XGigabitEthernet1/0/47")
link("sw-core-1", "XGigabitEthernet1/0/48", "sw-core-2", "XGigabitEthernet1/0/48")
add(
    name="fw-1",
    **{"class": "firewall"},
    role="edge",
    ip="10.0.0.254",
    mac=mac("00:e0:fc"),
    serial="2102351BTT10KA000031",
    vendor="Huawei",
    model="USG6555E",
    platform="huawei_vrp",
    os="VRP",
    os_version="V600R007C20",
    location=loc("01", "01", "01", seat=3),
    label="D010101-003",
)
add(
    name="rt-isp-1",
    **{"class": "router"},
    role="gateway",
    ip="10.0.0.253",
    mac=mac("00:e0:fc"),
    serial="2102120996P0J7000123",
    vendor="Huawei",
    model="AR6280",
    platform="huawei_vrp",
    os="VRP",
    os_version="V300R021C10",
    location=loc("01", "01", "01", seat=4),
    label="D010101-004",
)
link("fw-1", "GE0/0/1", "sw-core-1", "XGigabitEthernet1/0/1")
link("fw-1", "GE0/0/2", "sw-core-2", "XGigabitEthernet1/0/1")
link("rt-isp-1", "GE0/0/1", "fw-1", "GE0/0/0")
groups.append({"name": "core", "members": ["sw-core-1", "sw-core-2"], "min_up": 1})
add(name="core", **{"class": "cluster"}, role="core", description="核心交换机堆叠/双机")
# --- data centre switch + servers
add(
    name="sw-dc-1",
    **{"class": "switch"},
    role="access",
    ip="10.0.0.10",
    mac=mac("70:ba:ef"),
    serial="219801A0TD9185Q00111",
    vendor="H3C",
    model="S6520X-30QC-EI",
    platform="hp_comware",
    os="Comware",
    os_version="7.1.070",
    location=loc("01", "01", "01", seat=5),
    label="D010101-005",
)
link("sw-core-1", "XGigabitEthernet1/0/2", "sw-dc-1", "Ten-GigabitEthernet1/0/49")
link("sw-core-2", "XGigabitEthernet1/0/2", "sw-dc-1", "Ten-GigabitEthernet1/0/50")
servers = [
    ("jwxt-db-1", "Dell", "PowerEdge R750"),
    ("jwxt-db-2", "Dell", "PowerEdge R750"),
    ("jwxt-app-1", "Inspur", "NF5280M6"),
    ("jwxt-app-2", "Inspur", "NF5280M6"),
    ("web-1", "Huawei", "FusionServer 2288H V5"),
    ("web-2", "Huawei", "FusionServer 2288H V5"),
    ("dns-1", "Lenovo", "ThinkSystem SR650"),
    ("dns-2", "Lenovo", "ThinkSystem SR650"),
    ("mail-1", "Dell", "PowerEdge R650"),
    ("lib-srv-1", "Inspur", "NF5270M6"),
    ("ad-1", "Lenovo", "ThinkSystem SR630"),
]
for n, (name, vendor, model) in enumerate(servers, start=1):
    add(
        name=name,
        **{"class": "server"},
        role="server",
        ip=f"10.0.10.{n}",
        mac=mac("b0:26:28"),
        serial=f"{vendor[:2].upper()}{rnd.randrange(10**7, 10**8)}",
        vendor=vendor,
        model=model,
        os="Linux" if name != "ad-1" else "Windows Server",
        os_version="Rocky 9.3" if name != "ad-1" else "2022",
        location=loc("01", "01", "01", seat=10 + n),
        label=f"D010101-{10 + n:03d}",
    )
    link("sw-dc-1", f"GigabitEthernet1/0/{n}", name, "eth0")
for cl, members in (
    ("jwxt-db", ["jwxt-db-1", "jwxt-db-2"]),
    ("jwxt-app", ["jwxt-app-1", "jwxt-app-2"]),
    ("web", ["web-1", "web-2"]),
    ("dns", ["dns-1", "dns-2"]),
):
    add(name=cl, **{"class": "cluster"}, role="server")
    groups.append({"name": cl, "members": members, "min_up": 1})
for svc, desc in (
    ("jwxt", "教务系统"),
    ("portal", "校园门户"),
    ("email", "邮件系统"),
    ("library", "图书馆管理系统"),
    ("campus-auth", "统一身份认证"),
):
    add(name=svc, **{"class": "service"}, description=desc, owner="信息中心")
deps += [
    {"from": "jwxt", "to": "jwxt-app"},
    {"from": "jwxt-app", "to": "jwxt-db"},
    {"from": "jwxt", "to": "campus-auth"},
    {"from": "campus-auth", "to": "ad-1"},
    {"from": "portal", "to": "web"},
    {"from": "portal", "to": "campus-auth"},
    {"from": "email", "to": "mail-1"},
    {"from": "library", "to": "lib-srv-1"},
    {"from": "web", "to": "dns"},
    {"from": "jwxt-app", "to": "dns"},
    {"from": "email", "to": "dns"},
]
# --- buildings
BUILDINGS = {"01": ("教学楼", 5), "02": ("图书馆", 4)}
ROOMNAMES = ["计算机实验室", "教师办公室", "多媒体教室", "阅览室", "会议室", "行政办公室"]
pc_count = 0
for b, (_bname, floors) in BUILDINGS.items():
    dist = []
    for i in (1, 2):
        name = f"sw-dist-{b}-{i}"
        dist.append(name)
        add(
            name=name,
            **{"class": "switch"},
            role="distribution",
            ip=f"10.0.{int(b)}.{i}",
            mac=mac("70:ba:ef"),
            serial=f"210235A1FYB19{b}00{i}",
            vendor="H3C",
            model="S7506E",
            platform="hp_comware",
            os="Comware",
            os_version="7.1.045",
            location=loc(b, "01", "02" if b == "01" else "01", seat=i),
            label=f"D{b}01{'02' if b == '01' else '01'}-{i:03d}",
        )
        for c in (1, 2):
            link(
                f"sw-core-{c}",
                f"XGigabitEthernet1/0/{10 + int(b) * 2 + i}",
                name,
                f"Ten-GigabitEthernet1/0/{48 + c}",
            )
    groups.append({"name": f"dist-{b}", "members": dist, "min_up": 1})
    add(name=f"dist-{b}", **{"class": "cluster"}, role="distribution")
    for f in range(1, floors + 1):
        fl = f"{f:02d}"
        for a in (1, 2):
            acc = f"sw-acc-{b}{fl}-{a}"
            vendor, model, plat, osn, ver, port = (
                (
                    "Ruijie",
                    "RG-S2910-48GT4XS-E",
                    "ruijie_os",
                    "RGOS",
                    "11.4(1)B12P5",
                    "GigabitEthernet 0/{}",
                )
                if (f + a) % 2
                else (
                    "Huawei",
                    "S5735-L48T4X-A1",
                    "huawei_vrp",
                    "VRP",
                    "V200R021C10",
                    "GigabitEthernet0/0/{}",
                )
            )
            up = "TenGigabitEthernet 0/49" if vendor == "Ruijie" else "XGigabitEthernet0/0/1"
            up2 = "TenGigabitEthernet 0/50" if vendor == "Ruijie" else "XGigabitEthernet0/0/2"
            add(
                name=acc,
                **{"class": "switch"},
                role="access",
                ip=f"10.0.{int(b)}.{10 + f * 2 + a}",
                mac=mac("58:69:6c"),
                serial=f"G1{rnd.randrange(10**9, 10**10)}",
                vendor=vendor,
                model=model,
                platform=plat,
                os=osn,
                os_version=ver,
                location=loc(b, fl, "00", seat=a, name="弱电间"),
                label=f"D{b}{fl}00-{a:03d}",
            )
            link(dist[0], f"GigabitEthernet1/0/{f * 2 + a}", acc, up)
            if a == 1 or f % 2 == 0:  # dual-homed
                link(dist[1], f"GigabitEthernet1/0/{f * 2 + a}", acc, up2)
            # rooms served by this access switch
            for idx, r in enumerate((10, 11, 12) if a == 1 else (13, 14, 15)):
                room = f"{r:02d}"
                rname = ROOMNAMES[(r + f) % len(ROOMNAMES)] + f"{r - 9}"
                if b == "02" and r in (10, 11):
                    rname = "阅览室"
                seats = 10 if rname.startswith(("计算机", "阅览")) else 4
                for seat in range(1, seats + 1):
                    pc_count += 1
                    pc = f"pc-{b}{fl}{room}-{seat:03d}"
                    add(
                        name=pc,
                        **{"class": "pc"},
                        ip=f"10.{int(b)}{f}.{r}.{seat + 10}",
                        mac=mac("54:ee:75"),
                        serial=f"PF{rnd.randrange(10**6, 10**7)}",
                        vendor=rnd.choice(["Lenovo", "Dell", "HP"]),
                        model="ThinkCentre M70q" if seat % 2 else "OptiPlex 7010",
                        os="Windows",
                        os_version=rnd.choice(["10 22H2", "11 23H2"]),
                        location=loc(b, fl, room, seat=seat, name=rname),
                        label=f"D{b}{fl}{room}-{seat:03d}",
                    )
                    link(acc, port.format(idx * 12 + seat), pc, "eth0")
                if r in (11, 14):
                    prn = f"prn-{b}{fl}{room}"
                    add(
                        name=prn,
                        **{"class": "printer"},
                        ip=f"10.{int(b)}{f}.{r}.250",
                        mac=mac("00:80:77"),
                        serial=f"VNB{rnd.randrange(10**6, 10**7)}",
                        vendor=rnd.choice(["HP", "Kyocera", "Brother"]),
                        model="LaserJet Pro M404dn",
                        location=loc(b, fl, room, seat=99, name=rname),
                        label=f"D{b}{fl}{room}-099",
                    )
                    link(acc, port.format(40 + idx), prn, "eth0")
            ap = f"ap-{b}{fl}-{a}"
            add(
                name=ap,
                **{"class": "ap"},
                ip=f"10.0.{100 + int(b)}.{f * 2 + a}",
                mac=mac("34:00:a3"),
                serial=f"AP{rnd.randrange(10**8, 10**9)}",
                vendor="Huawei",
                model="AirEngine 5761-11",
                location=loc(b, fl, "00", seat=10 + a, name="弱电间"),
                label=f"D{b}{fl}00-{10 + a:03d}",
            )
            link(acc, port.format(47), ap, "GE0/0/0")
doc = {
    "format": "netcmdb/1",
    "cis": cis,
    "links": links,
    "dependencies": deps,
    "groups": sorted(groups, key=lambda g: str(g["name"])),
}
json.dump(
    doc,
    open(Path(__file__).with_name("example-campus.json"), "w", encoding="utf-8"),
    ensure_ascii=False,
    indent=1,
)
print(Counter(c["class"] for c in cis), len(links), pc_count)
