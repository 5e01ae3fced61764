from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.anchors import verify_anchors
from core.audit import verify_chain
from core.models import AuditChainHead, AuditEntry


class Command(BaseCommand):
    help = gettext_lazy(
        "Kiểm tra lại nhật ký thay đổi: tính lại chuỗi mã băm (có khóa) và đối chiếu với các mốc lưu ngoài cơ sở dữ "
        "liệu; báo lỗi nếu có mục bị sửa, bị xóa, bị chèn hay bị ghi lại."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        using = options["database"]
        chains = set(AuditChainHead.objects.using(using).values_list("chain", flat=True))
        chains |= set(AuditEntry.objects.using(using).values_list("chain", flat=True).distinct())
        problems = []
        for chain in sorted(chains):
            problems += verify_chain(chain, using=using)
        anchor_problems, anchors = verify_anchors(using)
        problems += anchor_problems
        total = AuditEntry.objects.using(using).count()
        counts = {"problems": len(problems), "entries": total, "chains": len(chains), "anchors": anchors}
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(_("Nhật ký bị can thiệp: %(problems)s lỗi trong %(entries)s mục.") % counts)
        self.stdout.write(
            self.style.SUCCESS(
                _("Nhật ký nguyên vẹn: %(entries)s mục trong %(chains)s chuỗi, khớp %(anchors)s mốc.") % counts
            )
        )
