"""Build the ILLUSTRATIVE commune baseline of Quỳnh Nhai (2021-2025).

Dựng số liệu nền MINH HOẠ (không phải số liệu công bố) cho 11 đơn vị cấp xã của huyện
Quỳnh Nhai trước 1/7/2025.

Why illustrative: the district's review results for 2021-2025 (numbers of poor and near-poor
households per commune, households, ethnic shares, Zone I/II/III status) were searched for and
NOT FOUND (shared/research/domain.md, section 4.4 and "What could NOT be found"). The workbook
still needs a starting point, so this script builds one that is *consistent with* everything
that was found (district population 2011/2018, Mường Giàng households c.2020, Sơn La's published
decline 2021-2025, >90 % ethnic minorities, Chiềng Ơn among the least poor, Mường Giôn reaching
the new-rural standard by Jan 2023) and labels every number it makes `illustrative`.
Replace it with the district review as soon as that is available (data/README.md explains how).

Writes three files (UTF-8, "\\n" line ends, fixed number formats, so reruns are byte-identical):
  units.csv, baseline.csv, deprivation_rates.csv

Usage:
  .venv/bin/python data/build/make_illustrative_baseline.py            # writes into data/
  .venv/bin/python data/build/make_illustrative_baseline.py --out DIR  # writes into DIR

Randomness: only Python's `random.Random(SEED)` is used (its `random()` stream is guaranteed
reproducible across Python versions), drawn in a fixed order. It adds small, bounded noise so
that commune paths are not unrealistically smooth; every district total is then forced back
onto its target, so the noise never changes a district figure.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from pathlib import Path

SEED = 20251231
YEARS = (2021, 2022, 2023, 2024, 2025)
DATA_DIR = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------
# Sources (web addresses as recorded in shared/research/domain.md)
# --------------------------------------------------------------------------------------
URL_WIKI = "https://vi.m.wikipedia.org/wiki/Qu%E1%BB%B3nh_Nhai"
URL_DANTRI_2020 = (
    "https://dansinh.dantri.com.vn/hanh-trinh-thoat-ngheo-cua-huyen-30a-20200830102202739.htm"
)
URL_RES10_2011 = "http://vbpl.vn/namdinh/Pages/vbpq-toanvan.aspx?ItemID=87485&Keyword="
URL_EM_90 = "https://baodansinh.vn/an-sinh-xa-hoi.htm"
URL_EM_94 = "https://baodantoc.vn/Quỳnh+Nhai.html"
URL_SL_2021_2024 = "https://kinhtedothi.vn/son-la-ty-le-ho-ngheo-giam-con-11-11"
URL_SL_2023 = (
    "https://thongtindoingoai.sonla.gov.vn/en/content-618-son-la-hieu-qua-cao-tu-viec-thuc-hien"
    "-chuong-trinh-muc-tieu-quoc-gia-1719.html"
)
URL_SL_2025 = (
    "https://dantri.com.vn/lao-dong-viec-lam/son-la-tu-chinh-sach-giam-ngheo-den-chuyen-bien"
    "-thuc-chat-o-vung-cao-20251227135751351.htm"
)
URL_REGION_2022 = (
    "https://en.vietnamplus.vn/over-19-million-households-still-struggle-with-poverty-ministry"
    "/247727.vnp"
)
URL_CHIENG_ON = "https://hyperlinked.wiki/wiki.php?slug=User%3AAmiaheroyet%2Fsandboxchiengon"
URL_MUONG_GION_NTM = (
    "https://truyenhinhvov.vn/xuan-no-am-noi-vung-cao-muong-gion-164230117142331154.htm"
)
URL_ZONE_CRITERIA = "https://vrviet.vn/de/hoc-phi-mam-non-xa-khu-vuc-iii-la-12-000d-thang"
URL_MERGER_LAODONG = (
    "https://news.laodong.vn/thoi-su/cong-bo-67-xa-va-8-phuong-moi-o-son-la-sau-sap-xep-1524699.ldo"
)
URL_MERGER_VTC = (
    "https://vtcnews.vn/chi-tiet-67-xa-va-8-phuong-moi-o-son-la-sau-sap-xep-ar949329.html"
)
URL_DECREE_07 = (
    "https://english.luatvietnam.vn/decree-no-07-2021-nd-cp-dated-january-27-2021-of-the-"
    "government-on-multidimensional-poverty-standards-in-the-2021-2025-period-197848-doc1.html"
)
URL_DECREE_351 = (
    "https://www.vietnamplus.vn/ban-hanh-quy-dinh-ve-chuan-ngheo-da-chieu-quoc-gia-giai-doan"
    "-2026-2030-post1086100.vnp"
)
URL_DECREE_351_CHANGES = (
    "https://vietnamnet.vn/en/vn-s-poverty-reduction-strategy-embraces-sustainability-and-digital"
    "-inclusion-2484119.html"
)
URL_SL_HOUSES = (
    "https://thongtindoingoai.sonla.gov.vn/en/content-928-son-la-giam-3-nam-ty-le-ho-ngheo-vuot"
    "-chi-tieu-de-ra.html"
)

# --------------------------------------------------------------------------------------
# Units (pre-1 July 2025). Codes: public GitHub admin datasets, UNVERIFIED against GSO
# (domain.md 4.1). Merger: Resolution 1681/NQ-UBTVQH15 as transcribed (domain.md 4.1).
# --------------------------------------------------------------------------------------
NEW_COMMUNE_NAME = {
    "xa_quynh_nhai": "Quỳnh Nhai",
    "xa_muong_chien": "Mường Chiên",
    "xa_muong_gion": "Mường Giôn",
    "xa_muong_sai": "Mường Sại",
}

# Per unit: code, name_vi, name_en, kind, area, new_commune, and the illustrative inputs:
#   pov21  relative poor-household rate at the end-2021 review (rescaled to the district path)
#   em     ethnic-minority share of population 2025
#   pph    persons per household 2025
#   popw   share of the rural population left after the three anchored units (see below)
# Choices (all ASSUMPTIONS, reasons in the comments):
#   * Mường Giàng (township, district seat, more Kinh residents, services): lowest poverty,
#     ~5 % (the brief's 4-6 %); EM share 0.75; persons/household from the observed 2020 ratio.
#   * Chiềng Ơn: met the new-rural standard in 2020 with 9.3 % poverty (old standard,
#     observed) -> kept the lowest rural commune.
#   * Mường Giôn: met the new-rural standard by Jan 2023 (observed) -> moderate, Zone II.
#   * Pá Ma Pha Khinh, Chiềng Khay, Nặm Ét: taken as remote upland communes (assumption, not
#     a found fact: far from the district seat, larger households, EM share ~0.98-0.99)
#     -> the poorest, ~28-32 % in 2021.
#   * Chiềng Bằng, Chiềng Khoang: merged with the township into xã Quỳnh Nhai, taken as the
#     central, less poor cluster (assumption) -> ~17 %.
#   * Cà Nàng, Mường Chiên, Mường Sại: in between, 21-27 % (assumption; the district's
#     reservoir resettlement sites carry a "latent re-poverty risk", domain.md 4.2, but which
#     communes host them was not looked up).
# fmt: off
UNITS = [
    # id, code, name_vi, name_en, kind, area, new_commune, pov21, em, pph, popw
    ("muong_giang", "03703", "Mường Giàng", "Muong Giang", "township", "urban", "xa_quynh_nhai",
     0.050, 0.75, None, None),
    ("ca_nang", "03685", "Cà Nàng", "Ca Nang", "commune", "rural", "xa_muong_chien",
     0.265, 0.96, 4.30, 0.145),
    ("chieng_bang", "03706", "Chiềng Bằng", "Chieng Bang", "commune", "rural", "xa_quynh_nhai",
     0.165, 0.94, 4.25, None),
    ("chieng_khay", "03688", "Chiềng Khay", "Chieng Khay", "commune", "rural", "xa_muong_chien",
     0.300, 0.98, 4.45, 0.115),
    ("chieng_khoang", "03718", "Chiềng Khoang", "Chieng Khoang", "commune", "rural",
     "xa_quynh_nhai", 0.170, 0.93, 4.20, 0.140),
    ("chieng_on", "03700", "Chiềng Ơn", "Chieng On", "commune", "rural", "xa_quynh_nhai",
     0.110, 0.90, 4.15, 0.125),
    ("muong_chien", "03682", "Mường Chiên", "Muong Chien", "commune", "rural", "xa_muong_chien",
     0.235, 0.95, 4.30, 0.115),
    ("muong_gion", "03694", "Mường Giôn", "Muong Gion", "commune", "rural", "xa_muong_gion",
     0.140, 0.96, 4.35, 0.155),
    ("muong_sai", "03709", "Mường Sại", "Muong Sai", "commune", "rural", "xa_muong_sai",
     0.210, 0.96, 4.30, 0.120),
    ("nam_et", "03712", "Nặm Ét", "Nam Et", "commune", "rural", "xa_muong_sai",
     0.290, 0.98, 4.45, None),
    ("pa_ma_pha_khinh", "03697", "Pá Ma Pha Khinh", "Pa Ma Pha Khinh", "commune", "rural",
     "xa_muong_gion", 0.310, 0.99, 4.55, 0.085),
]
# fmt: on

# --------------------------------------------------------------------------------------
# District anchors
# --------------------------------------------------------------------------------------
POP_2018 = 65155  # observed, Wikipedia
POP_GROWTH = 0.015  # 58,493 (2011) -> 65,155 (2018) is 1.55 %/yr; 1.5 %/yr carried forward
MG_HH_2020 = 2797  # observed, Dân trí 2020-08-30
MG_POP_2020 = 11025  # observed, same article
MG_HH_GROWTH = 0.013  # township households: assumption inside the brief's 1.2-1.5 %/yr
POP_2011 = {"chieng_bang": 3075, "nam_et": 4110}  # observed, Resolution 10/NQ-CP (2011)

# District poor-household rate path (end-of-year review, Decree 07 standard; the end-2021
# review already used the 2022-2025 standard, as Sơn La's 21.66 % baseline does).
# = the district plan's path as given in the project brief (about -2 pp/yr from end-2021 toward
# < 1 % in 2030; data/plan.yaml; the plan document itself was NOT FOUND), shaped like
# Sơn La's published decline 21.66 -> 14.41 -> 11.11 -> ~7.9-8.1 %: faster early, slower late.
POOR_RATE = {2021: 0.189, 2022: 0.163, 2023: 0.136, 2024: 0.110, 2025: 0.087}
# Near-poor: ~11 % at end-2021 falling linearly to 7.5 % in 2025. Chosen between the
# Northern Midlands & Mountains region's 7.69 % (2022) and Sơn La's 11.05 % (2018, old standard);
# near-poor falls more slowly than poor because part of the escaping poor pass through it.
NEAR_RATE = {2021: 0.110, 2022: 0.10125, 2023: 0.0925, 2024: 0.08375, 2025: 0.075}

ILLU = "ILLUSTRATIVE - not a published figure"

# fmt: off
INDICATORS_07 = [
    "employment", "dependants", "nutrition", "health_insurance", "adult_education",
    "school_attendance", "housing_quality", "housing_area", "water", "sanitation", "telecom",
    "information_access",
]
# fmt: on
INDICATORS = INDICATORS_07 + ["waste"]
GROUPS = ("poor", "near_poor", "non_poor")

# Deprivation profile of a typical rural Quỳnh Nhai commune in 2025 (share of households of the
# group deprived). ASSUMPTIONS shaped by the points in DEPRIVATION_BASIS below.
# Decree-07 sums: poor 3.68 (each poor household has >= 3 deprivations, so the mean must be >= 3),
# near-poor 1.66 (each has <= 2, so the mean must be < 2), non-poor 0.71.
# fmt: off
BASE_PROFILE = {
    #                    poor  near  non
    "employment":        (0.32, 0.22, 0.10),
    "dependants":        (0.30, 0.18, 0.06),
    "nutrition":         (0.22, 0.08, 0.03),
    "health_insurance":  (0.04, 0.06, 0.05),
    "adult_education":   (0.48, 0.22, 0.10),
    "school_attendance": (0.08, 0.03, 0.01),
    "housing_quality":   (0.28, 0.14, 0.05),
    "housing_area":      (0.14, 0.05, 0.02),
    "water":             (0.45, 0.18, 0.08),
    "sanitation":        (0.70, 0.30, 0.14),
    "telecom":           (0.32, 0.10, 0.04),
    "information_access": (0.35, 0.10, 0.03),
    "waste":             (0.60, 0.45, 0.30),
}
# fmt: on
# The township differs by indicator rather than by a flat factor: piped water, latrines,
# waste collection and mobile internet are better; informal wage work without a labour
# contract, dependants (elderly, disabled) and crowding are worse among its poor.
# fmt: off
URBAN_MULTIPLIER = {
    "employment": 1.4, "dependants": 1.3, "housing_area": 1.6, "water": 0.6, "sanitation": 0.7,
    "telecom": 0.7, "information_access": 0.8, "waste": 0.4,
}
# fmt: on
DEPRIVATION_BASIS = {
    "employment": "assumption: informal farm/wage work without labour contract common "
    "(Decree 07 cut-off as in the 2026-30 draft, domain.md 1.3)",
    "dependants": "assumption: large EM households with children under 16 (domain.md 1.3)",
    "nutrition": "assumption: child stunting/underweight higher among poor EM households",
    "health_insurance": "assumption: LOW - poor households and EM people in disadvantaged "
    "areas receive state-paid health insurance",
    "adult_education": "assumption: high - many EM adults 16-30 without expected schooling "
    "(cut-off UNVERIFIED, domain.md 1.3)",
    "school_attendance": "assumption: low - most children enrolled (NTP target 90 %)",
    "housing_quality": "assumption: moderate - Sơn La removed 9,317 temporary houses 2020-24 "
    "and 2,337 in Q1-2025 (" + URL_SL_HOUSES + ")",
    "housing_area": "assumption: < 8 m2/person uncommon in rural stilt houses",
    "water": "assumption: high in upland villages without piped/hygienic water",
    "sanitation": "assumption: highest deprivation - hygienic latrines scarce in upland EM "
    "villages",
    "telecom": "assumption: no member uses internet (Decree 351: internet/digital-service use)",
    "information_access": "assumption: no TV/radio/computer/smartphone; dropped from 2027 "
    "(Decree 351)",
    "waste": "assumption: no household-waste collection/treatment in most villages; "
    "indicator added by Decree 351/2025 (" + URL_DECREE_351_CHANGES + ")",
}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def apportion(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` that add up to `total` (largest remainder).

    Ties are broken by position, so the result is deterministic.
    """
    s = sum(weights)
    raw = [w * total / s for w in weights]
    out = [math.floor(x) for x in raw]
    left = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:left]:
        out[i] += 1
    return out


def fmt_share(x: float, nd: int) -> str:
    return f"{x:.{nd}f}"


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------
def build() -> tuple[list[list[str]], list[list[str]], list[list[str]], dict]:
    rng = random.Random(SEED)
    ids = [u[0] for u in UNITS]
    info = {u[0]: u for u in UNITS}

    # ---- population 2025 --------------------------------------------------------------
    pop_district_2025 = round(POP_2018 * (1 + POP_GROWTH) ** (2025 - 2018))
    pop = {
        "muong_giang": round(MG_POP_2020 * (1 + POP_GROWTH) ** 5),
        "chieng_bang": round(POP_2011["chieng_bang"] * (1 + POP_GROWTH) ** 14),
        "nam_et": round(POP_2011["nam_et"] * (1 + POP_GROWTH) ** 14),
    }
    rest_ids = [i for i in ids if i not in pop]
    rest = apportion(pop_district_2025 - sum(pop.values()), [info[i][10] for i in rest_ids])
    pop.update(dict(zip(rest_ids, rest, strict=True)))

    # ---- households 2021-2025 -------------------------------------------------------
    hh_growth = {}
    for i in ids:  # fixed draw order = unit order
        hh_growth[i] = MG_HH_GROWTH if i == "muong_giang" else round(rng.uniform(0.012, 0.015), 4)
    hh2025 = {}
    for i in ids:
        if i == "muong_giang":
            hh2025[i] = round(MG_HH_2020 * (1 + MG_HH_GROWTH) ** 5)
        else:
            hh2025[i] = round(pop[i] / info[i][9])
    hh = {(i, y): round(hh2025[i] / (1 + hh_growth[i]) ** (2025 - y)) for i in ids for y in YEARS}

    # ---- poor households ---------------------------------------------------------------
    # Each commune's rate falls like the district's, with an elasticity: poorer communes fall
    # more in points but less in proportion (Sơn La's extremely difficult communes: -4.47 pp/yr
    # while the province fell ~3.4 pp/yr). Then a +-3 % jitter, then the year's total is forced
    # onto the district path by largest-remainder apportionment.
    r0 = {i: info[i][7] for i in ids}
    d0 = POOR_RATE[2021]
    elast = {i: min(1.35, max(0.7, 1 + 0.35 * (1 - r0[i] / d0))) for i in ids}
    poor: dict[tuple[str, int], int] = {}
    near: dict[tuple[str, int], int] = {}
    for y in YEARS:
        ratio = POOR_RATE[y] / d0
        desired = []
        for i in ids:
            jitter = 1.0 if y == 2021 else 1 + rng.uniform(-0.03, 0.03)
            desired.append(hh[i, y] * r0[i] * ratio ** elast[i] * jitter)
        tot_hh = sum(hh[i, y] for i in ids)
        counts = apportion(round(POOR_RATE[y] * tot_hh), desired)
        poor.update({(i, y): c for i, c in zip(ids, counts, strict=True)})
        # near-poor: 60 % flat + 40 % following the commune's relative poverty
        rd = POOR_RATE[y]
        desired_n = []
        for i in ids:
            ri = poor[i, y] / hh[i, y]
            jitter = 1 + rng.uniform(-0.03, 0.03)
            desired_n.append(hh[i, y] * NEAR_RATE[y] * (0.6 + 0.4 * ri / rd) * jitter)
        counts_n = apportion(round(NEAR_RATE[y] * tot_hh), desired_n)
        near.update({(i, y): c for i, c in zip(ids, counts_n, strict=True)})

    # sanity checks on what was built (fail loudly rather than write incoherent data)
    for i in ids:
        for y in YEARS:
            assert poor[i, y] + near[i, y] < hh[i, y], (i, y)
            if y > 2021:
                assert poor[i, y] < poor[i, y - 1], ("poor must fall", i, y)
                assert hh[i, y] > hh[i, y - 1], ("households must grow", i, y)

    # ---- zones and extremely difficult villages --------------------------------------
    # Zone (Decision 33/2020 criteria; per-commune list NOT FOUND): Zone III if poverty >= 20 %,
    # or 15-20 % plus an extra criterion - ">= 60 % of poor households are EM" holds wherever
    # the EM share is > 90 %, so every 15-20 % commune here qualifies. Zone I for the township
    # and communes < 10 % (assumption: Zone I/II boundary not in domain.md), else Zone II.
    # Classification uses the illustrative end-2021 rate.
    zone = {}
    ed_villages = {}
    for i in ids:
        r = poor[i, 2021] / hh[i, 2021]
        if info[i][4] == "township" or r < 0.10:
            zone[i] = "I"
        elif r >= 0.20 or (r >= 0.15 and info[i][8] > 0.6):
            zone[i] = "III"
        else:
            zone[i] = "II"
        # villages (bản) of ~85 households; share extremely difficult rises with poverty above
        # 12 %: 0 in the township and low-poverty communes, about half in the poorest.
        n_villages = round(hh[i, 2021] / 85)
        share_ed = 0.0 if info[i][4] == "township" else min(0.6, max(0.0, (r - 0.12) * 2.6))
        ed_villages[i] = round(n_villages * share_ed)

    # ---- units.csv ---------------------------------------------------------------------
    unit_source = (
        f"names, kind (1 township + 10 communes): {URL_WIKI}; code: public GitHub admin "
        "datasets, UNVERIFIED against GSO (domain.md 4.1); new_commune: Resolution "
        f"1681/NQ-UBTVQH15 (16 Jun 2025) as transcribed, verify against the resolution: "
        f"{URL_MERGER_LAODONG} ; {URL_MERGER_VTC}; zone and ed_villages ILLUSTRATIVE "
        f"(per-commune lists of Decision 861/QD-TTg and 612/QD-UBDT NOT FOUND), built from "
        f"the illustrative end-2021 poverty rate with Decision 33/2020 criteria: {URL_ZONE_CRITERIA}"
    )
    units_rows = [
        [
            "unit",
            "code",
            "name_vi",
            "name_en",
            "kind",
            "area",
            "new_commune",
            "new_commune_name_vi",
            "zone",
            "zone_status",
            "ed_villages",
            "ed_villages_status",
            "source",
        ]
    ]
    for u in UNITS:
        i = u[0]
        units_rows.append(
            [
                i,
                u[1],
                u[2],
                u[3],
                u[4],
                u[5],
                u[6],
                NEW_COMMUNE_NAME[u[6]],
                zone[i],
                "illustrative",
                str(ed_villages[i]),
                "illustrative",
                unit_source,
            ]
        )

    # ---- baseline.csv ------------------------------------------------------------------
    src_hh = (
        f"consistent with district population 58,493 (2011) and 65,155 (2018) {URL_WIKI} ; "
        f"Mường Giàng 2,797 households / 11,025 persons c.2020 {URL_DANTRI_2020} ; "
        f"Chiềng Bằng 3,075 and Nặm Ét 4,110 persons (2011) {URL_RES10_2011}"
    )
    src_poor = (
        "consistent with the district plan path as stated in the project brief (data/plan.yaml: "
        "about -2 pp/yr from the end-2021 review toward < 1 % in 2030; plan document NOT FOUND) "
        "shaped like Sơn La's published poor-household "
        f"rate 21.66 % (2021) and 11.11 % (2024) {URL_SL_2021_2024} ; 14.41 % (2023) "
        f"{URL_SL_2023} ; ~7.89 % (2025, expected) and -4.47 pp/yr in extremely difficult "
        f"communes {URL_SL_2025} ; Quỳnh Nhai ~16 % in 2020 (2016-20 standard) {URL_DANTRI_2020} ; "
        f"Chiềng Ơn 9.3 % in 2020 (2016-20 standard) {URL_CHIENG_ON} ; Mường Giôn new-rural "
        f"by Jan 2023 {URL_MUONG_GION_NTM}"
    )
    src_near = (
        "consistent with Northern Midlands & Mountains near-poor rate 7.69 % (2022) "
        f"{URL_REGION_2022} ; Sơn La near-poor 11.05 % (2018, 2016-20 standard) "
        "https://susta.vn/bai-viet-Thu-hng-ho-ngheo-v-cn-ngheo-tinh-Son-La-nm-2018-1632.html"
    )
    src_em = f"consistent with > 90 % EM {URL_EM_90} and > 94 % EM {URL_EM_94} (2020)"

    base_rows = [["unit", "year", "metric", "value", "unit_of_measure", "status", "source", "note"]]
    base_rows.append(
        [
            "muong_giang",
            "2020",
            "households",
            str(MG_HH_2020),
            "households",
            "observed",
            URL_DANTRI_2020,
            "c.2020 (article dated 2020-08-30; the same article gives 11,025 persons); anchors the "
            "township's household back-cast",
        ]
    )
    for i in ids:
        for y in YEARS:
            h = hh[i, y]
            if i == "muong_giang":
                hnote = (
                    f"{ILLU}; 2,797 households (2020, observed) grown at "
                    f"{100 * MG_HH_GROWTH:.1f} %/yr (assumption)"
                )
            else:
                hnote = (
                    f"{ILLU}; 2025 = population 2025 / {info[i][9]:.2f} persons per "
                    f"household (assumption), back-cast at {100 * hh_growth[i]:.2f} %/yr "
                    f"(seeded draw in 1.2-1.5 %/yr)"
                )
            base_rows.append(
                [i, str(y), "households", str(h), "households", "illustrative", src_hh, hnote]
            )
            base_rows.append(
                [
                    i,
                    str(y),
                    "poor",
                    str(poor[i, y]),
                    "households",
                    "illustrative",
                    src_poor,
                    f"{ILLU}; rate {pct(poor[i, y] / h)}; commune profile (end-2021 "
                    f"{pct(r0[i])} before rescaling) x district path ratio^{elast[i]:.2f} "
                    "x seeded +-3 % noise, totals forced to the district path",
                ]
            )
            base_rows.append(
                [
                    i,
                    str(y),
                    "near_poor",
                    str(near[i, y]),
                    "households",
                    "illustrative",
                    src_near,
                    f"{ILLU}; rate {pct(near[i, y] / h)}; district near-poor path x (0.6 + 0.4 x "
                    "commune/district poverty ratio) x seeded +-3 % noise, totals forced to the path",
                ]
            )
    for i in ids:
        if i == "muong_giang":
            pnote = f"{ILLU}; 11,025 persons (2020, observed) grown at {100 * POP_GROWTH:.1f} %/yr"
        elif i in POP_2011:
            pnote = (
                f"{ILLU}; {POP_2011[i]:,} persons (2011, observed) grown at "
                f"{100 * POP_GROWTH:.1f} %/yr"
            )
        else:
            pnote = (
                f"{ILLU}; share {info[i][10]:.3f} (assumption) of the district 2025 "
                f"population ({pop_district_2025:,} = 65,155 in 2018 grown at 1.5 %/yr) "
                "left after the three anchored units"
            )
        base_rows.append(
            [i, "2025", "population", str(pop[i]), "persons", "illustrative", src_hh, pnote]
        )
    for i in ids:
        enote = (
            f"{ILLU}; assumption: township lower (district seat, Kinh residents), remote "
            "upland communes 0.97-0.99; district population-weighted share "
            f"{sum(pop[j] * info[j][8] for j in ids) / pop_district_2025:.3f}"
        )
        base_rows.append(
            [
                i,
                "2025",
                "ethnic_minority_share",
                fmt_share(info[i][8], 2),
                "share",
                "illustrative",
                src_em,
                enote,
            ]
        )

    # ---- deprivation_rates.csv ------------------------------------------------------
    # Rural communes scale the base profile by 1 + 0.6 x (commune - district poverty rate,
    # end-2021): remote Zone III communes ~+8 %, low-poverty ones ~-5 %. Each cell then gets
    # seeded +-6 % noise; rates are capped at 0.95.
    src_dep = (
        f"shaped by Decree 07/2021 indicators {URL_DECREE_07} and the rule poor = income test "
        "and >= 3 deprivations, near-poor < 3 (domain.md 1.4); waste from Decree 351/2025 "
        f"{URL_DECREE_351}; levels are assumptions"
    )
    dep_rows = [["unit", "year", "group", "indicator", "rate", "status", "source", "note"]]
    for i in ids:
        r = poor[i, 2021] / hh[i, 2021]
        urban = info[i][5] == "urban"
        scale = 1.0 if urban else 1 + 0.6 * (r - d0)
        for g_idx, g in enumerate(GROUPS):
            for ind in INDICATORS:
                mult = URBAN_MULTIPLIER.get(ind, 1.0) if urban else 1.0
                noise = 1 + rng.uniform(-0.06, 0.06)
                rate = min(0.95, BASE_PROFILE[ind][g_idx] * scale * mult * noise)
                how = (
                    f"township: rural profile x urban multiplier {mult:.1f}"
                    if urban
                    else f"rural profile x commune factor {scale:.3f}"
                )
                dep_rows.append(
                    [
                        i,
                        "2025",
                        g,
                        ind,
                        fmt_share(rate, 3),
                        "illustrative",
                        src_dep,
                        f"{ILLU}; {how} x seeded +-6 % noise; {DEPRIVATION_BASIS[ind]}",
                    ]
                )

    # coherence checks on deprivation counts (expected number of deprivations)
    for i in ids:
        for g in GROUPS:
            s = sum(
                float(row[4])
                for row in dep_rows[1:]
                if row[0] == i and row[2] == g and row[3] in INDICATORS_07
            )
            lo, hi = {"poor": (3.3, 4.5), "near_poor": (1.2, 1.95), "non_poor": (0.4, 1.0)}[g]
            assert lo <= s <= hi, (i, g, s)

    summary = {
        "poor_rate": {y: sum(poor[i, y] for i in ids) / sum(hh[i, y] for i in ids) for y in YEARS},
        "near_rate": {y: sum(near[i, y] for i in ids) / sum(hh[i, y] for i in ids) for y in YEARS},
        "households": {y: sum(hh[i, y] for i in ids) for y in YEARS},
        "population_2025": sum(pop.values()),
        "zone": zone,
        "commune_poor_rate": {i: {y: poor[i, y] / hh[i, y] for y in YEARS} for i in ids},
    }
    return units_rows, base_rows, dep_rows, summary


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=DATA_DIR,
        help="directory to write units.csv, baseline.csv, deprivation_rates.csv",
    )
    ap.add_argument("--quiet", action="store_true", help="do not print the summary")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    units_rows, base_rows, dep_rows, summary = build()
    write_csv(args.out / "units.csv", units_rows)
    write_csv(args.out / "baseline.csv", base_rows)
    write_csv(args.out / "deprivation_rates.csv", dep_rows)
    if not args.quiet:
        for y in YEARS:
            print(
                f"{y}: households {summary['households'][y]:>6}  poor "
                f"{pct(summary['poor_rate'][y])}  near-poor {pct(summary['near_rate'][y])}"
            )
        print(f"population 2025: {summary['population_2025']}")
        for i, rates in summary["commune_poor_rate"].items():
            print(
                f"  {i:<16} zone {summary['zone'][i]:<3} " + "  ".join(pct(rates[y]) for y in YEARS)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
