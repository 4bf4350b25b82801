#!/usr/bin/env bash
# Checks the TLS-library fingerprints (patterns/tls-libraries.yaml and the
# OpenSSL entry) against real Debian packages: each library is found with the
# upstream version of the package it came from (read from the .deb's control
# data at test time), programs that only link a library are reported as
# "links", a .deb scanned as a bundle gives the same findings as its extracted
# files, and BoringSSL is not reported as OpenSSL. Plus a synthetic LibreSSL
# check (LibreSSL is not in Debian) when a C compiler is available.
#
# usage: tests/real_binaries.sh path/to/tlsfloor
# Needs: apt-get (Debian/Ubuntu sources reachable), dpkg-deb, python3.
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 path/to/tlsfloor" >&2
  exit 2
fi
TOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PACK="$HERE/../patterns/tls-libraries.yaml"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
skipped=0
check() { # check NAME COMMAND...: one line per check
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "PASS: $name${out:+ ($out)}"
  else
    failed=$((failed + 1))
    echo "FAIL: $name${out:+ ($out)}"
  fi
}

# --- packages -------------------------------------------------------------
# Newest package whose name matches a pattern (so a release whose soname
# moved, e.g. libmbedcrypto7 -> libmbedcrypto16, still works).
resolve() { apt-cache pkgnames "$1" 2>/dev/null | grep -E "^$2\$" | sort -V | tail -n 1 || true; }
declare -A PKG
want() { # want KEY PREFIX REGEX
  local name
  name=$(resolve "$2" "$3")
  if [[ -z $name && ${updated:-0} == 0 ]]; then
    apt-get update -qq >/dev/null 2>&1 || true
    updated=1
    name=$(resolve "$2" "$3")
  fi
  if [[ -z $name ]]; then
    echo "cannot find a Debian package matching $3" >&2
    exit 2
  fi
  PKG[$1]=$name
}
want gnutls libgnutls 'libgnutls[0-9]+(t64)?'
want nss libnss3 'libnss3(t64)?'
want mbedcrypto libmbedcrypto 'libmbedcrypto[0-9]+(t64)?'
want mbedtls libmbedtls 'libmbedtls[0-9]+(t64)?'
want wolfssl libwolfssl 'libwolfssl[0-9]+(t64)?'
want boringssl android-libboringssl 'android-libboringssl'
want curlgnutls libcurl3 'libcurl3(t64)?-gnutls'
want curl4 libcurl4 'libcurl4(t64)?'
want openssl libssl 'libssl3(t64)?'
want gnutlsbin gnutls-bin 'gnutls-bin'
want curltool curl 'curl'
want gnutlsssl libgnutls-openssl 'libgnutls-openssl[0-9]+(t64)?'
# Runtimes and AWS SDKs (issue #7).
want jdk openjdk 'openjdk-17-jre-headless'
want python libpython3 'libpython3\.[0-9]+(t64)?'
want node libnode 'libnode[0-9]+(t64)?'
want goprog restic 'restic'
want gosdk rclone 'rclone'
want dotnet keepass2 'keepass2'
want botocore python3-botocore 'python3-botocore'
want awscli awscli 'awscli'

mkdir -p "$WORK/debs"
(cd "$WORK/debs" && apt-get download -q "${PKG[@]}" >/dev/null 2>&1) || {
  echo "apt-get download failed for: ${PKG[*]}" >&2
  exit 2
}
deb_of() { ls "$WORK"/debs/"$1"_*.deb; }
# Upstream version: no epoch, no Debian revision, no repack suffix.
upstream() {
  dpkg-deb -f "$(deb_of "$1")" Version | sed -E 's/^[0-9]+://; s/-[^-]*$//; s/[+~](dfsg|ds|repack)[^+~]*$//'
}

# --- scans ----------------------------------------------------------------
# Use the pack unless the tool already has it built in (ids are unique).
RULES=(--rules "$PACK")
mkdir -p "$WORK/empty"
if ! "$TOOL" scan --format json "${RULES[@]}" "$WORK/empty" >/dev/null 2>"$WORK/probe.err"; then
  if grep -q "already defined" "$WORK/probe.err"; then
    RULES=()
  else
    cat "$WORK/probe.err" >&2
    exit 2
  fi
fi

for key in "${!PKG[@]}"; do
  p=${PKG[$key]}
  mkdir -p "$WORK/x/$p"
  dpkg-deb -x "$(deb_of "$p")" "$WORK/x/$p"
done
# One scan of the extracted trees, one of the .deb files as bundles.
(cd "$WORK/x" && "$TOOL" scan --format json --fail-on never "${RULES[@]}" . >"$WORK/dir.json")
(cd "$WORK/debs" && "$TOOL" scan --format json --fail-on never "${RULES[@]}" . >"$WORK/deb.json")

# Findings as TSV: package, member path inside the package, component, how,
# version ("" = unknown, ">=x" = lower bound).
tsv() {
  python3 - "$1" "$2" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
bundle = sys.argv[2] == "deb"
for f in data["findings"]:
    if not f["ruleId"].startswith("binary/component-"):
        continue
    chain = f["location"]["chain"]
    if bundle:  # ./pkg_ver_arch.deb ! data.tar.xz ! ./usr/lib/...
        pkg = chain[0].lstrip("./").split("_")[0]
        member = chain[-1].lstrip(".") if len(chain) > 1 else ""
    else:       # ./pkg/usr/lib/...
        parts = chain[0].lstrip("./").split("/", 1)
        pkg, member = parts[0], "/" + parts[1]
    how = f.get("value", "").split(",")[0]
    ver = f.get("version", "")
    if ver and (">= " + ver) in f["message"].split(";")[0]:
        ver = ">=" + ver
    print("\t".join([pkg, member, f["component"], how, ver]))
PY
}
tsv "$WORK/dir.json" dir | sort >"$WORK/dir.tsv"
tsv "$WORK/deb.json" deb | sort >"$WORK/deb.tsv"

# finding PKG MEMBER_REGEX COMPONENT HOW VERSION: a finding exists with that
# how and version ("" = version unknown; "re:X" = version matching regex X).
# Prints what was found.
finding() {
  python3 - "$WORK/dir.tsv" "$@" <<'PY'
import re, sys
tsv, pkg, member, comp, how, ver = sys.argv[1:7]
rows = [l.rstrip("\n").split("\t") for l in open(tsv)]
hits = [r for r in rows if r[0] == pkg and re.search(member, r[1]) and r[2] == comp]
shown = "; ".join(f"{r[1]}: {r[3]} {r[2]} {r[4] or '(version unknown)'}" for r in hits)
same = (lambda v: re.fullmatch(ver[3:], v)) if ver.startswith("re:") else (lambda v: v == ver)
ok = hits and all(r[3] == how and same(r[4]) for r in hits)
print(shown or f"no {comp} finding in {pkg} matching {member}")
sys.exit(0 if ok else 1)
PY
}
# no_component PKG COMPONENT: the package yields no finding for COMPONENT.
no_component() {
  awk -F'\t' -v p="$1" -v c="$2" '$1 == p && $3 == c { out = out (bad ? "; " : "") $2 ": " $4 " " c; bad = 1 }
    END { if (bad) print out; exit bad }' "$WORK/dir.tsv"
}
same_as_deb() { # the .deb bundle finds the same components in the same files
  # (how and version may be sharper in the bundle: a program's link to a
  # library shipped in the same package resolves to that library's version)
  local a b
  a=$(awk -F'\t' -v p="$1" '$1 == p { print $2 "\t" $3 }' "$WORK/dir.tsv" | sort -u)
  b=$(awk -F'\t' -v p="$1" '$1 == p { print $2 "\t" $3 }' "$WORK/deb.tsv" | sort -u)
  echo "$(printf '%s' "$a" | grep -c . || true) finding(s)"
  [[ -n $a && $a == "$b" ]]
}

# --- checks ---------------------------------------------------------------
P=${PKG[gnutls]}
check "$P: embeds GnuTLS $(upstream "$P")" \
  finding "$P" '/libgnutls\.so\.' GnuTLS embeds "$(upstream "$P")"
P=${PKG[nss]}
check "$P: libnss3.so embeds NSS $(upstream "$P")" \
  finding "$P" '/libnss3\.so$' NSS embeds "$(upstream "$P")"
check "$P: libssl3.so embeds NSS $(upstream "$P")" \
  finding "$P" '/libssl3\.so$' NSS embeds "$(upstream "$P")"
check "$P: not reported as OpenSSL" no_component "$P" OpenSSL
P=${PKG[mbedcrypto]}
check "$P: embeds Mbed TLS $(upstream "$P")" \
  finding "$P" '/libmbedcrypto\.so\.' "Mbed TLS" embeds "$(upstream "$P")"
# libmbedtls.so has no version text of its own (version.c is in libmbedcrypto).
P=${PKG[mbedtls]}
check "$P: embeds Mbed TLS (version text lives in libmbedcrypto)" \
  finding "$P" '/libmbedtls\.so\.' "Mbed TLS" embeds ""
P=${PKG[wolfssl]}
check "$P: embeds wolfSSL $(upstream "$P")" \
  finding "$P" '/libwolfssl\.so\.' wolfSSL embeds "$(upstream "$P")"
# BoringSSL has no version; the package version ($(upstream)) is Android's.
P=${PKG[boringssl]}
check "$P: libssl.so.0 embeds BoringSSL (no version: upstream $(upstream "$P") is Android's)" \
  finding "$P" '/libssl\.so\.0$' BoringSSL embeds ""
check "$P: libcrypto.so.0 embeds BoringSSL" \
  finding "$P" '/libcrypto\.so\.0$' BoringSSL embeds ""
check "$P: not reported as OpenSSL" no_component "$P" OpenSSL
P=${PKG[curlgnutls]}
check "$P: embeds libcurl $(upstream "$P")" \
  finding "$P" '/libcurl-gnutls\.so\.' libcurl embeds "$(upstream "$P")"
check "$P: links GnuTLS (its backend)" \
  finding "$P" '/libcurl-gnutls\.so\.' GnuTLS links 're:>=3\..*'
P=${PKG[curl4]}
check "$P: embeds libcurl $(upstream "$P")" \
  finding "$P" '/libcurl\.so\.' libcurl embeds "$(upstream "$P")"
check "$P: links OpenSSL (its backend)" \
  finding "$P" '/libcurl\.so\.' OpenSSL links 're:>=3\..*'
P=${PKG[openssl]}
check "$P: libcrypto.so.3 embeds OpenSSL $(upstream "$P")" \
  finding "$P" '/libcrypto\.so\.3$' OpenSSL embeds "$(upstream "$P")"
P=${PKG[gnutlsbin]}
check "$P: gnutls-cli links GnuTLS, does not embed it" \
  finding "$P" '/usr/bin/gnutls-cli$' GnuTLS links 're:>=3\..*'
P=${PKG[curltool]}
check "$P: /usr/bin/curl links libcurl, does not embed it" \
  finding "$P" '/usr/bin/curl$' libcurl links ""
# GnuTLS's OpenSSL compatibility layer exports SSL_* names but is GnuTLS.
P=${PKG[gnutlsssl]}
check "$P: links GnuTLS" finding "$P" '/libgnutls-openssl\.so\.' GnuTLS links 're:>=3\..*'
check "$P: not reported as OpenSSL" no_component "$P" OpenSSL
P=${PKG[jdk]}
V=$(upstream "$P")
check "$P: the release file ships Java ${V%%+*}" \
  finding "$P" '/release$' "Java runtime (JDK/JRE)" ships "${V%%+*}"
check "$P: libjvm.so embeds Java ${V%%+*}" \
  finding "$P" '/libjvm\.so$' "Java runtime (JDK/JRE)" embeds "${V%%+*}"
P=${PKG[python]}
check "$P: libpython embeds CPython $(upstream "$P")" \
  finding "$P" '/libpython3\.[0-9]+\.so\.' CPython embeds "$(upstream "$P")"
P=${PKG[node]}
check "$P: libnode embeds Node.js $(upstream "$P")" \
  finding "$P" '/libnode\.so\.' Node.js embeds "$(upstream "$P")"
check "$P: libnode links OpenSSL (Debian builds against the shared libssl)" \
  finding "$P" '/libnode\.so\.' OpenSSL links 're:>=3\..*'
# A Go program: the Go version is the golang-X.Y package in Built-Using.
P=${PKG[goprog]}
GOV=$(dpkg-deb -f "$(deb_of "$P")" Built-Using | grep -oE 'golang-1\.[0-9]+ \(= [0-9.]+' | sed -E 's/.*= //')
check "$P: /usr/bin/restic embeds the Go runtime $GOV (Built-Using)" \
  finding "$P" '/usr/bin/restic$' "Go runtime (crypto/tls)" embeds "$GOV"
# rclone is built without module info: the AWS SDK for Go is identified by
# its package's function names, version unknown.
P=${PKG[gosdk]}
check "$P: /usr/bin/rclone embeds the AWS SDK for Go (no module info: version unknown)" \
  finding "$P" '/usr/bin/rclone$' "AWS SDK for Go" embeds ""
# KeePass.exe targets .NET Framework 4.0 (a legacy-default target); the
# package's version is KeePass's, so the check is on the range.
P=${PKG[dotnet]}
check "$P: KeePass.exe targets .NET Framework below 4.6" \
  finding "$P" '/KeePass\.exe$' ".NET Framework (assembly target)" embeds 're:4\.[0-5](\.[0-9]+)?'
P=${PKG[botocore]}
check "$P: ships botocore $(upstream "$P")" \
  finding "$P" '/botocore/__init__\.py$' "botocore (AWS SDK for Python, AWS CLI)" ships "$(upstream "$P")"
P=${PKG[awscli]}
check "$P: ships the AWS CLI $(upstream "$P")" \
  finding "$P" '/awscli/__init__\.py$' "AWS CLI" ships "$(upstream "$P")"

for key in gnutls nss mbedcrypto mbedtls wolfssl boringssl curlgnutls curl4 openssl gnutlsbin curltool \
    gnutlsssl jdk python node goprog gosdk dotnet botocore awscli; do
  check "${PKG[$key]}: the .deb bundle gives the same findings as its files" same_as_deb "${PKG[$key]}"
done

# --- LibreSSL (synthetic: not packaged by Debian) ---------------------------
if command -v cc >/dev/null 2>&1; then
  S="$WORK/libressl"
  mkdir -p "$S"
  # Stubs with LibreSSL's export names and version text (facts, no code).
  cat >"$S/crypto.c" <<'EOF'
const char *OpenSSL_version(int t) { (void)t; return "LibreSSL 3.8.2"; }
void ChaCha_set_key(void) {}
void ChaCha_set_iv(void) {}
void ChaCha(void) {}
EOF
  cat >"$S/ssl.c" <<'EOF'
void SSL_CTX_new(void) {}
void SSL_CTX_load_verify_mem(void) {}
void SSL_CTX_use_certificate_chain_mem(void) {}
EOF
  cat >"$S/app.c" <<'EOF'
extern const char *OpenSSL_version(int);
const char built_with[] = "built with LibreSSL 3.8.2";
int main(void) { return OpenSSL_version(0) == built_with; }
EOF
  cc -shared -fPIC -o "$S/libcrypto.so.52" "$S/crypto.c"
  cc -shared -fPIC -o "$S/libssl.so.55" "$S/ssl.c"
  cc -o "$S/app" "$S/app.c" -L"$S" -l:libcrypto.so.52
  "$TOOL" scan --format json --fail-on never "${RULES[@]}" "$S" >"$WORK/libressl.json"
  ls_find() { # ls_find FILE: the LibreSSL finding for FILE, "none" if absent
    python3 - "$WORK/libressl.json" "$1" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f.get("component") == "LibreSSL" and f["location"]["path"].endswith("/" + sys.argv[2]):
        print(f["value"].split(",")[0], f.get("version", "")); break
else:
    print("none")
PY
  }
  lr() { local got; got=$(ls_find "$1"); echo "$got"; [[ $got == "$2" ]]; }
  check "synthetic LibreSSL libcrypto: embeds LibreSSL 3.8.2" lr libcrypto.so.52 "embeds 3.8.2"
  check "synthetic LibreSSL libssl: embeds LibreSSL (no version text there)" lr libssl.so.55 "embeds "
  check "synthetic program printing 'built with LibreSSL': no LibreSSL finding (mention only)" lr app "none"
  # AWS-LC: a BoringSSL fork with OpenSSL's API; reported once, as AWS-LC.
  cat >"$S/awslc.c" <<'EOF'
const char *OpenSSL_version(int t) { (void)t; return "AWS-LC 1.29.0"; }
const char *text = "OpenSSL 1.1.1 (compatible; AWS-LC 1.29.0)";
unsigned long awslc_api_version_num(void) { return 29; }
void SSL_CTX_new(void) {} void SSL_new(void) {} void SSL_connect(void) {} void SSL_accept(void) {}
void SSL_read(void) {} void SSL_write(void) {} void SSL_CTX_ctrl(void) {} void SSL_ctrl(void) {}
void BORINGSSL_self_test(void) {} void CRYPTO_BUFFER_new(void) {} void CRYPTO_BUFFER_free(void) {}
EOF
  mkdir -p "$S/awslc"
  cc -shared -fPIC -o "$S/awslc/libssl.so" "$S/awslc.c"
  "$TOOL" scan --format json --fail-on never "$S/awslc" >"$WORK/awslc.json"
  awslc() {
    python3 - "$WORK/awslc.json" <<'PY'
import json, sys
got = sorted((f.get("component"), f.get("version", "")) for f in json.load(open(sys.argv[1]))["findings"])
print(got)
sys.exit(0 if got == [("AWS-LC", "1.29.0")] else 1)
PY
  }
  check "synthetic AWS-LC: one finding, AWS-LC 1.29.0 (not OpenSSL, not BoringSSL)" awslc
else
  skipped=$((skipped + 4))
  echo "SKIP: synthetic LibreSSL and AWS-LC checks (no C compiler)"
fi

if ((skipped)); then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
((failed == 0))
