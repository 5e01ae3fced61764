# Shared set-up steps for ./eiso. Idempotent: each step is skipped when already done.
VENV="${EISO_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

log() { printf '\033[1;34m[eiso]\033[0m %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: installed only when missing.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# PDFs are set in Times New Roman or its metric twin Liberation Serif: fonts-liberation2 (2.x) has the stacked
# Vietnamese diacritics (ấ, ợ, ạ …) that fonts-liberation (1.07) lacks and would take from DejaVu Serif instead.
RUN_APT=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation
         fonts-liberation2 shared-mime-info)
TEST_APT=("${RUN_APT[@]}" postgresql chromium)

# A Python >= 3.12 (Django 6 needs it): from PATH, pyenv, or Debian.
find_python() {
  local c
  for c in "${EISO_PYTHON:-}" python3.13 python3.12 python3 \
           "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
           /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 \
           /usr/bin/python3.13 /usr/bin/python3.12; do
    [ -n "$c" ] || continue
    if "$c" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c" 2>/dev/null || echo "$c"; return 0
    fi
  done
  return 1
}

eiso_setup_python() {
  local want have=""
  want="$(cat "$ROOT"/requirements/*.txt | sha256sum | cut -c1-16)"
  [ -f "$VENV/.eiso-req" ] && have="$(cat "$VENV/.eiso-req")"
  if [ ! -x "$PY" ]; then
    local base; base="$(find_python)" || { log "Python >= 3.12 not found"; exit 1; }
    log "creating virtualenv with $base"
    "$base" -m venv "$VENV"
  fi
  if [ "$want" != "$have" ]; then
    log "installing Python packages"
    "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements/test.txt"
    echo "$want" > "$VENV/.eiso-req"
  fi
}

eiso_setup_assets() {
  local want have=""
  want="$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)"
  [ -f "$ROOT/node_modules/.eiso-lock" ] && have="$(cat "$ROOT/node_modules/.eiso-lock")"
  if [ "$want" != "$have" ]; then
    command -v npm >/dev/null || ensure_apt nodejs npm
    log "installing front-end assets (npm)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$ROOT/node_modules/.eiso-lock"
  fi
}

manage() { mkdir -p "${EISO_VAR_DIR:-$ROOT/var}"; "$PY" "$ROOT/src/manage.py" "$@"; }

# Background processes of ./eiso run and serve: `start_background <log> <manage.py args>` writes to var/<log>.
# Python is started directly, not through manage(): `$!` of a backgrounded function is a subshell,
# and killing that left the Python process running after ./eiso exited.
BACKGROUND=()
start_background() {
  local logfile="$1"; shift
  "$PY" "$ROOT/src/manage.py" "$@" >"${EISO_VAR_DIR:-$ROOT/var}/$logfile" 2>&1 &
  BACKGROUND+=("$!")
}
stop_background() { [ ${#BACKGROUND[@]} -eq 0 ] || kill "${BACKGROUND[@]}" 2>/dev/null || true; }

eiso_setup() {
  ensure_apt "$@"
  eiso_setup_python
  eiso_setup_assets
  manage compilemessages --ignore=.venv --ignore=node_modules -v 0
}

eiso_run() {
  # The demo runs as it would be served: DEBUG off (the project's Vietnamese error pages, never Django's debug
  # page), the demo accounts listed on the login page (EISO_DEMO). runserver --insecure serves the static files.
  export EISO_DEBUG="${EISO_DEBUG:-0}" EISO_DEMO="${EISO_DEMO:-1}"
  eiso_setup "${RUN_APT[@]}"
  mkdir -p "$ROOT/var"
  manage migrate --noinput -v 0
  manage load_demo --if-empty
  log "starting the background task worker and the scheduler of periodic tasks"
  trap stop_background EXIT
  start_background worker.log db_worker --queue-name '*'
  # Enqueues early warnings and review reminders at their times (settings.EISO[*_SCHEDULE]);
  # no heartbeat task (it would add a task row every minute).
  start_background scheduler.log crontask --no-heartbeat
  manage demo_accounts
  log "eISO at http://127.0.0.1:${EISO_PORT:-8000}/  (Ctrl-C to stop)"
  manage runserver "127.0.0.1:${EISO_PORT:-8000}" --noreload --insecure
}

# The production stack on this machine, as a province runs it (deploy/ has the same for systemd and nginx):
# production settings, migrations, static files collected for WhiteNoise, the task worker, the one scheduler,
# gunicorn in front. DATABASE_URL (PostgreSQL) or SQLite in var/ when unset; EISO_* from the environment
# (deploy/eiso.env names them all).
eiso_serve() {
  export DJANGO_SETTINGS_MODULE=eiso.settings.production
  eiso_setup "${RUN_APT[@]}"
  mkdir -p "${EISO_VAR_DIR:-$ROOT/var}"
  manage migrate --noinput -v 0
  manage collectstatic --noinput -v 0
  trap stop_background EXIT
  start_background worker.log db_worker --queue-name '*'
  start_background scheduler.log crontask --no-heartbeat
  log "eISO (production settings) at http://${EISO_BIND:-127.0.0.1:8000}/  (Ctrl-C to stop)"
  "$VENV/bin/gunicorn" -c "$ROOT/deploy/gunicorn.conf.py"
}

# A throw-away PostgreSQL on loopback; sets DATABASE_URL for the caller.
PG_DIR=""
start_postgres() {
  local bin port
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  port="${EISO_PG_PORT:-$(( 54000 + RANDOM % 1000 ))}"
  PG_DIR="$(mktemp -d /tmp/eiso-pg.XXXXXX)"
  local run=()
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
    "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop)
  export EISO_PG_URL="postgres://postgres@127.0.0.1:$port/eiso"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}
stop_postgres() { [ -n "$PG_DIR" ] && { "${PG_STOP[@]}" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }; }

eiso_test() {
  local t0=$SECONDS
  eiso_setup "${TEST_APT[@]}"
  start_postgres
  trap stop_postgres EXIT
  mkdir -p "$ROOT/test-output"
  local rc=0
  log "ruff check (lint: settings in pyproject.toml)"
  "$PY" -m ruff check "$ROOT/src" "$ROOT/bench" || rc=$?
  log "ruff format --check (layout: one formatter for the whole tree)"
  "$PY" -m ruff format --check "$ROOT/src" "$ROOT/bench" || rc=$?
  log "test suite on SQLite"
  (cd "$ROOT" && EISO_DB_LABEL=sqlite DATABASE_URL="sqlite://:memory:" "$PY" -m pytest "$@" --junitxml=test-output/sqlite.xml) || rc=$?
  log "test suite on PostgreSQL"
  (cd "$ROOT" && EISO_DB_LABEL=postgresql DATABASE_URL="$EISO_PG_URL" "$PY" -m pytest "$@" --junitxml=test-output/postgresql.xml) || rc=$?
  "$PY" "$ROOT/scripts/summary.py" test-output/sqlite.xml test-output/postgresql.xml
  log "done in $((SECONDS - t0)) s"
  return $rc
}

# The benchmarks' own packages (requirements/bench.txt: the load generator), on top of the test environment.
eiso_setup_bench() {
  local want have=""
  want="$(sha256sum "$ROOT/requirements/bench.txt" | cut -c1-16)"
  [ -f "$VENV/.eiso-req-bench" ] && have="$(cat "$VENV/.eiso-req-bench")"
  if [ "$want" != "$have" ]; then
    log "installing the benchmarks' Python packages"
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements/bench.txt"
    echo "$want" > "$VENV/.eiso-req-bench"
  fi
}

# ./eiso bench [name]: bench/bench_<name>.py (all of them without a name; `load` serves the demo province under
# locust for minutes: bench/README.md).
eiso_bench() {
  eiso_setup "${TEST_APT[@]}"
  eiso_setup_bench
  start_postgres
  trap stop_postgres EXIT
  local name="${1:-}"; shift || true
  for f in "$ROOT"/bench/bench_*.py; do
    [ -z "$name" ] || [[ "$(basename "$f")" == *"$name"* ]] || continue  # the file's name, not the checkout's path
    log "bench: $(basename "$f")"
    "$PY" "$f" "$@"
  done
}
