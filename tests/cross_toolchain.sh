#!/usr/bin/env bash
# A firmware project built with Debian's arm-none-eabi-gcc (issue #6): its
# compile database names the cross compiler and GCC-only flags clang
# rejects; Mbed TLS sits in an SDK directory outside the project and the
# libc is the toolchain's newlib. With --query-driver the scan asks the real
# driver for its include directories and target and must understand the
# file (exit 1: findings, not 3: incomplete) and report exactly the legacy
# settings, at their lines, and nothing for the near-misses. The same
# project is first compiled by arm-none-eabi-gcc itself, so the fixture is
# what that toolchain accepts.
#
# usage: tests/cross_toolchain.sh path/to/tlsfloor
# Needs: gcc-arm-none-eabi, libnewlib-arm-none-eabi, libmbedtls-dev (headers
# copied into the SDK directory), python3 (scripts/deps.sh installs them).
set -euo pipefail

TOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CC=$(command -v arm-none-eabi-gcc) || { echo "FAIL: arm-none-eabi-gcc not installed (scripts/deps.sh)"; exit 1; }
[ -d /usr/include/mbedtls ] || { echo "FAIL: libmbedtls-dev not installed (scripts/deps.sh)"; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
P=$WORK/fw
mkdir -p "$P/src" "$P/config" "$P/build" "$WORK/sdk/mbedtls/include"
cp -r /usr/include/mbedtls "$WORK/sdk/mbedtls/include/"
[ -d /usr/include/psa ] && cp -r /usr/include/psa "$WORK/sdk/mbedtls/include/"

cat >"$P/config/fw_tls_config.h" <<'EOF'
/* The board's Mbed TLS configuration: the SDK default, trimmed. */
#include "mbedtls/config.h"
#undef MBEDTLS_SSL_PROTO_TLS1
#undef MBEDTLS_SSL_PROTO_TLS1_1
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_HAVE_TIME_DATE
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#undef MBEDTLS_ENTROPY_PLATFORM
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_SSL_PROTO_TLS1_1
#define MBEDTLS_SSL_PROTO_TLS1
EOF
# Lines above: TLS1_1 is defined on line 15, TLS1 on line 16.

cat >"$P/src/tls_port.c" <<'EOF'
#include <string.h>
#include <stdint.h>
#include "mbedtls/ssl.h"

static uint8_t rx[512];

int fw_tls_setup(mbedtls_ssl_config *conf, int legacy_gateway)
{
    memset(rx, 0, sizeof rx);
    if (legacy_gateway)
        mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_1);
    else
        mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    return 0;
}
EOF
# Line 11 is the TLS 1.0 minimum; lines 13-14 are near-misses.

FLAGS="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 --specs=nano.specs -Os -ffunction-sections -fdata-sections -fno-tree-loop-distribute-patterns -fstack-usage -Wall -DMBEDTLS_CONFIG_FILE='\"fw_tls_config.h\"' -I$P/config -I$WORK/sdk/mbedtls/include"
python3 - "$P" "$CC" "$FLAGS" <<'EOF'
import json, sys
p, cc, flags = sys.argv[1:]
json.dump([{"directory": p + "/build",
            "command": f"{cc} {flags} -o tls_port.o -c {p}/src/tls_port.c",
            "file": p + "/src/tls_port.c"}],
          open(p + "/build/compile_commands.json", "w"), indent=1)
EOF

passed=0
failed=0
check() { # check NAME COMMAND...
  local name=$1
  shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1)); echo "PASS: $name"
  else
    failed=$((failed + 1)); echo "FAIL: $name"; echo "$out" | head -40
  fi
}

# The fixture is valid for the real toolchain.
echo "cd '$P/build' && $CC $FLAGS -fsyntax-only $P/src/tls_port.c" >"$WORK/compile.sh"
check "arm-none-eabi-gcc accepts the project" sh "$WORK/compile.sh"

set +e
"$TOOL" scan --format json -p "$P/build" --query-driver "$(dirname "$CC")/arm-none-eabi-*" "$P" \
  >"$WORK/report.json" 2>"$WORK/stderr"
rc=$?
set -e
check "exit 1 (findings; the file was understood)" test "$rc" -eq 1
cat >"$WORK/verdict.py" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); p = sys.argv[2]
got = sorted((f["location"]["path"].replace(p + "/", ""), f["location"].get("line"), f["ruleId"])
             for f in r["findings"])
want = sorted([("src/tls_port.c", 11, "mbedtls/min-below-floor"),
               ("config/fw_tls_config.h", 15, "mbedtls/config-enables-legacy"),
               ("config/fw_tls_config.h", 16, "mbedtls/config-enables-legacy")])
diags = [d for d in r.get("diagnostics", []) if d.get("kind") != "info"]
notes = [d.get("message", "") for d in r.get("diagnostics", []) if "query-driver" in json.dumps(d)]
print("findings:", got); print("problems:", diags); print("query-driver:", notes)
sys.exit(0 if got == want and not diags and any("arm-none-eabi" in n for n in notes) else 1)
EOF
check "findings at the legacy lines only, no problems, target arm-none-eabi from the driver" \
  python3 "$WORK/verdict.py" "$WORK/report.json" "$P"

echo "passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
