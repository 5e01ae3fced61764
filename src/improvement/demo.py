"""Demo data of the improvement cycle for the demo department (Sở Nông nghiệp và Môi trường), written through the
services as its officials would have: quality objectives for last year and this year (some off target), the risk
register, a year of citizens' answers to the survey, the nonconformities eISO proposes from the late dossiers, one
accepted and worked on, one closed last year, one with an overdue action."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from accounts.roles import Role
from core.audit import acting_as

from . import services
from .models import Direction, Frequency, LatePattern, Measure, Objective, Risk, Source, SurveyResponse, Unit


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _objectives(agency, secretary, head, land, land_procedure):
    today = timezone.localdate()
    this, last = today.year, today.year - 1
    common = {"owner": secretary, "plan_responsible": "Thư ký ISO, các phòng chuyên môn"}
    specs = [
        # (year, title, measure, extra, direction, target, unit, frequency, plan)
        (
            this,
            "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn",
            Measure.DOSSIERS_ON_TIME,
            {},
            "ge",
            80,
            Unit.PERCENT,
            Frequency.MONTHLY,
            "Theo dõi hồ sơ sắp đến hạn hằng ngày; nhắc việc tự động trước hạn 1 ngày.",
        ),
        (
            this,
            "Hồ sơ lĩnh vực đất đai giải quyết đúng hạn",
            Measure.DOSSIERS_ON_TIME,
            {"field": land},
            "ge",
            85,
            Unit.PERCENT,
            Frequency.QUARTERLY,
            "Rà soát quy trình cấp giấy chứng nhận; bổ sung nhân lực thẩm định.",
        ),
        (
            this,
            "Hồ sơ đăng ký biến động đất đai đúng hạn",
            Measure.DOSSIERS_ON_TIME,
            {"procedure": land_procedure},
            "ge",
            75,
            Unit.PERCENT,
            Frequency.QUARTERLY,
            "Phối hợp với Văn phòng đăng ký đất đai rút ngắn thời gian luân chuyển hồ sơ.",
        ),
        (
            this,
            "Tài liệu hệ thống được xem xét định kỳ đúng hạn",
            Measure.DOCUMENTS_REVIEWED,
            {},
            "ge",
            90,
            Unit.PERCENT,
            Frequency.QUARTERLY,
            "Thư ký ISO lập lịch xem xét tài liệu; lãnh đạo phòng rà soát hằng quý.",
        ),
        (
            this,
            "Người dân, doanh nghiệp hài lòng với việc giải quyết thủ tục",
            Measure.SATISFACTION,
            {},
            "ge",
            75,
            Unit.PERCENT,
            Frequency.QUARTERLY,
            "Dán mã QR khảo sát tại Bộ phận Một cửa và trên giấy tiếp nhận.",
        ),
        (
            this,
            "Hành động khắc phục hoàn thành đúng hạn",
            Measure.ACTIONS_ON_TIME,
            {},
            "ge",
            100,
            Unit.PERCENT,
            Frequency.QUARTERLY,
            "Nhắc hành động sắp đến hạn trong giao ban tuần.",
        ),
        (
            this,
            "Lượt cán bộ được đào tạo về HTQLCL",
            Measure.MANUAL,
            {},
            "ge",
            20,
            Unit.COUNT,
            Frequency.YEARLY,
            "Cử cán bộ mới, cán bộ luân chuyển dự lớp nhận thức và đánh giá nội bộ.",
        ),
        (
            this,
            "Thời gian trung bình trả lời phản ánh, kiến nghị",
            Measure.MANUAL,
            {},
            "le",
            5,
            Unit.DAYS,
            Frequency.QUARTERLY,
            "Tiếp nhận phản ánh qua đường dây nóng và cổng dịch vụ công; phân công xử lý trong ngày.",
        ),
        (
            last,
            "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn",
            Measure.DOSSIERS_ON_TIME,
            {},
            "ge",
            80,
            Unit.PERCENT,
            Frequency.MONTHLY,
            "Theo dõi hồ sơ sắp đến hạn hằng ngày.",
        ),
        (
            last,
            "Lượt cán bộ được đào tạo về HTQLCL",
            Measure.MANUAL,
            {},
            "ge",
            20,
            Unit.COUNT,
            Frequency.YEARLY,
            "Tổ chức 01 lớp nhận thức, 01 lớp đánh giá viên nội bộ.",
        ),
        (
            last,
            "Thời gian trung bình trả lời phản ánh, kiến nghị",
            Measure.MANUAL,
            {},
            "le",
            5,
            Unit.DAYS,
            Frequency.QUARTERLY,
            "Phân công xử lý phản ánh trong ngày làm việc.",
        ),
    ]
    made = {}
    for year, title, measure, extra, direction, target, unit, frequency, plan in specs:
        data = {
            "year": year,
            "title": title,
            "measure": measure,
            "direction": Direction(direction),
            "target": Decimal(target),
            "unit": unit,
            "frequency": frequency,
            "plan_actions": plan,
            "plan_resources": "Kinh phí duy trì HTQLCL năm; phần mềm ISO điện tử.",
            "plan_due": dt.date(year, 12, 31),
            **common,
            **extra,
        }
        made[(year, title)] = services.save_objective(secretary, agency, data)
    # What the secretary measured by hand.
    manual = {
        (last, "Lượt cán bộ được đào tạo về HTQLCL"): [(dt.date(last, 1, 1), 24, "02 lớp, 24 lượt cán bộ")],
        (this, "Lượt cán bộ được đào tạo về HTQLCL"): [
            (dt.date(this, 1, 1), 15, "01 lớp nhận thức; lớp đánh giá nội bộ chưa tổ chức")
        ],
        (last, "Thời gian trung bình trả lời phản ánh, kiến nghị"): [
            (dt.date(last, 1, 1), Decimal("4.5"), ""),
            (dt.date(last, 4, 1), Decimal("4.2"), ""),
            (dt.date(last, 7, 1), Decimal("5.8"), "Nhiều phản ánh về bồi thường giải phóng mặt bằng"),
            (dt.date(last, 10, 1), Decimal("4.9"), ""),
        ],
        (this, "Thời gian trung bình trả lời phản ánh, kiến nghị"): [
            (dt.date(this, 1, 1), Decimal("4.8"), ""),
            (dt.date(this, 4, 1), Decimal("6.1"), "Thiếu cán bộ tiếp nhận trong quý"),
            (dt.date(this, 7, 1), Decimal("5.4"), ""),
        ],
    }
    for key, values in manual.items():
        for start, value, note in values:
            if start <= today:
                services.record_measurement(secretary, made[key], start, Decimal(value), note)
    return made


def _risks(agency, secretary, head, staff, land_procedure, documents):
    procedure_doc = next((d for d in documents if d.doc_type == "procedure"), None)
    specs = [
        (
            "Tiếp nhận và trả kết quả",
            "Hồ sơ tiếp nhận thiếu thành phần do hướng dẫn chưa rõ, người dân phải đi lại nhiều lần",
            "Bộ thủ tục niêm yết chưa cập nhật",
            "Người dân không hài lòng, hồ sơ trễ hạn",
            3,
            3,
            Risk.Kind.RISK,
        ),
        (
            "Cấp giấy chứng nhận quyền sử dụng đất",
            "Hồ sơ chuyển Văn phòng đăng ký đất đai chậm, quá thời hạn của bước thẩm định",
            "Khối lượng hồ sơ lớn, thiếu cán bộ thẩm định",
            "Trễ hạn trả kết quả, phải xin lỗi người dân",
            4,
            4,
            Risk.Kind.RISK,
        ),
        (
            "Kiểm soát tài liệu",
            "Sử dụng biểu mẫu hết hiệu lực sau khi thủ tục được công bố sửa đổi",
            "Chưa rà soát tài liệu khi văn bản căn cứ thay đổi",
            "Hồ sơ lập sai mẫu",
            2,
            3,
            Risk.Kind.RISK,
        ),
        (
            "Lưu trữ hồ sơ",
            "Mất, thất lạc hồ sơ giấy khi luân chuyển giữa các phòng",
            "Không có sổ giao nhận",
            "Không chứng minh được kết quả giải quyết",
            2,
            5,
            Risk.Kind.RISK,
        ),
        (
            "Giải quyết phản ánh, kiến nghị",
            "Phản ánh của người dân không được trả lời đúng thời hạn",
            "Chưa phân công đầu mối",
            "Khiếu nại vượt cấp",
            3,
            4,
            Risk.Kind.RISK,
        ),
        (
            "Tiếp nhận và trả kết quả",
            "Mở rộng nộp hồ sơ trực tuyến toàn trình cho thủ tục đăng ký biến động",
            "",
            "Giảm thời gian đi lại của người dân",
            4,
            3,
            Risk.Kind.OPPORTUNITY,
        ),
    ]
    made = []
    for process, description, cause, consequence, likelihood, impact, kind in specs:
        risk = services.save_risk(
            secretary,
            agency,
            {
                "kind": kind,
                "process": process,
                "description": description,
                "cause": cause,
                "consequence": consequence,
                "likelihood": likelihood,
                "impact": impact,
                "owner": secretary if likelihood * impact < 10 else head,
                "identified_on": _ago(150),
                "review_on": _ago(-30) if likelihood * impact >= 10 else _ago(-120),
                "procedure": land_procedure if "đất" in process.lower() else None,
                "document": procedure_doc if process == "Kiểm soát tài liệu" else None,
            },
        )
        made.append(risk)
    services.add_risk_action(
        secretary, made[1], "Bổ sung 02 cán bộ thẩm định hồ sơ đất đai trong cao điểm", head, _ago(20)
    )
    services.add_risk_action(secretary, made[1], "Theo dõi hồ sơ quá hạn bước hằng ngày trên eISO", staff, _ago(-15))
    action = services.add_risk_action(
        secretary, made[0], "Cập nhật bộ thủ tục niêm yết tại Bộ phận Một cửa", staff, _ago(60)
    )
    services.complete_risk_action(staff, action, _ago(70))
    services.add_risk_action(secretary, made[3], "Lập sổ giao nhận hồ sơ giữa các phòng", secretary, _ago(-45))
    return made


COMMENTS_GOOD = [
    "Cán bộ hướng dẫn tận tình, nhiệt tình.",
    "Thủ tục nhanh gọn, trả kết quả đúng hẹn.",
    "",
    "",
    "Rất hài lòng.",
]
COMMENTS_BAD = [
    "Phải đi lại nhiều lần để bổ sung giấy tờ.",
    "Trả kết quả trễ hẹn mà không được báo trước.",
    "Hướng dẫn chưa rõ, mỗi lần nói một khác.",
    "Chờ đợi lâu tại quầy.",
]


def _answers(agency, rng):
    """A year of answers, a few a day, some with the code of a returned dossier of the agency."""
    from dossiers.models import Dossier

    codes = list(
        Dossier.objects.filter(agency=agency, completed_at__isnull=False)
        .order_by("-completed_at")
        .values_list("code", "completed_at")[:600]
    )
    rng.shuffle(codes)
    now = timezone.now()
    answers = 0
    for i in range(420):
        moment = now - dt.timedelta(days=rng.uniform(0, 364), minutes=rng.randint(0, 600))
        unhappy = rng.random() < 0.09
        overall = rng.choice([1, 2]) if unhappy else rng.choice([3, 4, 4, 5, 5, 5, 5, 4, 5])
        code = ""
        if codes and rng.random() < 0.6:
            code, completed = codes.pop()
            moment = max(completed, moment) if completed < now else moment
        answer = services.Answer(
            overall=overall,
            on_time=rng.choice(["no", "yes"]) if unhappy else rng.choice(["yes"] * 9 + ["pending"]),
            attitude=max(1, min(5, overall + rng.choice([-1, 0, 0, 1]))),
            guidance=max(1, min(5, overall + rng.choice([-1, 0, 0]))),
            comment=rng.choice(COMMENTS_BAD if unhappy else COMMENTS_GOOD),
            dossier_code=code,
        )
        services.submit(agency, answer, f"demo-{i}", submitted_at=min(moment, now))
        answers += 1
    return answers


def _nonconformities(agency, secretary, head, staff, objectives):
    users = get_user_model().objects.filter(agency=agency, is_active=True).exclude(pk__in=[secretary.pk, head.pk])
    other = users.exclude(pk=staff.pk).first() or staff
    # A closed one from last year, raised from the off-target objective on replies to citizens' complaints.
    last_year = timezone.localdate().year - 1
    replies = objectives[(last_year, "Thời gian trung bình trả lời phản ánh, kiến nghị")]
    closed = services.raise_nonconformity(
        secretary,
        agency,
        "Thời gian trả lời phản ánh quý III vượt chỉ tiêu (5,8 ngày so với ≤ 5 ngày)",
        dt.date(last_year, 10, 8),
        source=Source.OBJECTIVE,
        objective=replies,
        containment="Lãnh đạo Sở chỉ đạo trả lời ngay 12 phản ánh tồn đọng.",
    )
    services.analyse(
        secretary,
        closed,
        closed.containment,
        [
            "Vì sao trả lời chậm? Phản ánh chuyển qua nhiều phòng mới đến người xử lý.",
            "Vì sao chuyển qua nhiều phòng? Chưa có đầu mối tiếp nhận phản ánh.",
            "Vì sao chưa có đầu mối? Quy chế tiếp nhận phản ánh chưa quy định.",
        ],
        "Quy chế tiếp nhận, xử lý phản ánh chưa giao đầu mối và thời hạn từng bước.",
    )
    action = services.add_action(
        secretary,
        closed,
        "Sửa đổi quy chế: Văn phòng Sở là đầu mối, phân công trong ngày",
        staff,
        dt.date(last_year, 11, 15),
    )
    services.complete_action(staff, action, dt.date(last_year, 11, 10), "Đã ban hành quy chế sửa đổi ngày 10/11.")
    services.verify_action(head, action, True, "Quý IV trả lời trung bình 4,9 ngày.", dt.date(last_year, 12, 28))
    services.close_nonconformity(head, closed, dt.date(last_year, 12, 28))

    # The proposals eISO made from this year's late dossiers; the secretary accepted the largest.
    services.propose_from_late_dossiers()
    pattern = LatePattern.objects.filter(agency=agency, status=LatePattern.Status.PROPOSED).order_by("-count").first()
    if pattern is not None:
        nc = services.accept_pattern(secretary, pattern)
        services.analyse(
            secretary,
            nc,
            "Ưu tiên xử lý các hồ sơ đang chậm ở bước này; gửi thư xin lỗi người dân.",
            [
                "Vì sao hồ sơ chậm ở bước này? Cán bộ thẩm định phải chờ kết quả đo đạc.",
                "Vì sao phải chờ? Việc đo đạc do đơn vị khác thực hiện, không có hạn giao.",
            ],
            "Quy trình chưa quy định thời hạn phối hợp đo đạc giữa các đơn vị.",
        )
        first = services.add_action(
            secretary, nc, "Bổ sung thời hạn phối hợp đo đạc vào quy trình giải quyết", other, timezone.localdate()
        )
        services.complete_action(other, first, timezone.localdate(), "Đã trình quy trình sửa đổi.")
        services.add_action(
            secretary,
            nc,
            "Tập huấn lại quy trình cho cán bộ thẩm định",
            staff,
            timezone.localdate() + dt.timedelta(days=20),
        )
        second = (
            LatePattern.objects.filter(agency=agency, status=LatePattern.Status.PROPOSED).order_by("-count").first()
        )
        if second is not None:
            services.dismiss_pattern(
                secretary, second, "Trễ hạn do hệ thống một cửa ngừng hoạt động 2 ngày, đã khắc phục."
            )

    # One raised by a staff member two months ago, its action now overdue.
    open_nc = services.raise_nonconformity(
        staff,
        agency,
        "Biểu mẫu niêm yết tại Bộ phận Một cửa chưa cập nhật theo thủ tục sửa đổi",
        _ago(60),
        containment="Thu hồi biểu mẫu cũ tại quầy.",
    )
    services.add_action(secretary, open_nc, "Rà soát, thay toàn bộ biểu mẫu niêm yết", staff, _ago(25))


def load(ctx):
    from documents.models import Document
    from dossiers.models import Dossier
    from procedures.models import Field

    users = ctx.get("users") or {}
    agency = ctx["agencies"].get("SNNMT")
    if agency is None or Role.ISO_SECRETARY not in users:
        return
    secretary, head, staff = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD], users[Role.STAFF]
    rng = random.Random(2026)
    land = Field.objects.filter(name="Đất đai").first()
    busiest = Dossier.objects.filter(agency=agency, field=land).values("procedure").order_by().annotate(n=Count("id"))
    top = busiest.order_by("-n").first()
    land_procedure = None
    if top:
        from procedures.models import AdminProcedure

        land_procedure = AdminProcedure.objects.get(pk=top["procedure"])
    with acting_as(secretary):
        objectives = _objectives(agency, secretary, head, land, land_procedure)
        _risks(agency, secretary, head, staff, land_procedure, list(Document.objects.filter(agency=agency)))
        answers = _answers(agency, rng)
        _nonconformities(agency, secretary, head, staff, objectives)
        measured = services.recompute_all()
    ctx["stdout"].write(
        f"  improvement: {Objective.objects.count()} objectives ({measured} measurements computed), "
        f"{Risk.objects.count()} risks, {answers} survey answers "
        f"({SurveyResponse.objects.filter(overall__lte=2).count()} dissatisfied), "
        f"{LatePattern.objects.count()} nonconformities proposed from late dossiers"
    )
