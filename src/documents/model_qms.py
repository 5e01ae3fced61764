"""Content of the model QMS templates shipped with the demo province (after Decision 101/QĐ-BKHCN):
quality policy, quality objectives, the six mandatory internal procedures and their forms, written
for a provincial department and for a commune People's Committee."""

KIND_WORDS = {
    "department": {
        "agency": "Sở",
        "head": "Giám đốc Sở",
        "deputy": "Phó Giám đốc Sở",
        "office": "Văn phòng Sở",
        "units": "các phòng, đơn vị thuộc Sở",
        "one_stop": "Bộ phận tiếp nhận và trả kết quả tại Trung tâm Phục vụ hành chính công tỉnh",
        "people": "tổ chức, cá nhân",
        "name": "Mô hình HTQLCL áp dụng cho Sở, ban, ngành cấp tỉnh",
    },
    "commune_committee": {
        "agency": "UBND xã",
        "head": "Chủ tịch UBND xã",
        "deputy": "Phó Chủ tịch UBND xã",
        "office": "Văn phòng HĐND và UBND xã",
        "units": "các phòng chuyên môn, công chức xã",
        "one_stop": "Bộ phận Một cửa của UBND xã",
        "people": "người dân, doanh nghiệp",
        "name": "Mô hình HTQLCL áp dụng cho UBND cấp xã",
    },
}

REFERENCES = (
    "- TCVN ISO 9001:2015 Hệ thống quản lý chất lượng – Các yêu cầu.\n"
    "- Quyết định số 19/2014/QĐ-TTg ngày 05/3/2014 của Thủ tướng Chính phủ về việc áp dụng Hệ thống quản "
    "lý chất lượng theo TCVN ISO 9001 vào hoạt động của các cơ quan, tổ chức thuộc hệ thống hành chính "
    "nhà nước.\n"
    "- Thông tư số 26/2014/TT-BKHCN ngày 10/10/2014 của Bộ Khoa học và Công nghệ.\n"
    "- Sổ tay chất lượng / Chính sách chất lượng của cơ quan."
)


def _procedure(w, purpose, scope, definitions, responsibilities, steps, records):
    lines = [
        "# 1. Mục đích",
        purpose,
        "",
        "# 2. Phạm vi áp dụng",
        scope,
        "",
        "# 3. Tài liệu viện dẫn",
        REFERENCES,
        "",
        "# 4. Định nghĩa và từ viết tắt",
        "- HTQLCL: Hệ thống quản lý chất lượng.",
        "- QT: Quy trình; BM: Biểu mẫu; TKISO: Thư ký ISO.",
        *[f"- {d}" for d in definitions],
        "",
        "# 5. Trách nhiệm",
        *[f"- {r}" for r in responsibilities],
        "",
        "# 6. Nội dung quy trình",
    ]
    for i, (title, who, when, detail) in enumerate(steps, start=1):
        lines += ["", f"**Bước {i}. {title}**", f"Trách nhiệm: {who}. Thời gian: {when}.", detail]
    lines += [
        "",
        "# 7. Hồ sơ",
        *[f"- {r['name']} – lưu tại {r['kept_by']}, thời gian lưu {r['retention_months'] // 12} năm." for r in records],
    ]
    return "\n".join(lines).format(**w)


def _rec(name, kept_by, years):
    return {"name": name, "kept_by": kept_by, "retention_months": years * 12}


def template_documents(kind):
    """(doc_type, code, title, owner_unit, body, records) for a kind of agency."""
    w = KIND_WORDS[kind]
    policy = (
        "{head} cam kết xây dựng, áp dụng, duy trì và cải tiến Hệ thống quản lý chất lượng phù hợp tiêu chuẩn "
        "TCVN ISO 9001:2015 trong toàn bộ hoạt động giải quyết thủ tục hành chính và công việc nội bộ.\n\n"
        "**Phương châm: Công khai – Minh bạch – Đúng hạn – Tận tình.**\n\n"
        "- Giải quyết hồ sơ của {people} đúng quy định pháp luật, đúng hoặc trước hạn hẹn.\n"
        "- Công khai đầy đủ thủ tục hành chính, phí, lệ phí, thời hạn giải quyết tại {one_stop} và trên Cổng "
        "dịch vụ công.\n"
        "- Không ngừng nâng cao trình độ chuyên môn, tinh thần phục vụ của cán bộ, công chức.\n"
        "- Lắng nghe ý kiến phản ánh, kiến nghị của {people} để cải tiến liên tục.\n\n"
        "Chính sách chất lượng được phổ biến đến toàn thể cán bộ, công chức và được xem xét định kỳ hằng năm."
    ).format(**w)
    objectives = (
        "# Mục tiêu chất lượng năm 2026\n"
        "1. 100% thủ tục hành chính thuộc thẩm quyền được công khai đầy đủ, kịp thời.\n"
        "2. Tối thiểu 98% hồ sơ thủ tục hành chính được giải quyết đúng hoặc trước hạn.\n"
        "3. 100% hồ sơ trễ hạn có phiếu xin lỗi và hẹn lại ngày trả kết quả gửi {people}.\n"
        "4. Tỷ lệ hài lòng của {people} đạt từ 95% trở lên qua khảo sát hằng quý.\n"
        "5. 100% cán bộ, công chức được phổ biến chính sách chất lượng và các quy trình liên quan.\n"
        "6. Không có phản ánh, kiến nghị về thái độ phục vụ của cán bộ, công chức.\n\n"
        "# Kế hoạch thực hiện\n"
        "- {office} theo dõi, tổng hợp kết quả thực hiện mục tiêu hằng quý, báo cáo {head}.\n"
        "- Kết quả được đánh giá tại cuộc họp xem xét của lãnh đạo."
    ).format(**w)
    tk = "Thư ký ISO"
    procedures = [
        (
            "QT-01",
            "Quy trình kiểm soát tài liệu",
            "Quy định thống nhất cách thức soạn thảo, kiểm tra, phê duyệt, ban hành, phân phối, sửa đổi và hủy bỏ tài "
            "liệu của HTQLCL, bảo đảm tài liệu được sử dụng luôn là bản có hiệu lực.",
            "Áp dụng đối với mọi tài liệu nội bộ và tài liệu có nguồn gốc bên ngoài thuộc HTQLCL của {agency}.",
            [
                "Tài liệu: chính sách, mục tiêu chất lượng, quy trình, hướng dẫn, biểu mẫu.",
                "Tài liệu bên ngoài: văn bản quy phạm pháp luật, tiêu chuẩn, văn bản hướng dẫn của cấp trên.",
            ],
            [
                "{head}: phê duyệt, ban hành tài liệu.",
                "Thư ký ISO: kiểm tra hình thức, quản lý danh mục, phân phối, thu hồi tài liệu.",
                "Trưởng các bộ phận: soạn thảo, đề nghị sửa đổi tài liệu thuộc lĩnh vực phụ trách.",
            ],
            [
                (
                    "Đề nghị soạn thảo, sửa đổi",
                    "Bộ phận chủ trì",
                    "khi có nhu cầu",
                    "Lập phiếu đề nghị (BM-01.01) nêu rõ nội dung, lý do sửa đổi; trình lãnh đạo cho ý kiến.",
                ),
                (
                    "Soạn thảo",
                    "Bộ phận chủ trì",
                    "05 ngày làm việc",
                    "Soạn dự thảo theo cấu trúc thống nhất; ghi nội dung sửa đổi vào bảng theo dõi sửa đổi.",
                ),
                (
                    "Kiểm tra",
                    tk,
                    "02 ngày làm việc",
                    "Kiểm tra sự phù hợp với tiêu chuẩn và tính thống nhất; trả lại dự thảo kèm lý do nếu chưa đạt.",
                ),
                (
                    "Phê duyệt, ban hành",
                    "{head}",
                    "02 ngày làm việc",
                    "Phê duyệt và ký quyết định ban hành; tài liệu có hiệu lực kể từ ngày ghi trên quyết định.",
                ),
                (
                    "Phân phối, phổ biến",
                    tk,
                    "01 ngày làm việc",
                    "Phân phối đến các bộ phận liên quan; cán bộ xác nhận đã "
                    "đọc; cập nhật danh mục tài liệu nội bộ (BM-01.02).",
                ),
                (
                    "Thu hồi tài liệu hết hiệu lực",
                    tk,
                    "ngay khi ban hành bản mới",
                    "Đóng dấu “HẾT HIỆU LỰC”, lưu một bản để tra cứu, không sử dụng.",
                ),
            ],
            [
                _rec("Phiếu đề nghị soạn thảo, sửa đổi tài liệu", tk, 3),
                _rec("Danh mục tài liệu nội bộ", tk, 5),
                _rec("Danh mục tài liệu bên ngoài", tk, 5),
            ],
        ),
        (
            "QT-02",
            "Quy trình kiểm soát hồ sơ",
            "Quy định cách nhận biết, lưu trữ, bảo vệ, truy cập, thời gian lưu và hủy hồ sơ của HTQLCL.",
            "Áp dụng đối với mọi hồ sơ phát sinh khi thực hiện các quy trình của HTQLCL tại {agency}.",
            ["Hồ sơ: tài liệu công bố các kết quả đạt được hay cung cấp bằng chứng về các hoạt động được thực hiện."],
            [
                "Trưởng các bộ phận: tổ chức lập, lưu hồ sơ của bộ phận.",
                "Thư ký ISO: hướng dẫn, kiểm tra việc lưu hồ sơ.",
                "{head}: phê duyệt việc hủy hồ sơ hết thời hạn lưu.",
            ],
            [
                (
                    "Lập danh mục hồ sơ",
                    "Các bộ phận",
                    "đầu năm",
                    "Lập danh mục hồ sơ của bộ phận (BM-02.01): tên hồ sơ, nơi lưu, thời gian lưu.",
                ),
                (
                    "Lưu trữ, bảo quản",
                    "Các bộ phận",
                    "thường xuyên",
                    "Sắp xếp hồ sơ khoa học, dễ tìm; hồ sơ điện tử lưu trên phần mềm ISO điện tử và sao lưu định kỳ.",
                ),
                (
                    "Tra cứu, khai thác",
                    "Người có nhu cầu",
                    "khi cần",
                    "Được sự đồng ý của trưởng bộ phận quản lý hồ sơ.",
                ),
                (
                    "Hủy hồ sơ hết thời hạn lưu",
                    "Thư ký ISO",
                    "hằng năm",
                    "Lập danh sách hồ sơ hết hạn lưu, trình {head} phê duyệt, lập biên bản hủy (BM-02.02).",
                ),
            ],
            [_rec("Danh mục hồ sơ", "Các bộ phận", 5), _rec("Biên bản hủy hồ sơ", tk, 10)],
        ),
        (
            "QT-03",
            "Quy trình đánh giá nội bộ",
            "Xác định HTQLCL có phù hợp với yêu cầu của tiêu chuẩn TCVN ISO 9001:2015 "
            "và được áp dụng, duy trì hiệu lực.",
            "Áp dụng cho việc đánh giá nội bộ toàn bộ HTQLCL của {agency}, ít nhất mỗi năm một lần.",
            ["Đánh giá viên nội bộ: cán bộ đã được đào tạo về đánh giá nội bộ."],
            [
                "{head}: phê duyệt kế hoạch, quyết định thành lập đoàn đánh giá.",
                "Trưởng đoàn: lập kế hoạch, báo cáo kết quả.",
                "Các bộ phận được đánh giá: phối hợp, thực hiện hành động khắc phục.",
            ],
            [
                (
                    "Lập kế hoạch đánh giá",
                    "Thư ký ISO",
                    "tháng 8 hằng năm",
                    "Lập kế hoạch đánh giá nội bộ (BM-03.01) trình {head} phê duyệt.",
                ),
                (
                    "Chuẩn bị đánh giá",
                    "Đoàn đánh giá",
                    "05 ngày làm việc",
                    "Nghiên cứu tài liệu, lập danh mục câu hỏi.",
                ),
                (
                    "Tiến hành đánh giá",
                    "Đoàn đánh giá",
                    "theo kế hoạch",
                    "Họp khai mạc, đánh giá tại các bộ phận, ghi nhận bằng chứng, họp kết thúc.",
                ),
                (
                    "Báo cáo đánh giá",
                    "Trưởng đoàn",
                    "03 ngày làm việc",
                    "Lập báo cáo (BM-03.02), nêu các điểm không phù hợp.",
                ),
                (
                    "Theo dõi khắc phục",
                    "Thư ký ISO",
                    "theo thời hạn đã thống nhất",
                    "Kiểm tra việc thực hiện hành động khắc phục theo QT-04.",
                ),
            ],
            [_rec("Kế hoạch đánh giá nội bộ", tk, 3), _rec("Báo cáo đánh giá nội bộ", tk, 3)],
        ),
        (
            "QT-04",
            "Quy trình kiểm soát sự không phù hợp và hành động khắc phục",
            "Kiểm soát kết quả giải quyết công việc không phù hợp, xác định nguyên nhân "
            "và thực hiện hành động khắc phục "
            "để sự không phù hợp không tái diễn.",
            "Áp dụng đối với sự không phù hợp phát hiện qua đánh giá nội bộ, phản ánh của {people}, hồ sơ trễ hạn "
            "và trong quá trình giải quyết công việc tại {agency}.",
            ["Sự không phù hợp: sự không đáp ứng một yêu cầu."],
            [
                "Người phát hiện: ghi nhận, báo cáo.",
                "Trưởng bộ phận liên quan: phân tích nguyên nhân, đề xuất hành động khắc phục.",
                "{head}: phê duyệt hành động khắc phục.",
            ],
            [
                ("Nhận biết sự không phù hợp", "Cán bộ, công chức", "ngay khi phát hiện", "Ghi phiếu (BM-04.01)."),
                (
                    "Xử lý tức thời",
                    "Trưởng bộ phận",
                    "01 ngày làm việc",
                    "Với hồ sơ trễ hạn: gửi phiếu xin lỗi và hẹn lại ngày trả kết quả.",
                ),
                (
                    "Phân tích nguyên nhân, đề xuất khắc phục",
                    "Trưởng bộ phận",
                    "03 ngày làm việc",
                    "Xác định nguyên nhân gốc; đề xuất hành động, thời hạn hoàn thành.",
                ),
                (
                    "Thực hiện và kiểm tra hiệu lực",
                    "Thư ký ISO",
                    "theo thời hạn",
                    "Xác nhận hiệu lực của hành động khắc phục; cập nhật rủi ro, cơ hội nếu cần.",
                ),
            ],
            [_rec("Phiếu theo dõi sự không phù hợp và hành động khắc phục", tk, 3)],
        ),
        (
            "QT-05",
            "Quy trình xem xét của lãnh đạo",
            "Bảo đảm HTQLCL luôn thích hợp, thỏa đáng, có hiệu lực và phù hợp với định hướng chiến lược của cơ quan.",
            "Áp dụng cho các cuộc họp xem xét của lãnh đạo về HTQLCL của {agency}, ít nhất mỗi năm một lần.",
            [],
            ["{head}: chủ trì cuộc họp, kết luận.", "Thư ký ISO: chuẩn bị báo cáo đầu vào, lập biên bản."],
            [
                (
                    "Chuẩn bị",
                    "Thư ký ISO",
                    "10 ngày làm việc trước cuộc họp",
                    "Tổng hợp kết quả thực hiện mục tiêu, đánh "
                    "giá nội bộ, sự hài lòng, tình trạng hành động khắc phục, rủi ro và cơ hội.",
                ),
                (
                    "Họp xem xét",
                    "{head}",
                    "theo kế hoạch",
                    "Xem xét các đầu vào, quyết định cải tiến, nhu cầu nguồn lực.",
                ),
                ("Theo dõi thực hiện kết luận", "Thư ký ISO", "theo thời hạn", "Báo cáo {head} kết quả thực hiện."),
            ],
            [_rec("Báo cáo và biên bản họp xem xét của lãnh đạo", tk, 5)],
        ),
        (
            "QT-06",
            "Quy trình xác định và xử lý rủi ro, cơ hội",
            "Nhận diện, đánh giá và xử lý các rủi ro, cơ hội có thể ảnh hưởng "
            "đến kết quả giải quyết thủ tục hành chính "
            "và sự hài lòng của {people}.",
            "Áp dụng cho tất cả quá trình thuộc phạm vi HTQLCL của {agency}.",
            ["Rủi ro: tác động của sự không chắc chắn; cơ hội: tình huống thuận lợi để cải tiến."],
            ["Trưởng các bộ phận: nhận diện, đánh giá rủi ro của bộ phận.", "{head}: phê duyệt kế hoạch xử lý rủi ro."],
            [
                ("Nhận diện rủi ro, cơ hội", "Các bộ phận", "quý I hằng năm", "Lập sổ theo dõi rủi ro (BM-06.01)."),
                ("Đánh giá mức độ", "Các bộ phận", "05 ngày làm việc", "Đánh giá khả năng xảy ra và mức độ ảnh hưởng."),
                (
                    "Lập và thực hiện kế hoạch xử lý",
                    "Các bộ phận",
                    "theo kế hoạch",
                    "Trình {head} phê duyệt, thực hiện, báo cáo kết quả.",
                ),
                ("Xem xét hiệu lực", "Thư ký ISO", "tại cuộc họp xem xét của lãnh đạo", "Cập nhật sổ theo dõi rủi ro."),
            ],
            [_rec("Sổ theo dõi rủi ro và cơ hội", tk, 3)],
        ),
    ]
    forms = [
        ("BM-01.01", "Phiếu đề nghị soạn thảo, sửa đổi tài liệu"),
        ("BM-01.02", "Danh mục tài liệu nội bộ"),
        ("BM-02.01", "Danh mục hồ sơ"),
        ("BM-03.01", "Kế hoạch đánh giá nội bộ"),
        ("BM-03.02", "Báo cáo đánh giá nội bộ"),
        ("BM-04.01", "Phiếu theo dõi sự không phù hợp và hành động khắc phục"),
        ("BM-06.01", "Sổ theo dõi rủi ro và cơ hội"),
    ]
    office = w["office"]
    result = [
        ("policy", "CSCL", "Chính sách chất lượng", office, policy, []),
        ("objectives", "MTCL", "Mục tiêu chất lượng năm 2026", office, objectives, []),
    ]
    for code, title, purpose, scope, defs, resp, steps, records in procedures:
        result.append(
            ("procedure", code, title, office, _procedure(w, purpose, scope, defs, resp, steps, records), records)
        )
    for code, title in forms:
        body = (
            f"# {title.upper()}\n{{agency}} ……………\nSố: ……/{code}\n\n- Nội dung: ………………………………\n"
            "- Người lập: ……………………  Ngày …/…/……\n- Người phê duyệt: ……………………"
        ).format(**w)
        result.append(("form", code, title, office, body, []))
    return w["name"], result
