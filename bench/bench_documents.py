#!/usr/bin/env python
"""Document control benchmark: full-text search and the "documents in force" page.

Generates N documents (default 100,000) with realistic Vietnamese titles and content and their
versions (about a third have a superseded first revision), spread over agencies of one province;
one agency has 500 documents in force. Then measures, on SQLite and — if EISO_PG_URL (or a
postgres DATABASE_URL) is set — on PostgreSQL:

- search: `documents.search.search()` over the province, count + first page of 50 in the list's
  order, for 20 queries typed without diacritics; p50/p95 over repeated runs;
- in force: the whole `/documents/in-force/?agency=…` page (500 rows rendered) through the test
  client, and the service call alone;

each against a raw SQL query returning the same rows, timed in the same run, and reports the ratio.

    python bench/bench_documents.py [--docs N] [--repeat R] [--no-readme]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

FIELDS = [
    ("đất đai", "Văn phòng Đăng ký đất đai"),
    ("xây dựng", "Phòng Quản lý xây dựng"),
    ("hộ tịch", "Phòng Tư pháp"),
    ("môi trường", "Phòng Tài nguyên và Môi trường"),
    ("thủy lợi", "Chi cục Thủy lợi"),
    ("lâm nghiệp", "Chi cục Kiểm lâm"),
    ("chăn nuôi thú y", "Chi cục Chăn nuôi và Thú y"),
    ("bảo vệ thực vật", "Chi cục Trồng trọt và Bảo vệ thực vật"),
    ("khoáng sản", "Phòng Khoáng sản"),
    ("tài nguyên nước", "Phòng Tài nguyên nước"),
    ("đo đạc bản đồ", "Phòng Đo đạc"),
    ("giáo dục", "Phòng Giáo dục"),
    ("y tế", "Phòng Nghiệp vụ Y"),
    ("văn hóa", "Phòng Văn hóa"),
    ("thi đua khen thưởng", "Ban Thi đua - Khen thưởng"),
    ("khiếu nại tố cáo", "Thanh tra"),
    ("đầu tư", "Phòng Đầu tư"),
    ("lao động việc làm", "Phòng Lao động"),
    ("công chứng chứng thực", "Phòng Tư pháp"),
    ("giao thông vận tải", "Phòng Quản lý vận tải"),
]
ACTIONS = [
    "cấp Giấy chứng nhận quyền sử dụng đất",
    "đăng ký biến động",
    "cấp giấy phép xây dựng",
    "đăng ký khai sinh",
    "đăng ký kết hôn",
    "thẩm định báo cáo đánh giá tác động môi trường",
    "cấp phép khai thác nước mặt",
    "gia hạn giấy phép",
    "cấp đổi giấy chứng nhận",
    "thẩm định hồ sơ",
    "chứng thực bản sao",
    "giải quyết khiếu nại lần đầu",
    "tiếp nhận và trả kết quả",
    "thu hồi đất",
    "bồi thường, hỗ trợ, tái định cư",
    "cấp chứng chỉ hành nghề",
    "kiểm dịch động vật",
    "công nhận danh hiệu",
    "điều chỉnh quy hoạch",
    "đăng ký giao dịch bảo đảm",
]
KINDS = [
    ("procedure", "QT", "Quy trình"),
    ("form", "BM", "Biểu mẫu"),
    ("instruction", "HD", "Hướng dẫn"),
    ("external", "TLBN", "Văn bản"),
]
SENTENCES = [
    "Bộ phận Một cửa tiếp nhận hồ sơ, kiểm tra tính đầy đủ và hợp lệ của thành phần hồ sơ.",
    "Trường hợp hồ sơ chưa đầy đủ, công chức hướng dẫn tổ chức, cá nhân bổ sung một lần bằng phiếu yêu cầu.",
    "Chuyên viên thẩm định hồ sơ, xác minh thực địa khi cần thiết và lập tờ trình.",
    "Lãnh đạo phòng xem xét, ký duyệt kết quả giải quyết trong thời hạn quy định.",
    "Hồ sơ trễ hạn phải có phiếu xin lỗi và hẹn lại ngày trả kết quả gửi người nộp.",
    "Kết quả được trả tại Trung tâm Phục vụ hành chính công hoặc qua dịch vụ bưu chính công ích.",
    "Thời hạn giải quyết tính theo ngày làm việc, không kể ngày nghỉ lễ, Tết.",
    "Phí, lệ phí được thu theo quy định của Hội đồng nhân dân tỉnh.",
    "Căn cứ Luật Đất đai năm 2024 và các nghị định hướng dẫn thi hành.",
    "Cán bộ, công chức thực hiện đúng quy trình đã được ban hành, không tự đặt thêm thủ tục.",
    "Hồ sơ được lưu trữ theo quy định về thời hạn bảo quản tài liệu.",
    "Phiếu kiểm soát quá trình giải quyết hồ sơ ghi nhận từng bước chuyển giao.",
    "Văn phòng đăng ký đất đai trích lục bản đồ địa chính và chuyển thông tin địa chính cho cơ quan thuế.",
    "Ủy ban nhân dân cấp xã xác nhận nguồn gốc, thời điểm sử dụng đất và niêm yết công khai.",
    "Sự hài lòng của người dân được khảo sát hằng quý để cải tiến chất lượng phục vụ.",
]
QUERIES = [
    "dat dai",
    "giay chung nhan quyen su dung dat",
    "khai sinh",
    "giay phep xay dung",
    "moi truong",
    "thu hoi dat boi thuong",
    "khieu nai lan dau",
    "chung thuc ban sao",
    "kiem dich dong vat",
    "tai nguyen nuoc",
    "phieu xin loi",
    "bieu mau dang ky ket hon",
    "quy trinh cap doi",
    "tro cap",
    "thi dua khen thuong",
    "ban do dia chinh",
    "huong dan tiep nhan",
    "qt 0001",
    "ho so tre han",
    "dang ky giao dich bao dam",
]


# -- worker: one database --------------------------------------------------------------------------
def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.settings.test")
    os.environ["EISO_ALLOWED_HOSTS"] = "localhost,testserver"
    sys.path.insert(0, str(SRC))
    import django

    django.setup()


def generate(n_docs, big_agency_docs, seed=2026):
    from django.db import connection, transaction

    from accounts.models import User
    from accounts.roles import Role
    from core.text import search_key, sort_key
    from documents import search
    from documents.models import Document, DocumentVersion
    from organizations.models import Agency, AgencyKind, Province

    rng = random.Random(seed)
    folded = {s: search_key(s) for s in SENTENCES}
    province = Province.objects.create(code="BENCH", name="Tỉnh Thử nghiệm")
    kind = AgencyKind.objects.create(code="bench_department", name="Sở")
    n_agencies = max(2, 1 + (n_docs - big_agency_docs) // 500)
    agencies = Agency.objects.bulk_create(
        [
            Agency(
                province=province,
                kind=kind,
                code=f"A{i:04d}",
                name=f"Cơ quan thử nghiệm số {i}",
                obligation="mandatory",
                search_key=f"co quan thu nghiem so {i}",
                sort_key=sort_key(f"Cơ quan thử nghiệm số {i:04d}"),
            )
            for i in range(n_agencies)
        ]
    )
    big = agencies[0]
    secretary = User.objects.create_user("bench_secretary", password="x" * 12, role=Role.ISO_SECRETARY, agency=big)
    viewer = User.objects.create_user("bench_oversight", password="x" * 12, role=Role.OVERSIGHT, agency=agencies[-1])

    started = time.perf_counter()
    batch_docs, batch_versions, fts_rows = [], [], []
    version_id = 0
    with transaction.atomic():
        for doc_id in range(1, n_docs + 1):
            agency = big if doc_id <= big_agency_docs else agencies[1 + (doc_id - big_agency_docs) % (n_agencies - 1)]
            field, unit = rng.choice(FIELDS)
            action = rng.choice(ACTIONS)
            doc_type, prefix, noun = rng.choices(KINDS, weights=(6, 3, 1, 1))[0]
            title = f"{noun} {action} lĩnh vực {field}"
            code = f"{prefix}-{doc_id:06d}"
            picked = rng.sample(SENTENCES, rng.randint(6, 12))
            text = f"{title}. " + " ".join(picked)
            content_key = search_key(title) + " " + " ".join(folded[s] for s in picked)
            revisions = 2 if rng.random() < 0.33 else 1
            obsolete = doc_id > big_agency_docs and rng.random() < 0.03
            draft_only = doc_id > big_agency_docs and rng.random() < 0.05
            status = "obsolete" if obsolete else ("draft" if draft_only else "in_force")
            current = None
            for rev in range(1, revisions + 1):
                version_id += 1
                last = rev == revisions
                v_status = ("draft" if draft_only else ("obsolete" if obsolete else "issued")) if last else "superseded"
                batch_versions.append(
                    DocumentVersion(
                        id=version_id,
                        document_id=doc_id,
                        revision=rev,
                        status=v_status,
                        body=text,
                        text=text,
                        change_summary="Ban hành lần đầu" if rev == 1 else "Cập nhật theo quy định mới",
                        effective_date=None if v_status == "draft" else f"202{3 + rev}-0{rng.randint(1, 9)}-15",
                    )
                )
                if last and v_status != "draft":
                    current = version_id
            search_text = f"{search_key(code)} {content_key}"
            batch_docs.append(
                Document(
                    id=doc_id,
                    agency=agency,
                    doc_type=doc_type,
                    code=code,
                    title=title,
                    owner_unit=unit,
                    status=status,
                    current_version_id=current,
                    review_period_months=12,
                    sort_key=sort_key(title),
                    search_text=search_text,
                    review_due=f"202{rng.randint(5, 7)}-0{rng.randint(1, 9)}-01",
                )
            )
            fts_rows.append((doc_id, search_text))
            if len(batch_docs) >= 5000:
                Document.objects.bulk_create(batch_docs)
                DocumentVersion.objects.bulk_create(batch_versions)
                search.bulk_index(fts_rows)
                batch_docs, batch_versions, fts_rows = [], [], []
        Document.objects.bulk_create(batch_docs)
        DocumentVersion.objects.bulk_create(batch_versions)
        search.bulk_index(fts_rows)
    with connection.cursor() as cursor:
        # VACUUM on PostgreSQL also flushes the GIN index's pending list (fastupdate) after the bulk load,
        # as autovacuum would shortly after in production.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('documents_document', 'id'), %s)", [n_docs + 1])
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('documents_documentversion', 'id'), %s)", [version_id + 1]
            )
    return {
        "province": province,
        "big": big,
        "secretary": secretary,
        "viewer": viewer,
        "versions": version_id,
        "generate_s": time.perf_counter() - started,
    }


def timed(fn, repeat):
    samples = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return samples, result


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def type_order_sql():
    from documents.models import DocumentType

    return (
        "CASE d.doc_type "
        + " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(DocumentType.values))
        + " ELSE 99 END"
    )


def raw_search(connection, province_id, words):
    if connection.vendor == "postgresql":
        tsq = " & ".join(words[:-1] + [words[-1] + ":*"])
        where = "to_tsvector('simple'::regconfig, COALESCE(d.search_text, '')) @@ to_tsquery('simple'::regconfig, %s)"
        param = tsq
    else:
        where = "d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH %s)"
        param = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    base = (
        f"FROM documents_document d JOIN organizations_agency a ON a.id = d.agency_id "
        f"WHERE a.province_id = %s AND {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {base}", [province_id, param.strip()])
        count = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT d.id, d.code, d.title, d.doc_type, d.status, d.agency_id, d.current_version_id {base} "
            f"ORDER BY a.sort_key, {type_order_sql()}, d.code LIMIT 50",
            [province_id, param.strip()],
        )
        rows = cursor.fetchall()
    return count, [r[0] for r in rows]


def raw_in_force(connection, agency_id):
    order = type_order_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.code, d.title, d.doc_type, d.owner_unit, d.review_due, d.needs_review, v.revision, "
            "v.effective_date FROM documents_document d "
            "JOIN documents_documentversion v ON v.id = d.current_version_id "
            f"WHERE d.agency_id = %s AND d.status = 'in_force' ORDER BY {order}, d.code",
            [agency_id],
        )
        return cursor.fetchall()


def worker(args):
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.permissions import scope_queryset
    from documents import search, services
    from documents.models import Document

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - t0
    data = generate(args.docs, min(500, args.docs // 2))
    viewer, big = data["viewer"], data["big"]

    def orm_search(q):
        qs = search.search(scope_queryset(viewer, Document.objects.for_listing()), q)
        qs = qs.order_by("agency__sort_key", services.type_rank(), "code")
        return qs.count(), [d.pk for d in qs[:50]]

    orm_samples, raw_samples, hits = [], [], []
    for q in QUERIES:  # warm-up and correctness: the same rows both ways
        words = search.terms(q)
        orm_result, raw_result = orm_search(q), raw_search(connection, data["province"].pk, words)
        assert orm_result == raw_result, (q, orm_result[0], raw_result[0])
        hits.append(orm_result[0])
    for _ in range(args.repeat):
        for q in QUERIES:
            words = search.terms(q)
            s, _r = timed(lambda q=q: orm_search(q), 1)
            orm_samples += s
            s, _r = timed(lambda w=words: raw_search(connection, data["province"].pk, w), 1)
            raw_samples += s

    client = Client()
    client.force_login(data["secretary"], backend="django.contrib.auth.backends.ModelBackend")
    url = f"/documents/in-force/?agency={big.pk}"
    response = client.get(url)
    assert response.status_code == 200 and response.content.count(b"<tr>") >= 500, response.status_code
    page_samples, _ = timed(lambda: client.get(url), args.repeat * 2)
    service_samples, listed = timed(lambda: services.in_force_documents(big), args.repeat * 2)
    raw_page_samples, raw_rows = timed(lambda: raw_in_force(connection, big.pk), args.repeat * 2)
    assert [d.id for d in listed] == [r[0] for r in raw_rows]

    result = {
        "vendor": connection.vendor,
        "docs": args.docs,
        "versions": data["versions"],
        "migrate_s": migrate_s,
        "generate_s": data["generate_s"],
        "search_queries": len(orm_samples),
        "search_hits_median": statistics.median(hits),
        "search_p50_ms": statistics.median(orm_samples) * 1000,
        "search_p95_ms": p95(orm_samples) * 1000,
        "search_raw_p50_ms": statistics.median(raw_samples) * 1000,
        "search_raw_p95_ms": p95(raw_samples) * 1000,
        "in_force_rows": len(raw_rows),
        "page_p50_ms": statistics.median(page_samples) * 1000,
        "page_p95_ms": p95(page_samples) * 1000,
        "service_p50_ms": statistics.median(service_samples) * 1000,
        "raw_in_force_p50_ms": statistics.median(raw_page_samples) * 1000,
    }
    print("BENCH-RESULT " + json.dumps(result))


# -- driver ----------------------------------------------------------------------------------------
def run_worker(database_url, args):
    python = sys.executable
    cmd = [
        python,
        __file__,
        "--worker",
        "--database-url",
        database_url,
        "--docs",
        str(args.docs),
        "--repeat",
        str(args.repeat),
    ]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"benchmark worker failed on {database_url.split(':')[0]}")
    line = next(line for line in out.stdout.splitlines() if line.startswith("BENCH-RESULT "))
    return json.loads(line.removeprefix("BENCH-RESULT "))


def reset_postgres(url):
    """A fresh, empty database for the run (created on the throw-away server if missing)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    name = parts.path.lstrip("/") or "eiso"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def table(results):
    head = (
        "| database | docs / versions | search p50 | search p95 | raw SQL p95 | ratio p95 | in-force page p50 "
        "(500 rows) | service p50 | raw SQL p50 | page / raw |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in results:
        lines.append(
            f"| {r['vendor']} | {r['docs']:,} / {r['versions']:,} | {r['search_p50_ms']:.1f} ms | "
            f"{r['search_p95_ms']:.1f} ms | {r['search_raw_p95_ms']:.1f} ms | "
            f"{r['search_p95_ms'] / r['search_raw_p95_ms']:.2f}× | {r['page_p50_ms']:.1f} ms | "
            f"{r['service_p50_ms']:.1f} ms | {r['raw_in_force_p50_ms']:.2f} ms | "
            f"{r['page_p50_ms'] / r['raw_in_force_p50_ms']:.1f}× |"
        )
    return "\n".join(lines)


def write_readme(results, args):
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n\nRun with `./eiso bench [name]`.\n"
    section = (
        "## Documents\n\n"
        f"`bench/bench_documents.py --docs {args.docs}` (`./eiso bench documents`): {args.docs:,} generated documents "
        "with Vietnamese titles and content, about a third with a superseded first revision, over one province; "
        f"{len(QUERIES)} queries typed without diacritics, repeated {args.repeat} times. *Search* = "
        "`documents.search.search()` scoped to the province + count + first page of 50 in the list's order (agency, "
        "document type, code); *in-force "
        "page* = the whole `/documents/in-force/` response (500 rows rendered) through Django's test client; "
        "*service* = `services.in_force_documents()`. Ratios are against a raw SQL query returning the same rows, "
        "timed in the same run.\n\n" + table(results) + "\n\n"
        f"Median hits per query: {', '.join(f'{r["vendor"]} {r["search_hits_median"]:,.0f}' for r in results)}. "
        f"Measured {time.strftime('%Y-%m-%d')} on the development machine.\n\n"
        'Reading: search p95 comes from the broad queries ("dat dai", "ho so tre han" match tens of thousands '
        "of documents): counting and ordering every match dominates, in raw SQL as much as through the ORM (FTS5 on "
        "SQLite, the GIN index on PostgreSQL find the matches in a few milliseconds). The in-force service is within "
        "2× of raw SQL; the rest of the page time is rendering 500 table rows and the request cycle.\n"
    )
    start = text.find("## Documents")
    if start >= 0:
        end = text.find("\n## ", start + 3)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    readme.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run_worker(f"sqlite:///{tmp}/bench.sqlite3", args))
    pg_url = os.environ.get("EISO_PG_URL") or (
        os.environ.get("DATABASE_URL") if os.environ.get("DATABASE_URL", "").startswith("postgres") else None
    )
    if pg_url:
        reset_postgres(pg_url)
        results.append(run_worker(pg_url, args))
    else:
        print("(PostgreSQL skipped: set EISO_PG_URL or run ./eiso bench documents)")
    print(table(results))
    for r in results:
        print(f"{r['vendor']}: migrate {r['migrate_s']:.1f} s, generate {r['generate_s']:.1f} s")
    if not args.no_readme:
        write_readme(results, args)


if __name__ == "__main__":
    main()
