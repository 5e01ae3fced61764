"""Demo dossiers: one year of the province's one-stop shops (settings.EISO['DEMO_DOSSIERS'], 200,000 by
default), with hand-over events, generated with numpy and written with executemany so `load_demo` stays fast.

Patterns: the land field is slower and late far more often (delays mostly at the expert review of
the land registration office, as in the articles), delays grow around the lunar New Year, deadlines
come from the working-day calendar (holidays and Tết excluded).
"""

import datetime as dt
import time

import numpy as np
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from core.text import search_key
from core.workdays import get_calendar
from procedures.models import ProcessDefinition, ProcessStep

from .models import Dossier, DossierEvent, DossierStatus
from .services import issue_warnings, rebuild_monthly_stats

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô",
          "Hồ", "Dương", "Đinh", "Lâm", "Thạch", "Kim", "Sơn"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thị Kim", "Hữu", "Đức", "Thị Mỹ", "Công"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Em", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Ngân", "Nhung", "Phúc", "Phương", "Quang", "Sang", "Tâm", "Thảo", "Thắng",
         "Trang", "Trí", "Tuấn", "Út", "Vân", "Việt", "Xuân", "Yến", "Sóc", "Chăn", "Sa Rết"]
STEP_CODES = ["receive", "transfer", "review", "approve", "return"]
TET_2026 = (np.datetime64("2026-02-05"), np.datetime64("2026-03-05"))


def _names(rng, n):
    f = np.array(FAMILY)[rng.integers(0, len(FAMILY), n)]
    m = np.array(MIDDLE)[rng.integers(0, len(MIDDLE), n)]
    g = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    return [f"{a} {b} {c}" for a, b, c in zip(f.tolist(), m.tolist(), g.tolist(), strict=True)]


def _db_times(local_minutes, offset):
    """Naive local datetime64 -> strings in the form the backend stores (UTC); NaT -> None."""
    utc = local_minutes.astype("datetime64[s]") - offset
    text = np.datetime_as_string(utc, unit="s")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00:00")
    out = text.astype(object)
    out[np.isnat(local_minutes)] = None
    return out.tolist()


def _insert(table, columns, rows, chunk=20000):
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start:start + chunk])


def load(ctx):
    started = time.monotonic()
    n = int(settings.EISO.get("DEMO_DOSSIERS", 200000))
    if n <= 0:
        return
    rng = np.random.default_rng(2026)
    cal = get_calendar()
    province = ctx["province"]
    tz = timezone.get_current_timezone()
    offset = np.timedelta64(int(tz.utcoffset(dt.datetime(2026, 1, 1)).total_seconds()), "s")

    # (agency, procedure) pairs with their five step allotments in half days.
    processes = list(ProcessDefinition.objects.filter(agency__province=province)
                     .values("pk", "agency_id", "agency__code", "agency__name", "agency__kind__code",
                             "procedure_id", "procedure__field_id", "procedure__field__name",
                             "procedure__processing_days"))
    steps = {}
    for s in ProcessStep.objects.filter(process__agency__province=province).values(
            "process_id", "code", "days", "responsible_unit"):
        steps.setdefault(s["process_id"], {})[s["code"]] = (int(s["days"] * 2), s["responsible_unit"])
    processes = [p for p in processes if set(steps.get(p["pk"], {})) == set(STEP_CODES)]
    weights = np.array([
        (60.0 if p["agency__code"] == "SNNMT-VPDKDD" else 25.0 if p["agency__code"] == "SNNMT" else 1.6)
        if p["procedure__field__name"] == "Đất đai" else
        (1.4 if p["procedure__field__name"] in ("Hộ tịch", "Chứng thực") else 0.4)
        if p["agency__kind__code"] == "commune_committee" else 6.0
        for p in processes])
    pick = rng.choice(len(processes), size=n, p=weights / weights.sum())
    allot = np.array([[steps[p["pk"]][c][0] for c in STEP_CODES] for p in processes], dtype=np.int64)[pick]
    total = np.array([int(p["procedure__processing_days"] * 2) for p in processes], dtype=np.int64)[pick]
    is_land = np.array([p["procedure__field__name"] == "Đất đai" for p in processes])[pick]

    # Receipt: a working day of the last twelve months, office hours.
    today = np.datetime64(timezone.localdate(), "D")
    days = cal.days[(cal.days >= today - np.timedelta64(365, "D")) & (cal.days < today)]
    received = (days[rng.integers(0, len(days), n)].astype("datetime64[m]")
                + rng.integers(7 * 60 + 30, 16 * 60 + 30, n).astype("timedelta64[m]"))
    due = cal.add_working_days_bulk(received, total)

    # Late or not: land far more often; everything worse around the lunar New Year.
    tet = (received >= TET_2026[0]) & (received < TET_2026[1])
    p_late = np.where(is_land, 0.22, 0.025) + np.where(tet, 0.12, 0.0)
    late = rng.random(n) < p_late
    actual = np.floor(allot * rng.uniform(0.45, 1.0, (n, 1))).astype(np.int64)
    bottleneck = rng.choice([1, 2, 3], size=n, p=[0.08, 0.77, 0.15])
    extra = np.where(late, total - actual.sum(axis=1) + rng.integers(1, np.maximum(2, total // 2 + 2)), 0)
    actual[np.arange(n), bottleneck] += extra
    cumulative = np.cumsum(actual, axis=1)
    bounds = np.empty((n, 5), dtype="datetime64[m]")
    for i in range(5):
        end = cal.add_working_days_bulk(received, cumulative[:, i])
        jitter = rng.integers(0, 90, n).astype("timedelta64[m]")
        bounds[:, i] = np.where(cumulative[:, i] > 0, end - jitter, received + rng.integers(5, 60, n).astype(
            "timedelta64[m]"))
    bounds = np.maximum.accumulate(np.maximum(bounds, received[:, None]), axis=1)
    starts = np.concatenate([received[:, None], bounds[:, :4]], axis=1)
    step_due = np.empty((n, 5), dtype="datetime64[m]")
    for i in range(5):
        # A step allotted no time must still be passed on within the next half day (as the engine does).
        step_due[:, i] = cal.add_working_days_bulk(starts[:, i], np.maximum(allot[:, i], 1))
    step_late = bounds > step_due

    now_local = np.datetime64(timezone.localtime().replace(tzinfo=None), "m")
    completed = bounds[:, 4]
    open_ = completed > now_local
    refused = ~open_ & (rng.random(n) < 0.02)
    status = np.where(open_, DossierStatus.PROCESSING.value, np.where(refused, DossierStatus.REFUSED.value,
                                                                        DossierStatus.RETURNED.value))
    done = ~open_
    final_late = done & ~refused & (completed > due)
    # The first step that ended late (only counted for dossiers that have ended it).
    reached = bounds <= now_local
    late_idx = np.argmax(step_late & reached, axis=1)
    has_late = (step_late & reached).any(axis=1) & ~refused
    current = np.minimum(np.argmax(~reached, axis=1), 4)

    agency_names = {p["agency_id"]: p["agency__name"] for p in processes}
    pair_agency = np.array([p["agency_id"] for p in processes])[pick]
    units = [[steps[p["pk"]][c][1] for c in STEP_CODES] for p in processes]
    staff_user = ctx.get("users", {}).get("staff") if isinstance(ctx.get("users"), dict) else None
    from accounts.roles import Role

    staff_user = ctx.get("users", {}).get(Role.STAFF)
    first_id = (Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    ids = np.arange(first_id, first_id + n)
    applicants = _names(rng, n)
    keys = {name: search_key(name) for name in set(applicants)}
    applicant_keys = [keys[name] for name in applicants]
    officers = _names(rng, 400)
    codes = {p["agency_id"]: p["agency__code"] for p in processes}
    t_received, t_due = _db_times(received, offset), _db_times(due, offset)
    t_completed = _db_times(np.where(open_, np.datetime64("NaT", "m"), completed), offset)
    t_bounds = [_db_times(bounds[:, i], offset) for i in range(5)]
    t_step_due = [_db_times(step_due[:, i], offset) for i in range(5)]
    t_now = _db_times(np.array([now_local]), offset)[0]
    received_day = np.datetime_as_string(received, unit="D")
    holder_pick = rng.integers(0, 400, n)
    agency_of_staff = staff_user.agency_id if staff_user else None

    dossier_rows = []
    for k in range(n):
        pk = int(pick[k])
        proc = processes[pk]
        agency_id = proc["agency_id"]
        is_open = bool(open_[k])
        cur = int(current[k])
        holder_id = staff_user.pk if (is_open and agency_id == agency_of_staff and k % 3 == 0) else None
        li = int(late_idx[k])
        dossier_rows.append((
            int(ids[k]), agency_id, proc["procedure_id"], proc["procedure__field_id"],
            f"{codes[agency_id]}-{received_day[k].replace('-', '')[2:]}-{k:06d}", applicants[k], applicant_keys[k],
            "",
            t_received[k], t_due[k], f"{total[k] / 2:.1f}", str(status[k]), t_completed[k],
            (bool(final_late[k]) if done[k] and not refused[k] else None),
            STEP_CODES[cur] if is_open else "", t_bounds[cur - 1][k] if is_open and cur else (
                t_received[k] if is_open else None),
            t_step_due[cur][k] if is_open else None, holder_id,
            (f"{staff_user.last_name} {staff_user.first_name}" if holder_id else officers[holder_pick[k]])
            if is_open else "",
            units[pk][cur] if is_open else "",
            t_bounds[cur - 1][k] if is_open and cur else (t_received[k] if is_open else t_completed[k]),
            None, STEP_CODES[li] if has_late[k] else "",
            f"{units[pk][li]} — {agency_names[agency_id]}"[:255] if has_late[k] else "", None, t_now,
        ))
    _insert(Dossier._meta.db_table, [
        "id", "agency_id", "procedure_id", "field_id", "code", "applicant_name", "applicant_key", "applicant_address",
        "received_at", "due_at", "processing_days", "status", "completed_at", "is_late", "current_step",
        "step_started_at", "step_due_at", "holder_id", "holder_name", "holder_unit", "last_event_at", "paused_at", "late_step",
        "late_unit", "apology_due_at", "created_at"], dossier_rows)
    del dossier_rows

    event_rows = []
    one_stop = officers[:40]
    for k in range(n):
        pk = int(pick[k])
        dossier_id = int(ids[k])
        code_prefix = f"D{dossier_id}"
        u = units[pk]
        names = [one_stop[k % 40], one_stop[(k + 7) % 40], officers[40 + holder_pick[k] % 300],
                 officers[340 + k % 60], one_stop[(k + 3) % 40]]
        event_rows.append((dossier_id, f"{code_prefix}-0", "receive", t_received[k], "receive", applicants[k], "",
                           names[0], u[0], "", None, None, "", "demo", t_now))
        last = 5 if not open_[k] else int(current[k])
        for i in range(last):
            kind = "transfer" if i < 4 else ("refuse" if refused[k] else "return")
            event_rows.append((
                dossier_id, f"{code_prefix}-{i + 1}", kind, t_bounds[i][k], STEP_CODES[i + 1] if i < 4 else "",
                names[i], u[i], names[i + 1] if i < 4 else applicants[k], u[i + 1] if i < 4 else "",
                STEP_CODES[i], t_step_due[i][k], bool(step_late[k, i]), "", "demo", t_now))
    _insert(DossierEvent._meta.db_table, [
        "dossier_id", "external_id", "kind", "occurred_at", "step", "from_name", "from_unit", "to_name", "to_unit",
        "completed_step", "completed_step_due_at", "is_late", "note", "source", "created_at"], event_rows)
    events = len(event_rows)
    del event_rows
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Dossier, DossierEvent]):
                cursor.execute(sql)
    rebuild_monthly_stats(agencies=province.agencies.all())
    warnings = issue_warnings()
    ctx["stdout"].write(f"    {n} dossiers, {events} events, {warnings} warnings "
                        f"in {time.monotonic() - started:.1f} s")
