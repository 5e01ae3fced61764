import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dbguard


class Command(BaseCommand):
    help = gettext_lazy(
        "PostgreSQL: chuyển bảng nhật ký thay đổi và hàm trigger cho một vai trò khác vai trò của ứng dụng; ứng dụng "
        "chỉ còn quyền đọc và ghi thêm (không sửa, xóa, TRUNCATE, tắt trigger). Chạy bằng tài khoản quản trị "
        "PostgreSQL, sau migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="eiso_audit_owner", help=gettext_lazy("vai trò sở hữu bảng nhật ký"))
        parser.add_argument(
            "--app-role", help=gettext_lazy("vai trò của ứng dụng (mặc định: vai trò đang sở hữu bảng nhật ký)")
        )
        parser.add_argument("--release", action="store_true", help=gettext_lazy("trả bảng cho ứng dụng (để migrate)"))
        parser.add_argument("--sql", action="store_true", help=gettext_lazy("chỉ in các câu lệnh SQL, không chạy"))
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError(_("Lệnh này chỉ dành cho PostgreSQL (trên SQLite, trigger đã chặn sửa và xóa)."))
        owner = options["owner"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [dbguard.TABLE])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(_("Chưa có bảng nhật ký: chạy migrate trước."))
            app_role = options["app_role"] or row[0]
            for role in (owner, app_role):
                if not re.fullmatch(dbguard.ROLE_NAME, role):
                    raise CommandError(_("Tên vai trò không hợp lệ: %(role)s") % {"role": role})
            if app_role == owner:
                raise CommandError(
                    _("Bảng nhật ký đã thuộc vai trò %(owner)s: cho biết vai trò của ứng dụng (--app-role).")
                    % {"owner": owner}
                )
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(_("Không có vai trò %(role)s.") % {"role": app_role})
            if row[0]:
                raise CommandError(
                    _("Vai trò %(role)s là superuser: mọi quyền đều không ràng buộc được nó.") % {"role": app_role}
                )
            statements = dbguard.release_sql(app_role) if options["release"] else dbguard.lockdown_sql(owner, app_role)
            if options["sql"]:
                self.stdout.write(";\n".join(statements) + ";")
                return
            with transaction.atomic(using=connection.alias):
                for statement in statements:
                    cursor.execute(statement)
            if options["release"]:
                self.stdout.write(
                    _("Đã trả bảng nhật ký cho %(role)s; chạy lại lệnh sau migrate.") % {"role": app_role}
                )
                return
            # The owner of the schema may still DROP the table (found by verify_audit_chain through the anchors).
            cursor.execute(
                "SELECT pg_has_role(%s, n.nspowner, 'MEMBER') FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relname = %s",
                [app_role, dbguard.TABLE],
            )
            if cursor.fetchone()[0]:
                self.stderr.write(
                    _(
                        "Lưu ý: %(role)s sở hữu schema của bảng nhật ký nên vẫn xóa được cả bảng (DROP TABLE); "
                        "nên giao schema và cơ sở dữ liệu cho một vai trò quản trị khác."
                    )
                    % {"role": app_role}
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("Bảng nhật ký thuộc %(owner)s; %(role)s chỉ còn quyền đọc và ghi thêm.")
                % {"owner": owner, "role": app_role}
            )
        )
