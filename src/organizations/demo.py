"""Demo province: Tỉnh Vĩnh Long after 1/7/2025 (merged from Vĩnh Long, Bến Tre and Trà Vinh).

Communes and wards, and the former communes and districts they were merged from, come from the
`vietnam-provinces` package; departments and their sub-departments follow the 2025 organisation.
"""

import datetime as dt

from vietnam_provinces import Province as VnProvince
from vietnam_provinces import ProvinceCode, Ward
from vietnam_provinces.legacy import District as LegacyDistrict

from .models import Agency, AgencyChange, AgencyKind, Obligation, Province

KINDS = [
    ("provincial_committee", "UBND cấp tỉnh", Obligation.MANDATORY, False, 1),
    ("department", "Sở, ban, ngành cấp tỉnh", Obligation.MANDATORY, False, 2),
    ("sub_department", "Chi cục, đơn vị thuộc Sở", Obligation.MANDATORY, False, 3),
    ("district_committee", "UBND cấp huyện", Obligation.MANDATORY, False, 4),
    ("commune_committee", "UBND cấp xã", Obligation.ENCOURAGED, True, 5),
    ("public_service_unit", "Đơn vị sự nghiệp công lập", Obligation.ENCOURAGED, False, 6),
]

# (code, name, children): children are (code, name, kind)
DEPARTMENTS = [
    (
        "VP-UBND",
        "Văn phòng UBND tỉnh",
        [
            ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "sub_department"),
        ],
    ),
    (
        "SNV",
        "Sở Nội vụ",
        [
            ("SNV-BTDKT", "Ban Thi đua - Khen thưởng", "sub_department"),
            ("SNV-CCVTLT", "Chi cục Văn thư - Lưu trữ", "sub_department"),
            ("SNV-TTDVVL", "Trung tâm Dịch vụ việc làm", "public_service_unit"),
        ],
    ),
    ("STP", "Sở Tư pháp", [("STP-PCC1", "Phòng Công chứng số 1", "public_service_unit")]),
    ("STC", "Sở Tài chính", []),
    ("SCT", "Sở Công Thương", []),
    (
        "SNNMT",
        "Sở Nông nghiệp và Môi trường",
        [
            ("SNNMT-VPDKDD", "Văn phòng Đăng ký đất đai", "sub_department"),
            ("SNNMT-CCKL", "Chi cục Kiểm lâm", "sub_department"),
            ("SNNMT-CCTL", "Chi cục Thủy lợi", "sub_department"),
            ("SNNMT-CCCNTY", "Chi cục Chăn nuôi và Thú y", "sub_department"),
            ("SNNMT-CCTTBVTV", "Chi cục Trồng trọt và Bảo vệ thực vật", "sub_department"),
            ("SNNMT-CCTS", "Chi cục Thủy sản", "sub_department"),
            ("SNNMT-TTPTQD", "Trung tâm Phát triển quỹ đất", "public_service_unit"),
        ],
    ),
    ("SXD", "Sở Xây dựng", [("SXD-CCGD", "Chi cục Giám định xây dựng", "sub_department")]),
    (
        "SKHCN",
        "Sở Khoa học và Công nghệ",
        [
            ("SKHCN-CCTDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng", "sub_department"),
            ("SKHCN-TTKT", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng", "public_service_unit"),
        ],
    ),
    ("SGDDT", "Sở Giáo dục và Đào tạo", []),
    (
        "SYT",
        "Sở Y tế",
        [
            ("SYT-CCATVSTP", "Chi cục An toàn vệ sinh thực phẩm", "sub_department"),
            ("SYT-CCDS", "Chi cục Dân số", "sub_department"),
            ("SYT-CDC", "Trung tâm Kiểm soát bệnh tật", "public_service_unit"),
        ],
    ),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", []),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", []),
    ("TTT", "Thanh tra tỉnh", []),
    ("BQLKCN", "Ban Quản lý các Khu công nghiệp", []),
]
LAND_BRANCHES = [
    "Vĩnh Long",
    "Long Hồ",
    "Mang Thít",
    "Vũng Liêm",
    "Trà Ôn",
    "Bình Minh",
    "Bến Tre",
    "Mỏ Cày",
    "Ba Tri",
    "Trà Vinh",
    "Cầu Kè",
    "Duyên Hải",
]
TWO_LEVEL_DATE = dt.date(2025, 7, 1)


def committee_name(unit_name):
    return f"UBND {unit_name[0].lower()}{unit_name[1:]}"


def load(ctx):
    code = ProvinceCode(int(ctx["province_code"]))
    vn = VnProvince.from_code(code)
    province, _ = Province.objects.get_or_create(code=str(int(code)), defaults={"name": vn.name})
    kinds = {}
    for k_code, name, obligation, is_commune, order in KINDS:
        kinds[k_code], _ = AgencyKind.objects.get_or_create(
            code=k_code,
            defaults={
                "name": name,
                "default_obligation": obligation,
                "is_commune_committee": is_commune,
                "order": order,
            },
        )

    def add(code, name, kind, parent=None, **extra):
        return Agency.objects.create(
            province=province,
            code=code,
            name=name,
            kind=kinds[kind],
            parent=parent,
            obligation=extra.pop("obligation", kinds[kind].default_obligation),
            **extra,
        )

    root = add(
        "UBND-TINH",
        committee_name(vn.name),
        "provincial_committee",
        short_name="UBND tỉnh",
        address="88 Hoàng Thái Hiếu, Phường Phước Hậu, Tỉnh Vĩnh Long",
    )
    by_code = {"UBND-TINH": root}
    for d_code, d_name, children in DEPARTMENTS:
        dep = add(d_code, d_name, "department", root)
        by_code[d_code] = dep
        for c_code, c_name, c_kind in children:
            by_code[c_code] = add(c_code, c_name, c_kind, dep)
    land_office = by_code["SNNMT-VPDKDD"]
    for i, area in enumerate(LAND_BRANCHES, start=1):
        add(f"VPDKDD-CN{i:02d}", f"Chi nhánh Văn phòng Đăng ký đất đai khu vực {area}", "sub_department", land_office)

    # Communes and wards of the two-level government, with the units they were merged from.
    legacy_districts, legacy_communes, communes = {}, {}, []
    for ward in Ward.iter_by_province(code):
        commune = add(
            f"X{int(ward.code)}",
            committee_name(ward.name),
            "commune_committee",
            root,
            unit_code=str(int(ward.code)),
            established_on=TWO_LEVEL_DATE,
        )
        communes.append(commune)
        predecessors = []
        for source in ward.get_legacy_sources():
            district = legacy_districts.get(int(source.district_code))
            if district is None:
                d = LegacyDistrict.from_code(source.district_code)
                district = add(
                    f"H{int(source.district_code)}",
                    committee_name(d.name),
                    "district_committee",
                    root,
                    status=Agency.Status.DISSOLVED,
                    ended_on=TWO_LEVEL_DATE - dt.timedelta(days=1),
                )
                legacy_districts[int(source.district_code)] = district
            # A former commune split between several new ones is one agency with several successors.
            old = legacy_communes.get(int(source.code))
            if old is None:
                old = legacy_communes[int(source.code)] = add(
                    f"X{int(source.code)}-OLD",
                    committee_name(source.name),
                    "commune_committee",
                    district,
                    unit_code=str(int(source.code)),
                    status=Agency.Status.MERGED,
                    ended_on=TWO_LEVEL_DATE - dt.timedelta(days=1),
                )
            predecessors.append(old)
        change = AgencyChange.objects.create(
            province=province,
            kind=AgencyChange.Kind.MERGER,
            effective_on=TWO_LEVEL_DATE,
            decision="Nghị quyết số 1687/NQ-UBTVQH15 ngày 16/6/2025",
            note="Sắp xếp đơn vị hành chính cấp xã, chính quyền địa phương hai cấp",
        )
        change.predecessors.set(predecessors)
        change.successors.add(commune)
    ctx.update(province=province, kinds=kinds, agencies=by_code, communes=communes, root=root)
