#!/usr/bin/env bash
# Build the frozen charter-kiosk with build.spec (one folder) and smoke-test it.
#
#   .ci/build_frozen.sh              one-folder build + smoke tests
#   .ci/build_frozen.sh --onefile    also build the one-file executable and smoke-test it briefly
#
# Fails when a bundle outgrows its size limit: one folder 110 MiB, one file 50 MiB (du -sm).
#
# Output goes to $CHARTER_FROZEN_DIR (default build/frozen, wiped first). Prints the bundle
# size (du -sm) and the build time; exits non-zero when the build or any smoke test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

ONEFILE=0
for arg in "$@"; do
    case "$arg" in
        --onefile) ONEFILE=1 ;;
        *) echo "usage: $0 [--onefile]" >&2; exit 2 ;;
    esac
done

OUT="${CHARTER_FROZEN_DIR:-build/frozen}"
rm -rf "$OUT"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export QT_QPA_PLATFORM=offscreen
# A run of the app must never see the machine's real data or secrets.
SMOKE_HOME="$(mktemp -d "${TMPDIR:-/tmp}/charter-frozen-home.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$SMOKE_HOME"
}
trap cleanup EXIT

# PyInstaller from the dev group when the lock has it, else an ephemeral one.
if uv run --quiet python -c "import PyInstaller" 2>/dev/null; then
    UV_PYI=(uv run --quiet)
else
    UV_PYI=(uv run --quiet --with "pyinstaller>=6.10")
fi

build() {  # build DIST WORK LOG [env...]
    local dist="$1" work="$2" log="$3"
    shift 3
    local start end
    start=$(date +%s)
    if ! env "$@" "${UV_PYI[@]}" pyinstaller --noconfirm --clean --log-level WARN \
            --distpath "$dist" --workpath "$work" build.spec >"$log" 2>&1; then
        cat "$log" >&2
        echo "FAIL: pyinstaller build.spec ($*)" >&2
        exit 1
    fi
    end=$(date +%s)
    BUILD_SECONDS=$((end - start))
}

echo "== build (one folder)"
build "$OUT/dist" "$OUT/work" "$OUT/build.log"
ONEDIR_SECONDS=$BUILD_SECONDS
APP_DIR="$OUT/dist/charter-kiosk"
APP="$APP_DIR/charter-kiosk"
ONEDIR_MB=$(du -sm "$APP_DIR" | cut -f1)
echo "built $APP_DIR in ${ONEDIR_SECONDS}s, ${ONEDIR_MB} MB"

FAILURES=0
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; FAILURES=$((FAILURES + 1)); }

run_app() {  # run_app BIN TIMEOUT ARGS...: stdout+stderr in $RUN_OUT, exit code in $RUN_RC
    local bin="$1" limit="$2"
    shift 2
    RUN_RC=0
    RUN_OUT=$(CHARTER_KIOSK_HOME="$SMOKE_HOME" timeout "$limit" "$bin" "$@" 2>&1) || RUN_RC=$?
}

smoke() {  # smoke BIN
    local bin="$1"

    run_app "$bin" 60 --version
    if [ "$RUN_RC" = 0 ] && [[ "$RUN_OUT" =~ ^charter-kiosk\ [0-9]+\.[0-9]+ ]]; then
        pass "--version: $RUN_OUT"
    else
        fail "--version (exit $RUN_RC): $RUN_OUT"
    fi

    # Exit 1 is expected in CI (no secrets configured); functions, database and errors must pass.
    local json="$OUT/check.json"
    RUN_RC=0
    CHARTER_KIOSK_HOME="$SMOKE_HOME" timeout 120 "$bin" check --offline --json >"$json" 2>"$OUT/check.err" \
        || RUN_RC=$?
    if [ "$RUN_RC" = 0 ] || [ "$RUN_RC" = 1 ]; then
        if verdict=$(uv run --quiet python - "$json" "$RUN_RC" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
checks = report["checks"]
groups = {c["group"] for c in checks}
bad = [f"{c['group']}/{c['name']}: {c['detail']}" for c in checks
       if c["group"] in ("functions", "database", "errors") and c["status"] != "pass"]
missing = {"functions", "database", "errors"} - groups
failing = [c for c in checks if c["status"] == "fail"]
if bad or missing:
    sys.exit(f"must pass: {bad}, missing groups: {sorted(missing)}")
if (int(sys.argv[2]) == 1) != bool(failing):
    sys.exit(f"exit code {sys.argv[2]} disagrees with {len(failing)} failing checks")
print(f"{len(checks)} checks, {len(failing)} failing "
      f"({', '.join(sorted({c['group'] for c in failing})) or 'none'})")
PY
        ); then
            pass "check --offline --json (exit $RUN_RC): $verdict"
        else
            fail "check --offline --json: $verdict"
        fi
    else
        fail "check --offline --json exited $RUN_RC: $(cat "$OUT/check.err")"
    fi

    run_app "$bin" 60 relay --help
    if [ "$RUN_RC" = 0 ] && [[ "$RUN_OUT" == *serve* ]]; then pass "relay --help"; else
        fail "relay --help (exit $RUN_RC): $RUN_OUT"; fi
    run_app "$bin" 60 sandbox --help
    if [ "$RUN_RC" = 0 ] && [[ "$RUN_OUT" == *--port* ]]; then pass "sandbox --help"; else
        fail "sandbox --help (exit $RUN_RC): $RUN_OUT"; fi

    run_app "$bin" 120 --demo --terminal
    local before after
    before=$(sed -n 's/^Total before: [^0-9]*\([0-9][0-9.,]*\).*/\1/p' <<<"$RUN_OUT" | tr -d ,)
    after=$(sed -n 's/^Total after: [^0-9]*\([0-9][0-9.,]*\).*/\1/p' <<<"$RUN_OUT" | tr -d ,)
    if [ "$RUN_RC" = 0 ] && [ -n "$before" ] && [ -n "$after" ] \
            && [ "$(grep -c 'status: paid' <<<"$RUN_OUT")" = 2 ] \
            && awk -v b="$before" -v a="$after" 'BEGIN { exit !(a > b) }'; then
        pass "--demo --terminal: card and crypto paid, total $before -> $after"
    else
        fail "--demo --terminal (exit $RUN_RC): $RUN_OUT"
    fi
}

smoke_window() {  # smoke_window BIN PNG [ARGS...]: a window on the sandbox, offscreen, quits by itself
    local bin="$1" png="$2"
    shift 2
    local args=("$@")
    [ ${#args[@]} -gt 0 ] || args=(--demo)
    rm -f "$png"
    RUN_RC=0
    RUN_OUT=$(CHARTER_KIOSK_HOME="$SMOKE_HOME" CHARTER_KIOSK_QUIT_AFTER=4 CHARTER_KIOSK_SCREENSHOT="$png" \
        timeout 60 "$bin" "${args[@]}" 2>&1) || RUN_RC=$?
    if [ "$RUN_RC" != 0 ]; then
        fail "${args[*]} offscreen exited $RUN_RC (124: did not quit; is CHARTER_KIOSK_QUIT_AFTER honoured?): $RUN_OUT"
        return
    fi
    if [ ! -s "$png" ]; then
        fail "${args[*]} offscreen: no screenshot at $png (is CHARTER_KIOSK_SCREENSHOT honoured?)"
        return
    fi
    # Non-trivial: a real PNG of a sensible size with more than a handful of colours.
    if verdict=$(uv run --quiet python - "$png" <<'PY'
import sys

from PySide6.QtGui import QImage

image = QImage(sys.argv[1])
if image.isNull():
    sys.exit("not a readable image")
if image.width() < 320 or image.height() < 240:
    sys.exit(f"too small: {image.width()}x{image.height()}")
step = max(1, min(image.width(), image.height()) // 64)
colours = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
if len(colours) < 8:
    sys.exit(f"only {len(colours)} colours: a blank window?")
print(f"{image.width()}x{image.height()}, {len(colours)} colours sampled")
PY
    ); then
        pass "${args[*]} offscreen: exit 0, screenshot $verdict"
    else
        fail "${args[*]} offscreen: screenshot $png: $verdict"
    fi
}

smoke_relay() {  # relay serve on a free port answers /healthz; add-kiosk and kiosks work
    local bin="$1" log="$OUT/relay.log" url=""
    CHARTER_KIOSK_HOME="$SMOKE_HOME" "$bin" relay serve --port 0 --log-level warning >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        url=$(sed -n 's/^relay listening on \(http[^ ]*\).*/\1/p' "$log" | head -n1)
        [ -n "$url" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    if [ -n "$url" ] && body=$(uv run --quiet python -c \
            "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())" \
            "$url/healthz" 2>&1); then
        pass "relay serve: $url/healthz -> $(head -c 120 <<<"$body")"
    else
        fail "relay serve: no answer on /healthz: $(cat "$log") ${body:-}"
    fi
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""

    run_app "$bin" 60 relay add-kiosk smoke-kiosk
    if [ "$RUN_RC" = 0 ]; then
        run_app "$bin" 60 relay kiosks
        if [ "$RUN_RC" = 0 ] && [[ "$RUN_OUT" == *smoke-kiosk* ]]; then pass "relay add-kiosk, kiosks"; else
            fail "relay kiosks (exit $RUN_RC): $RUN_OUT"; fi
    else
        fail "relay add-kiosk (exit $RUN_RC): $RUN_OUT"
    fi
}

smoke_relay_postgres() {  # the frozen relay on PostgreSQL (psycopg2, libpq, OpenSSL), if one answers
    local bin="$1" url
    if ! url=$(uv run --quiet python - <<'PY' 2>/dev/null
import uuid
from urllib.parse import quote

import psycopg2

from tests.support.relay import PG_DATABASE, PG_HOST, PG_PORT, PG_USER, postgres_problem

if postgres_problem():
    raise SystemExit(1)
schema = f"frozen_smoke_{uuid.uuid4().hex[:12]}"
conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE, connect_timeout=2)
conn.autocommit = True
conn.cursor().execute(f'CREATE SCHEMA "{schema}"')
print(f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}?options="
      + quote(f"-csearch_path={schema}", safe=""))
PY
    ); then
        echo "SKIP  relay on PostgreSQL: no server answers"
        return
    fi
    RUN_RC=0
    RUN_OUT=$(CHARTER_RELAY_DB="$url" CHARTER_KIOSK_HOME="$SMOKE_HOME" timeout 60 "$bin" relay add-kiosk pg-smoke 2>&1 \
        && CHARTER_RELAY_DB="$url" CHARTER_KIOSK_HOME="$SMOKE_HOME" timeout 60 "$bin" relay kiosks 2>&1) || RUN_RC=$?
    if [ "$RUN_RC" = 0 ] && [[ "$RUN_OUT" == *pg-smoke* ]]; then pass "relay add-kiosk, kiosks on PostgreSQL"; else
        fail "relay on PostgreSQL (exit $RUN_RC): $RUN_OUT"; fi
    uv run --quiet python - "$url" <<'PY' || true
import sys
from urllib.parse import unquote

import psycopg2

from tests.support.relay import PG_DATABASE, PG_HOST, PG_PORT, PG_USER

schema = unquote(sys.argv[1]).rsplit("search_path=", 1)[1]
conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE, connect_timeout=2)
conn.autocommit = True
conn.cursor().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
PY
}

check_bundle() {  # files that must (and must not) be in the one-folder bundle
    local internal="$APP_DIR/_internal"
    local need=(resources/kiosk.qss stripe/data/ca-certificates.crt certifi/cacert.pem
                resources/translations/charter_es.qm resources/translations/charter_fr.qm
                resources/translations/charter_ar.qm
                PySide6/Qt/plugins/platforms/libqoffscreen.so PySide6/Qt/plugins/platforms/libqxcb.so)
    for rel in "${need[@]}"; do
        if [ -e "$internal/$rel" ]; then pass "bundled: $rel"; else fail "missing from bundle: $rel"; fi
    done
    if grep -qs '^SecretService = keyring.backends.SecretService' "$internal"/keyring-*.dist-info/entry_points.txt
    then pass "bundled: keyring entry points"; else fail "missing: keyring entry-point metadata"; fi
    local unwanted
    unwanted=$(cd "$internal" && find . \( -path './PySide6/Qt/translations/*' -o -name 'libQt6Quick*' \
        -o -name 'libQt6Qml*' -o -name 'libQt6Pdf*' -o -name 'libQt6Network*' -o -name 'libgtk-3*' \
        -o -path '*/plugins/sqldrivers/*' -o -path '*/plugins/tls/*' -o -path '*/plugins/platformthemes/*' \) \
        -print | head -n 20)
    if [ -z "$unwanted" ]; then pass "no unused Qt modules, plugins or translations"; else
        fail "unwanted files in the bundle: $unwanted"; fi
    # The slim ICU data (packaging/icu_slim.py): the full one is 31 MB.
    local icu icu_kb
    icu=$(find "$internal" -type f -name "libicudata.so.*" -print -quit)
    if [ -n "$icu" ]; then
        icu_kb=$(du -k "$icu" | cut -f1)
        if [ "$icu_kb" -le 8192 ]; then pass "slim ICU data: $((icu_kb / 1024)) MB"; else
            fail "ICU data is $((icu_kb / 1024)) MB: the slim copy was not built (see build.log)"; fi
    fi
    # Modules imported only by name at run time must be in the archive.
    local listing="$OUT/archive.txt"
    if "${UV_PYI[@]}" pyi-archive_viewer --recursive --brief "$APP" >"$listing" 2>&1; then
        local module missing=()
        for module in keyring.backends.SecretService keyring.backends.kwallet keyring.backends.libsecret \
                keyring.backends.macOS keyring.backends.Windows uvicorn.loops.auto uvicorn.protocols.http.h11_impl \
                uvicorn.lifespan.on backend.relay.cli backend.sandbox.cli kiosk.app stripe.checkout._session \
                playhouse.pool psycopg2.extras platformdirs.unix qrcode.main; do
            grep -qxF " $module" "$listing" || missing+=("$module")
        done
        if [ "${#missing[@]}" = 0 ]; then pass "archive has the modules imported by name"; else
            fail "archive lacks: ${missing[*]}"; fi
        local extra=()
        # tests and tests.support (fixed secrets, scratch schemas) must never ship either.
        for module in httpx httpcore pygments pytest tests tests.support; do
            if grep -qxF " $module" "$listing"; then extra+=("$module"); fi
        done
        if [ "${#extra[@]}" = 0 ]; then pass "archive has no development packages"; else
            fail "archive has development packages: ${extra[*]}"; fi
    else
        fail "pyi-archive_viewer could not list $APP: $(tail -n 5 "$listing")"
    fi
}

echo "== smoke tests (one folder)"
check_bundle
smoke "$APP"
smoke_relay "$APP"
smoke_relay_postgres "$APP"
smoke_window "$APP" "$OUT/attract.png"
smoke_window "$APP" "$OUT/display.png" display --demo

ONEFILE_MB=""
if [ "$ONEFILE" = 1 ]; then
    echo "== build (one file)"
    build "$OUT/dist-onefile" "$OUT/work-onefile" "$OUT/build-onefile.log" CHARTER_ONEFILE=1
    ONEFILE_SECONDS=$BUILD_SECONDS
    ONEFILE_MB=$(du -sm "$OUT/dist-onefile/charter-kiosk" | cut -f1)
    echo "== smoke tests (one file)"
    smoke "$OUT/dist-onefile/charter-kiosk"
    smoke_relay_postgres "$OUT/dist-onefile/charter-kiosk"
    smoke_window "$OUT/dist-onefile/charter-kiosk" "$OUT/attract-onefile.png"
fi

echo "== frozen build figures"
echo "one-folder bundle: ${ONEDIR_MB} MB (du -sm), build ${ONEDIR_SECONDS}s"
if [ -n "$ONEFILE_MB" ]; then
    echo "one-file executable: ${ONEFILE_MB} MB (du -sm), build ${ONEFILE_SECONDS}s"
fi
# The size gate (issue 15; figures in docs/benchmarks.md): a kiosk update over event Wi-Fi.
# du -sm counts MiB.
LIMIT_MB=110
ONEFILE_LIMIT_MB=50
if [ "$ONEDIR_MB" -gt "$LIMIT_MB" ]; then
    fail "one-folder bundle is ${ONEDIR_MB} MiB, over the ${LIMIT_MB} MiB limit"
else
    pass "one-folder bundle ${ONEDIR_MB} MiB <= ${LIMIT_MB} MiB"
fi
if [ -n "$ONEFILE_MB" ]; then
    if [ "$ONEFILE_MB" -gt "$ONEFILE_LIMIT_MB" ]; then
        fail "one-file executable is ${ONEFILE_MB} MiB, over the ${ONEFILE_LIMIT_MB} MiB limit"
    else
        pass "one-file executable ${ONEFILE_MB} MiB <= ${ONEFILE_LIMIT_MB} MiB"
    fi
fi
if [ "$FAILURES" != 0 ]; then
    echo "frozen build: $FAILURES smoke test(s) failed" >&2
    exit 1
fi
echo "frozen build: all smoke tests passed"
