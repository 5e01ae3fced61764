"""The procedure catalog and the agencies' process definitions. Each service is one transaction."""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tabular import TableReader
from core.text import search_key
from core.workdays import half_days

from .models import AdminProcedure, Field, ProcessDefinition, ProcessStep
from .signals import procedure_changed

if TYPE_CHECKING:
    from organizations.models import Agency, Province

CATALOG_COLUMNS = {
    "code": ["mã thủ tục", "mã TTHC", "mã", "ma_tthc"],
    "name": ["tên thủ tục", "tên TTHC", "tên", "procedure"],
    "field": ["lĩnh vực", "linh_vuc", "field_name"],
    "level": ["cấp thực hiện", "cấp", "cap"],
    "processing_days": ["thời hạn giải quyết", "thời hạn", "số ngày", "thoi_han", "days"],
    "fees": ["phí, lệ phí", "phí lệ phí", "lệ phí", "phí", "phi"],
    "legal_basis": ["căn cứ pháp lý", "can_cu", "legal basis"],
    "agencies": ["cơ quan thực hiện", "cơ quan", "co_quan", "agency"],
}
LEVELS = {
    "provincial": AdminProcedure.Level.PROVINCIAL,
    "cap tinh": AdminProcedure.Level.PROVINCIAL,
    "tinh": AdminProcedure.Level.PROVINCIAL,
    "district": AdminProcedure.Level.DISTRICT,
    "cap huyen": AdminProcedure.Level.DISTRICT,
    "huyen": AdminProcedure.Level.DISTRICT,
    "commune": AdminProcedure.Level.COMMUNE,
    "cap xa": AdminProcedure.Level.COMMUNE,
    "xa": AdminProcedure.Level.COMMUNE,
    "central": AdminProcedure.Level.CENTRAL,
    "trung uong": AdminProcedure.Level.CENTRAL,
    "cap trung uong": AdminProcedure.Level.CENTRAL,
}


def parse_days(value: object, label: str) -> Decimal:
    """A non-negative number of working days in steps of 0.5 ('7', '7,5', '7.5')."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    text = re.sub(r"\s*(ngày làm việc|ngày|ngay lam viec|ngay)\s*$", "", text, flags=re.IGNORECASE)
    try:
        days = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("%(label)s “%(value)s” không phải là số.") % {"label": label, "value": value}) from None
    if days < 0:
        raise ValidationError(_("%(label)s không được âm (%(value)s).") % {"label": label, "value": value})
    try:
        half_days(days)
    except ValueError:
        raise ValidationError(
            _("%(label)s phải là bội số của nửa ngày (0,5): %(value)s.") % {"label": label, "value": value}
        ) from None
    return days


def field_for(name: str) -> Field:
    name = " ".join(name.split())
    code = search_key(name).replace(" ", "-")[:50] or "khac"
    field_obj, _created = Field.objects.get_or_create(code=code, defaults={"name": name})
    return field_obj


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (row_number, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _agencies_for(
    province: "Province", text: str, agencies_by_key: Mapping[str, "Agency"]
) -> tuple[list["Agency"], list[str]]:
    found, unknown = [], []
    for part in re.split(r"[;\n|]", text or ""):
        part = part.strip()
        if not part:
            continue
        agency = agencies_by_key.get(part.upper()) or agencies_by_key.get(search_key(part))
        (found if agency else unknown).append(agency or part)
    return found, unknown


@transaction.atomic
def import_catalog(province: "Province", fileobj: BinaryIO, filename: str) -> ImportResult:
    """Create or update the procedures of a province from a CSV/XLSX file.

    Good rows are kept; each bad row is reported with its row number and reason. Importing the same
    file twice changes nothing the second time.
    """
    result = ImportResult()
    reader = TableReader(fileobj, filename, CATALOG_COLUMNS, required=("code", "name", "field", "processing_days"))
    rows = iter(reader)
    first = next(rows, None)
    missing = reader.missing_columns()
    if missing:
        raise ValidationError(_("Tệp thiếu cột bắt buộc: %(cols)s.") % {"cols": ", ".join(missing)})
    agencies_by_key = {}
    for agency in province.agencies.all():
        agencies_by_key[agency.code.upper()] = agency
        agencies_by_key[search_key(agency.name)] = agency
    existing = {p.code: p for p in AdminProcedure.objects.filter(province=province)}
    seen = set()

    def handle(number: int, row: Mapping[str, Any]) -> None:  # noqa: C901 (one row, all its rules)
        if any("\ufffd" in str(v) for v in row.values()):
            raise ValidationError(_("có ký tự không đọc được (sai bảng mã của tệp)."))
        code = row.get("code", "")
        if not code:
            raise ValidationError(_("thiếu mã thủ tục."))
        if code in seen:
            raise ValidationError(_("mã thủ tục “%(code)s” lặp lại trong tệp.") % {"code": code})
        if not row.get("name"):
            raise ValidationError(_("thiếu tên thủ tục."))
        if not row.get("field"):
            raise ValidationError(_("thiếu lĩnh vực."))
        days = parse_days(row.get("processing_days"), _("Thời hạn giải quyết"))
        level_text = search_key(str(row.get("level") or "cấp tỉnh"))
        level = LEVELS.get(level_text)
        if level is None:
            raise ValidationError(_("cấp thực hiện “%(v)s” không hợp lệ.") % {"v": row.get("level")})
        agencies, unknown = _agencies_for(province, str(row.get("agencies") or ""), agencies_by_key)
        if unknown:
            raise ValidationError(_("không tìm thấy cơ quan thực hiện: %(names)s.") % {"names": ", ".join(unknown)})
        seen.add(code)
        values = {
            "name": " ".join(str(row["name"]).split()),
            "field": field_for(str(row["field"])),
            "level": level,
            "processing_days": days,
            "fees": str(row.get("fees") or "")[:500],
            "legal_basis": str(row.get("legal_basis") or ""),
        }
        procedure = existing.get(code)
        if procedure is None:
            procedure = AdminProcedure(province=province, code=code, **values)
            procedure.full_clean(exclude=["search_key", "sort_key"])
            procedure.save()
            result.created += 1
        else:
            changed = {k: v for k, v in values.items() if getattr(procedure, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(procedure, k, v)
                # A re-published procedure whose content changed is an amendment: linked documents need updating.
                reason = _("Sửa đổi theo tệp “%(file)s” (dòng %(row)s): %(fields)s.") % {
                    "file": filename,
                    "row": number,
                    "fields": ", ".join(str(AdminProcedure._meta.get_field(k).verbose_name) for k in changed),
                }
                if procedure.status == AdminProcedure.Status.ANNULLED:
                    raise ValidationError(_("thủ tục “%(code)s” đã bị bãi bỏ.") % {"code": code})
                procedure.status, procedure.status_note = AdminProcedure.Status.AMENDED, reason[:500]
                procedure.full_clean(exclude=["search_key", "sort_key"])
                procedure.save()
                procedure_changed.send(sender=AdminProcedure, procedure=procedure, reason=reason)
                result.updated += 1
            else:
                result.unchanged += 1
        if agencies and set(procedure.agencies.values_list("pk", flat=True)) != {a.pk for a in agencies}:
            procedure.agencies.set(agencies)

    if first is not None:
        _run_row(handle, result, *first)
    for number, row in rows:
        _run_row(handle, result, number, row)
    return result


def _run_row(
    handle: Callable[[int, dict[str, Any]], None], result: ImportResult, number: int, row: dict[str, Any]
) -> None:
    try:
        with transaction.atomic():
            handle(number, row)
    except ValidationError as exc:
        result.errors.append((number, "; ".join(exc.messages)))


@transaction.atomic
def create_procedure(province: "Province", *, agencies: Iterable["Agency"] = (), **fields: Any) -> AdminProcedure:
    if "processing_days" in fields:
        fields["processing_days"] = parse_days(fields["processing_days"], _("Thời hạn giải quyết"))
    if AdminProcedure.objects.filter(province=province, code=fields.get("code")).exists():
        raise ValidationError(
            {"code": _("Mã thủ tục “%(code)s” đã có trong bộ thủ tục của tỉnh.") % {"code": fields.get("code")}}
        )
    procedure = AdminProcedure(province=province, **fields)
    procedure.full_clean(exclude=["search_key", "sort_key"])
    procedure.save()
    procedure.agencies.set(agencies)
    return procedure


@transaction.atomic
def update_procedure(
    procedure: AdminProcedure, *, agencies: Iterable["Agency"] | None = None, **fields: Any
) -> AdminProcedure:
    if "processing_days" in fields:
        fields["processing_days"] = parse_days(fields["processing_days"], _("Thời hạn giải quyết"))
    for name, value in fields.items():
        setattr(procedure, name, value)
    procedure.full_clean(exclude=["search_key", "sort_key"])
    procedure.save()
    if agencies is not None:
        procedure.agencies.set(agencies)
    return procedure


@transaction.atomic
def change_status(procedure: AdminProcedure, status: str, reason: str, **fields: Any) -> AdminProcedure:
    """Amend or annul a catalog procedure; every agency procedure document linked to it needs an update."""
    if status not in (AdminProcedure.Status.AMENDED, AdminProcedure.Status.ANNULLED):
        raise ValidationError({"status": _("Chỉ có thể sửa đổi, bổ sung hoặc bãi bỏ thủ tục.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Cần nêu lý do (văn bản sửa đổi, bãi bỏ).")})
    if procedure.status == AdminProcedure.Status.ANNULLED:
        raise ValidationError(_("Thủ tục đã bị bãi bỏ, không thể thay đổi tiếp."))
    update_procedure(procedure, status=status, status_note=reason[:500], **fields)
    procedure_changed.send(sender=AdminProcedure, procedure=procedure, reason=reason)
    return procedure


STANDARD_STEPS = [
    ("receive", "Tiếp nhận hồ sơ tại Bộ phận Một cửa", "Bộ phận tiếp nhận và trả kết quả", "Công chức một cửa"),
    ("transfer", "Chuyển hồ sơ đến phòng chuyên môn", "Bộ phận tiếp nhận và trả kết quả", "Công chức một cửa"),
    ("review", "Thẩm định hồ sơ", "Phòng chuyên môn", "Chuyên viên thụ lý"),
    ("approve", "Lãnh đạo phê duyệt, ký kết quả", "Lãnh đạo cơ quan", "Lãnh đạo"),
    ("return", "Trả kết quả cho tổ chức, cá nhân", "Bộ phận tiếp nhận và trả kết quả", "Công chức một cửa"),
]


def standard_allotment(total: Decimal | int | str) -> list[Decimal]:
    """Split a statutory time over the five standard steps (half-day grain, review takes the rest)."""
    total = Decimal(total)
    small = Decimal("0.5")
    fixed = [small, small, None, Decimal("1") if total >= 4 else small, small]
    if total < 2.5:
        fixed = [Decimal("0"), Decimal("0"), None, Decimal("0"), Decimal("0")]
    rest = total - sum(d for d in fixed if d is not None)
    return [rest if d is None else d for d in fixed]


@transaction.atomic
def save_process(
    procedure: AdminProcedure, agency: "Agency", steps: Iterable[dict[str, Any]], note: str = ""
) -> ProcessDefinition:
    """Define (or redefine) an agency's steps for a procedure. `steps`: dicts with code, name,
    responsible_unit, responsible_role, days. They must add up to the statutory time."""
    if procedure.status == AdminProcedure.Status.ANNULLED:
        raise ValidationError(_("Thủ tục đã bị bãi bỏ, không thể định nghĩa quy trình."))
    steps = [s for s in steps if any(str(s.get(k) or "").strip() for k in ("code", "name", "days"))]
    if not steps:
        raise ValidationError(_("Quy trình cần ít nhất một bước."))
    errors, total, codes = [], Decimal(0), set()
    for i, step in enumerate(steps, start=1):
        code = str(step.get("code") or "").strip()
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
            errors.append(_("Bước %(i)s: mã bước “%(c)s” chỉ gồm chữ không dấu, số, gạch ngang.") % {"i": i, "c": code})
        elif code in codes:
            errors.append(_("Bước %(i)s: mã bước “%(c)s” bị trùng.") % {"i": i, "c": code})
        codes.add(code)
        if not str(step.get("name") or "").strip():
            errors.append(_("Bước %(i)s: thiếu tên bước.") % {"i": i})
        if not str(step.get("responsible_unit") or "").strip():
            errors.append(_("Bước %(i)s: thiếu đơn vị thực hiện.") % {"i": i})
        try:
            step["days"] = parse_days(step.get("days"), _("Bước %(i)s: thời gian") % {"i": i})
            total += step["days"]
        except ValidationError as exc:
            errors.extend(exc.messages)
    if not errors and total != Decimal(str(procedure.processing_days)):
        errors.append(
            _(
                "Tổng thời gian các bước là %(total)s ngày làm việc, khác thời hạn giải quyết theo quy định "
                "của thủ tục (%(limit)s ngày làm việc)."
            )
            % {"total": _fmt(total), "limit": _fmt(procedure.processing_days)}
        )
    if errors:
        raise ValidationError(errors)
    process, _created = ProcessDefinition.objects.get_or_create(procedure=procedure, agency=agency)
    process.total_days, process.note = total, note
    process.save()
    process.steps.all().delete()
    for i, step in enumerate(steps, start=1):
        ProcessStep.objects.create(
            process=process,
            order=i,
            code=step["code"].strip(),
            name=step["name"].strip(),
            responsible_unit=step["responsible_unit"].strip(),
            responsible_role=str(step.get("responsible_role") or "").strip(),
            days=step["days"],
        )
    return process


def _fmt(days: Decimal) -> str:
    days = Decimal(days).normalize()
    return f"{days:f}".replace(".", ",")
