"""The long lists at province scale (not part of the test suite): the dossier list, paged by keyset, its filters
and its search, over M generated dossiers, against the hand-written SQL of the same page in the same run.

M dossiers over 151 agencies x 200 procedures (5 fields) over two years, stored in the order received (as the
engine stores them; received at whole minutes: many share a moment), 4 % still open, 1 % refused; applicants' names
drawn as Vietnamese names are (Nguyễn for 30 %, Văn or Thị for half the middle names). They are inserted with
set-based SQL (as `bench_dossiers.fill_dossiers`), the list's and the search's indexes built after the insert (what
indexes cost each imported dossier is `bench_dossiers.py --only import`'s to say). Then, for a province-wide user and
an agency user, each page is timed as

- *page*: the whole response through Django's test client (session, permissions, filters, the page's queries and its
  capped count, the template of 50 rows);
- *queries*: its database work alone (`KeysetPaginator.page` over the filtered queryset: page, neighbour, count);
- *raw*: one hand-written SQL statement returning the same 50 rows (row-value keyset, plain LIKE for a search), no
  count: the reference of the ratio;
- for the first page, page 2,000 and the search, the old way too (`Paginator`: OFFSET and COUNT(*)).

Page 2,000 and 4,000 (of 50) are reached through a cursor taken at that position. EXPLAIN of each page query goes to
bench/output/lists.json.

  python bench/bench_lists.py [--dossiers 1000000] [--backends sqlite,postgresql] [--runs 15]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_dossiers import ROOT, fresh_pg, make_agency, p95, setup_django, spread

WEIGHTED_FAMILY = {"Nguyễn": 30, "Trần": 11, "Lê": 9, "Phạm": 7, "Huỳnh": 5, "Hoàng": 5, "Võ": 4, "Phan": 4}


def names(n=4000, seed=7):
    """n applicant names (and their search keys), drawn with the weights of Vietnamese names."""
    import numpy as np

    from core.text import search_key
    from dossiers.demo import FAMILY, GIVEN, MIDDLE

    rng = np.random.default_rng(seed)
    family_w = np.array([WEIGHTED_FAMILY.get(f, 1.5) for f in FAMILY], float)
    middle_w = np.array([12 if m in ("Văn", "Thị") else 2 for m in MIDDLE], float)
    f = rng.choice(FAMILY, n, p=family_w / family_w.sum())
    m = rng.choice(MIDDLE, n, p=middle_w / middle_w.sum())
    g = rng.choice(GIVEN, n)
    full = [f"{a} {b} {c}" for a, b, c in zip(f.tolist(), m.tolist(), g.tolist(), strict=True)]
    return [(name, search_key(name)) for name in full]


def fill(n, agencies, procedures):
    """n dossiers in set-based SQL (see the module's docstring)."""
    from django.db import connection

    people = names()
    procs = ", ".join(f"({i}, {p.pk}, {p.field_id})" for i, p in enumerate(procedures))
    ags = ", ".join(f"({i}, {a.pk})" for i, a in enumerate(agencies))
    who = ", ".join("({}, '{}', '{}')".format(i, name.replace("'", "''"), key) for i, (name, key) in enumerate(people))
    k, na, nn = len(procedures), len(agencies), len(people)
    columns = (
        "agency_id, procedure_id, field_id, code, applicant_name, applicant_key, applicant_address, received_at, "
        "due_at, processing_days, status, completed_at, is_late, current_step, holder_name, holder_unit, late_step, "
        "late_unit, created_at"
    )
    status = "CASE WHEN {x} % 100 < 4 THEN 'processing' WHEN {x} % 100 = 4 THEN 'refused' ELSE 'returned' END"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"""
                INSERT INTO dossiers_dossier ({columns})
                SELECT a.pk, p.pk, p.fid, 'H' || lpad(a.i::text, 3, '0') || '-' || to_char(r, 'YYMMDD') || '-' || g,
                  w.name, w.key, '', r, r + interval '14 days', 10, {status.format(x="g")},
                  CASE WHEN g % 100 < 4 THEN NULL ELSE r + (g % 20) * interval '1 day' END,
                  CASE WHEN g % 100 < 4 THEN NULL ELSE g % 20 > 14 END, '', '', '', '', '', now()
                FROM (SELECT g, date_trunc('minute', timestamptz '2024-01-01' + random() * interval '730 days') AS r
                      FROM generate_series(1, {n}) g) x
                JOIN (VALUES {ags}) AS a(i, pk) ON a.i = g % {na}
                JOIN (VALUES {procs}) AS p(i, pk, fid) ON p.i = ((g % {na}) * 7 + (g / {na}) % 40) % {k}
                JOIN (VALUES {who}) AS w(i, name, key) ON w.i = (g::bigint * 7919) % {nn}
                ORDER BY r""")
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
        else:
            cursor.execute("PRAGMA cache_size = -500000")  # the fill only (500 MB): the pages measure the product's
            cursor.execute(f"""
                WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n}),
                p(i, pk, fid) AS (VALUES {procs}), a(i, pk) AS (VALUES {ags}), w(i, name, key) AS (VALUES {who}),
                r AS (SELECT x, datetime('2024-01-01', '+' || (abs(random()) % 1051200) || ' minutes') AS t FROM g)
                INSERT INTO dossiers_dossier ({columns})
                SELECT a.pk, p.pk, p.fid,
                  'H' || printf('%03d', a.i) || '-' || substr(strftime('%Y%m%d', t), 3) || '-' || x,
                  w.name, w.key, '', t, datetime(t, '+14 days'), 10, {status.format(x="x")},
                  CASE WHEN x % 100 < 4 THEN NULL ELSE datetime(t, '+' || (x % 20) || ' days') END,
                  CASE WHEN x % 100 < 4 THEN NULL ELSE x % 20 > 14 END, '', '', '', '', '', datetime('now')
                FROM r JOIN a ON a.i = x % {na} JOIN p ON p.i = ((x % {na}) * 7 + (x / {na}) % 40) % {k}
                JOIN w ON w.i = (x * 7919) % {nn}
                ORDER BY t""")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA cache_size = -2000")


LIST_INDEXES = [
    "dossier_received",
    "dossier_agency_received",
    "dossier_field_received",
    "dossier_status_received",
    "dossier_procedure_received",
]


def _list_indexes():
    from dossiers.models import Dossier

    return [index for index in Dossier._meta.indexes if index.name in LIST_INDEXES]


def fill_then_index(n, agencies, procedures):
    """The fill with the list's indexes and the search index taken down, then built: (fill s, index build s)."""
    from django.db import connection

    from dossiers import search_index
    from dossiers.models import Dossier

    with connection.schema_editor() as editor:
        for index in _list_indexes():
            editor.remove_index(Dossier, index)
    search_index.uninstall(connection)
    t0 = time.perf_counter()
    fill(n, agencies, procedures)
    filled = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")  # the index builds of the set-up only
    with connection.schema_editor() as editor:
        for index in _list_indexes():
            editor.add_index(Dossier, index)
    search_index.install(connection)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dossiers_dossier" if connection.vendor == "postgresql" else "ANALYZE")
    return filled, time.perf_counter() - t0 - filled


def prepare(n):
    """The province, its users and n dossiers (unless the database holds them already: --keep)."""
    from accounts.models import User
    from accounts.roles import Role
    from dossiers.models import Dossier
    from organizations.models import Agency

    agency = Agency.objects.order_by("pk").first()
    if agency is None:
        agency, _procedures = make_agency()
        agencies, procedures = spread(agency)
        fill_s = fill_then_index(n, agencies, procedures)
    else:
        fill_s = None
    users = {}
    for username, role, at in (("oversight", Role.OVERSIGHT, agency), ("staff", Role.STAFF, None)):
        at = at or Agency.objects.filter(code="B000").first() or agency
        users[username] = User.objects.get_or_create(username=username, defaults={"role": role, "agency": at})[0]
    return users, fill_s, Dossier.objects.count()


# -- the pages ---------------------------------------------------------------------------------
def _timed(fn, runs):
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * p95(times)}


def _raw_sql(vendor, user, params, cursor_values):
    """One statement for the same 50 rows: the scope, the filter, the keyset or day bound, the order, LIMIT 50."""
    from django.db import connection

    def moment(value):  # as the column stores it (SQLite: UTC text)
        return connection.ops.adapt_datetimefield_value(value)

    where, args = [], []
    if user.role == "staff":
        where.append("d.agency_id = %s")
        args.append(user.agency_id)
    else:
        where.append("d.agency_id IN (SELECT id FROM organizations_agency WHERE province_id = %s)")
        args.append(user.agency.province_id)
    if "status" in params:
        where.append("d.status = %s")
        args.append(params["status"])
    if "field" in params:
        where.append("d.field_id = %s")
        args.append(params["field"])
    if "q" in params:
        from core.text import search_key

        upper = "UPPER(d.code::text)" if vendor == "postgresql" else "UPPER(d.code)"
        where.append(f"({upper} LIKE %s OR d.applicant_key LIKE %s)")
        args += [f"%{params['q'].upper()}%", f"%{search_key(params['q'])}%"]
    if cursor_values:
        where.append("(d.received_at, d.id) < (%s, %s)")
        args += [moment(cursor_values[0]), cursor_values[1]]
    if "from" in params:
        where.append("d.received_at < %s")
        args.append(moment(params["_from_bound"]))
    sql = (
        "SELECT d.id, d.code, d.applicant_name, d.received_at, d.due_at, d.status, d.holder_name, d.holder_unit, "
        f"d.agency_id, d.procedure_id FROM dossiers_dossier d WHERE {' AND '.join(where)} "
        "ORDER BY d.received_at DESC, d.id DESC LIMIT 50"
    )
    return sql, args


def bench_pages(runs):
    import datetime as dt

    from django.conf import settings
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from accounts.permissions import scope_queryset
    from dossiers.filters import DossierFilter
    from dossiers.models import Dossier
    from dossiers.views import LIST_PAGES, list_page

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = {u.username: u for u in User.objects.filter(username__in=["oversight", "staff"]).select_related("agency")}
    field = Dossier.objects.order_by("pk").values_list("field_id", flat=True).first()
    code = Dossier.objects.order_by("-pk").values_list("code", flat=True).first()[:9]  # an agency and a month
    jump = dt.date(2024, 6, 1)
    province = Dossier.objects.filter(agency__province_id=users["oversight"].agency.province_id)

    total = province.count()

    def cursor_at(offset):  # (the last row of a smaller run)
        row = province.order_by("-received_at", "-id").values_list("received_at", "id")[min(offset, total - 51)]
        return list(row)

    def encode(values):
        class Row:
            pass

        row = Row()
        for key, value in zip(LIST_PAGES.keys, values, strict=True):
            setattr(row, key.alias, value)
        return LIST_PAGES.cursor(row)

    at_2000, at_4000 = cursor_at(2000 * 50 - 1), cursor_at(4000 * 50 - 1)
    cases = [
        ("first page", "oversight", {}, None),
        ("page 2,000 (cursor)", "oversight", {"after": encode(at_2000)}, at_2000),
        ("page 4,000 (cursor)", "oversight", {"after": encode(at_4000)}, at_4000),
        ("jump to 01/06/2024", "oversight", {"from": jump.strftime("%d/%m/%Y")}, None),
        ('search "nguyen van"', "oversight", {"q": "nguyen van"}, None),
        ('search "tran thi kim yen"', "oversight", {"q": "tran thi kim yen"}, None),
        (f'search code "{code}"', "oversight", {"q": code}, None),
        ("field filter", "oversight", {"field": field}, None),
        ("status refused", "oversight", {"status": "refused"}, None),
        ("agency user, first page", "staff", {}, None),
        ('agency user, search "nguyen van"', "staff", {"q": "nguyen van"}, None),
    ]
    factory = RequestFactory()
    results = []
    for name, who, params, cursor_values in cases:
        user = users[who]
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

        def request(user=user, params=params):
            req = factory.get("/dossiers/", params)
            req.user, req.session = user, {}
            req._messages = FallbackStorage(req)
            return req

        def queries(request=request):
            return list_page(request())[1]

        def page(client=client, params=params):
            response = client.get("/dossiers/", params)
            assert response.status_code == 200, response.status_code
            return response

        raw_params = dict(params)
        if "from" in params:
            raw_params["_from_bound"] = timezone.make_aware(dt.datetime.combine(jump + dt.timedelta(days=1), dt.time()))
        sql, args = _raw_sql(connection.vendor, user, raw_params, cursor_values)

        def raw(sql=sql, args=args):
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()

        ours = queries()
        assert [d.pk for d in ours] == [r[0] for r in raw()], name  # the same 50 rows
        with CaptureQueriesContext(connection) as captured:
            queries()
        main = next(
            q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "dossiers_dossier"."id"')
        )
        with connection.cursor() as cursor:
            cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + main)
            plan = [r[0] if connection.vendor == "postgresql" else r[3] for r in cursor.fetchall()]
        entry = {
            "case": name,
            "rows": len(ours),
            "count": ("more than " if ours.count_capped else "") + str(min(ours.count, ours.cap)),
            "page": _timed(page, runs),
            "queries": _timed(queries, runs),
            "raw": _timed(raw, runs),
            "plan": plan,
        }
        entry["ratio_page_p50"] = entry["page"]["p50_ms"] / entry["raw"]["p50_ms"]
        entry["ratio_queries_p50"] = entry["queries"]["p50_ms"] / entry["raw"]["p50_ms"]
        if name in ("first page", "page 2,000 (cursor)", 'search "nguyen van"'):
            number = 2000 if "2,000" in name else 1
            old_params = {k: v for k, v in params.items() if k != "after"}

            def old(user=user, old_params=old_params, number=number, request=request):
                req = request(params=old_params)
                filterset = DossierFilter(req.GET, scope_queryset(user, Dossier.objects.all()), request=req)
                paged = Paginator(filterset.qs.order_by("-received_at", "-id"), 50).get_page(number)
                return list(paged.object_list), paged.paginator.count

            entry["old_offset_and_count"] = _timed(old, max(2, runs // 5))
        results.append(entry)
        print(
            f"  {name}: page p50 {entry['page']['p50_ms']:.1f} ms, queries {entry['queries']['p50_ms']:.1f}, "
            f"raw {entry['raw']['p50_ms']:.2f}; count {entry['count']}",
            file=sys.stderr,
            flush=True,
        )
    return results


def child(args):
    setup_django(args.db_url)
    from django.db import connection

    users, fill_s, n = prepare(args.dossiers)
    result = {"backend": connection.vendor, "dossiers": n}
    if fill_s:
        result["fill_s"], result["index_build_s"] = fill_s
    result["pages"] = bench_pages(args.runs)
    print("RESULT " + json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--db-url")
    parser.add_argument("--keep", action="store_true", help="with --db-url: use (and keep) that database")
    args = parser.parse_args()
    if args.child:
        return child(args)
    results = {}
    for backend in args.backends.split(","):
        if args.db_url:
            url = args.db_url
        elif backend == "postgresql":
            if not os.environ.get("EISO_PG_URL"):
                print("EISO_PG_URL not set: PostgreSQL skipped (use ./eiso bench lists)")
                continue
            url = fresh_pg(os.environ["EISO_PG_URL"])
        else:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='eiso-bench-')}/bench.sqlite3"
        cmd = [sys.executable, __file__, "--child", "--db-url", url, "--dossiers", str(args.dossiers)]
        cmd += ["--runs", str(args.runs)]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        sys.stderr.write(out.stderr[-5000:])
        lines = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        if out.returncode or not lines:
            print(out.stdout[-3000:])
            continue
        results[backend] = {**json.loads(lines[-1][7:]), "wall_s": time.perf_counter() - t0}
        summary = {k: v for k, v in results[backend].items() if k != "pages"}
        print(json.dumps({backend: summary}))
        for entry in results[backend]["pages"]:
            print(
                f"{backend:10} {entry['case']:34} page {entry['page']['p50_ms']:7.1f}"
                f" / p95 {entry['page']['p95_ms']:7.1f} ms"
                f"  queries {entry['queries']['p50_ms']:6.1f}  raw {entry['raw']['p50_ms']:6.2f}"
                f"  page/raw {entry['ratio_page_p50']:6.1f}x  count {entry['count']}"
                + (f"  old {entry['old_offset_and_count']['p50_ms']:.0f} ms" if "old_offset_and_count" in entry else "")
            )
        if not args.keep and backend == "sqlite" and not args.db_url:
            os.remove(url.removeprefix("sqlite:///"))
    output = ROOT / "bench" / "output"
    output.mkdir(exist_ok=True)
    (output / "lists.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
