"""The clauses of TCVN ISO 9001:2015 that an internal audit checks (4-10), each with the questions an auditor of a
state administrative agency asks. The titles are the clauses' short headings; the questions are eISO's own, written
for one-stop shops and administrative procedures (no text of the standard is reproduced)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Clause:
    code: str
    title: str | Promise
    questions: tuple[str, ...]


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "4.1",
        _("Hiểu tổ chức và bối cảnh"),
        (
            "Cơ quan đã xác định các vấn đề nội bộ, bên ngoài ảnh hưởng đến việc giải quyết TTHC (sắp xếp bộ máy, "
            "văn bản pháp luật mới, ứng dụng CNTT) và có theo dõi, cập nhật chưa?",
        ),
    ),
    Clause(
        "4.2",
        _("Nhu cầu và mong đợi của các bên quan tâm"),
        (
            "Đã xác định người dân, doanh nghiệp, cơ quan cấp trên và yêu cầu của họ đối với kết quả giải quyết "
            "TTHC chưa?",
        ),
    ),
    Clause(
        "4.3",
        _("Phạm vi của hệ thống quản lý chất lượng"),
        (
            "Phạm vi HTQLCL đã bao gồm đầy đủ các TTHC được công bố thuộc thẩm quyền của cơ quan chưa?",
            "Khi có TTHC mới, sửa đổi hoặc bãi bỏ, phạm vi có được rà soát, công bố lại không?",
        ),
    ),
    Clause(
        "4.4",
        _("Hệ thống quản lý chất lượng và các quá trình"),
        ("Các quy trình giải quyết TTHC có nêu rõ trình tự, trách nhiệm, thời gian từng bước và hồ sơ cần lưu không?",),
    ),
    Clause(
        "5.1",
        _("Sự lãnh đạo và cam kết"),
        (
            "Lãnh đạo cơ quan có chủ trì xem xét HTQLCL, phân công trách nhiệm và bố trí nguồn lực cho việc duy "
            "trì không?",
        ),
    ),
    Clause(
        "5.2",
        _("Chính sách chất lượng"),
        ("Chính sách chất lượng có được ban hành, phổ biến tới cán bộ và niêm yết tại Bộ phận Một cửa không?",),
    ),
    Clause(
        "5.3",
        _("Vai trò, trách nhiệm và quyền hạn"),
        ("Trách nhiệm của Ban chỉ đạo ISO, thư ký ISO và từng phòng đối với HTQLCL có được giao bằng văn bản không?",),
    ),
    Clause(
        "6.1",
        _("Hành động giải quyết rủi ro và cơ hội"),
        (
            "Các rủi ro của quá trình giải quyết TTHC (trễ hạn, sai sót hồ sơ, thất lạc) đã được nhận diện, đánh "
            "giá và "
            "có biện pháp xử lý chưa? Biện pháp có được thực hiện đúng hạn không?",
        ),
    ),
    Clause(
        "6.2",
        _("Mục tiêu chất lượng và hoạch định để đạt mục tiêu"),
        (
            "Mục tiêu chất lượng năm có đo lường được, có kế hoạch thực hiện (việc cần làm, nguồn lực, người "
            "chịu trách "
            "nhiệm, thời hạn) và được theo dõi định kỳ không?",
        ),
    ),
    Clause(
        "6.3",
        _("Hoạch định các thay đổi"),
        (
            "Khi thay đổi quy trình, nhân sự hoặc tổ chức, cơ quan có hoạch định để việc giải quyết hồ sơ không "
            "bị gián "
            "đoạn không?",
        ),
    ),
    Clause(
        "7.1",
        _("Nguồn lực"),
        ("Nhân sự, trang thiết bị, phần mềm một cửa và môi trường làm việc có đáp ứng yêu cầu giải quyết TTHC không?",),
    ),
    Clause(
        "7.2",
        _("Năng lực"),
        (
            "Cán bộ làm việc có ảnh hưởng đến chất lượng có được đào tạo, tập huấn về ISO và nghiệp vụ; hồ sơ đào tạo "
            "có được lưu không?",
        ),
    ),
    Clause(
        "7.3",
        _("Nhận thức"),
        ("Cán bộ có biết chính sách, mục tiêu chất lượng và quy trình liên quan đến công việc của mình không?",),
    ),
    Clause(
        "7.4",
        _("Trao đổi thông tin"),
        (
            "Cơ quan có quy định nội dung, thời điểm, người thực hiện việc trao đổi thông tin nội bộ và với "
            "người dân không?",
        ),
    ),
    Clause(
        "7.5",
        _("Thông tin dạng văn bản"),
        (
            "Tài liệu đang dùng có phải bản hiện hành, được phê duyệt và phân phối đến người sử dụng không?",
            "Hồ sơ (phiếu kiểm soát, sổ theo dõi) có được lưu đủ, đúng thời hạn và dễ truy xuất không?",
        ),
    ),
    Clause(
        "8.1",
        _("Hoạch định và kiểm soát việc thực hiện"),
        ("Hồ sơ TTHC có được giải quyết đúng trình tự, đúng thời gian từng bước như quy trình đã ban hành không?",),
    ),
    Clause(
        "8.2",
        _("Yêu cầu đối với dịch vụ"),
        ("Thành phần hồ sơ, phí, lệ phí, thời hạn có được công khai và hướng dẫn đầy đủ cho người dân không?",),
    ),
    Clause(
        "8.4",
        _("Kiểm soát quá trình do bên ngoài cung cấp"),
        ("Các dịch vụ thuê ngoài hoặc phối hợp liên thông (bưu chính, cơ quan phối hợp) có được kiểm soát không?",),
    ),
    Clause(
        "8.5",
        _("Cung cấp dịch vụ"),
        ("Phiếu kiểm soát quá trình có ghi đủ các lần giao nhận; hồ sơ trễ hạn có phiếu xin lỗi và hẹn lại không?",),
    ),
    Clause(
        "8.6",
        _("Thông qua sản phẩm và dịch vụ"),
        ("Kết quả giải quyết có được kiểm tra, phê duyệt đúng thẩm quyền trước khi trả cho người dân không?",),
    ),
    Clause(
        "8.7",
        _("Kiểm soát đầu ra không phù hợp"),
        ("Kết quả sai sót hoặc hồ sơ trễ hạn có được nhận diện, xử lý và ghi nhận không?",),
    ),
    Clause(
        "9.1",
        _("Theo dõi, đo lường, phân tích và đánh giá"),
        ("Cơ quan có theo dõi tỷ lệ hồ sơ đúng hạn, mức độ hài lòng của người dân và phân tích kết quả không?",),
    ),
    Clause(
        "9.2",
        _("Đánh giá nội bộ"),
        (
            "Chương trình đánh giá nội bộ năm có được lập và thực hiện; chuyên gia đánh giá có độc lập với đơn vị được "
            "đánh giá không?",
        ),
    ),
    Clause(
        "9.3",
        _("Xem xét của lãnh đạo"),
        (
            "Cuộc họp xem xét của lãnh đạo có đủ các đầu vào và ra quyết định, hành động có người thực hiện và "
            "thời hạn "
            "không?",
        ),
    ),
    Clause(
        "10.2",
        _("Sự không phù hợp và hành động khắc phục"),
        ("Sự không phù hợp có được phân tích nguyên nhân, có hành động khắc phục và được kiểm tra hiệu lực không?",),
    ),
    Clause(
        "10.3",
        _("Cải tiến liên tục"),
        ("Cơ quan có cải tiến quy trình (rút ngắn thời gian, giảm thành phần hồ sơ, giải quyết trực tuyến) không?",),
    ),
)

BY_CODE = {clause.code: clause for clause in CLAUSES}


def choices() -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} {c.title}") for c in CLAUSES]


def label(code: str) -> str:
    clause = BY_CODE.get(code)
    return f"{clause.code} {clause.title}" if clause else code
