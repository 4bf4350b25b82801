#!/usr/bin/env bash
# Speed as ratios against peers measured in the same run (docs/performance.md).
#   bench/run.sh [BUILD_DIR]     (default: build)
# Installs its own peers (clang-19, hyperfine, binutils) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tool="$PWD/$build/cli/tlsfloor"
[ -x "$tool" ] || { echo "bench: build first ($tool missing)" >&2; exit 2; }

need=()
for p in clang-19 hyperfine binutils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/tlsfloor-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

# Source corpus: the OpenSSL fixtures copied 20 times (translation units
# each including <openssl/ssl.h>, like real TLS code does).
mkdir -p "$work/src"
cp -r fixtures/source/openssl/include "$work/src/"
for i in $(seq 1 20); do
  for f in fixtures/source/openssl/*.c fixtures/source/openssl/*.cpp; do
    cp "$f" "$work/src/$(basename "${f%.*}")_$i.${f##*.}"
  done
done
# Binary corpus: every shared library of the machine (real ELF files).
libdir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
find "$libdir" -maxdepth 1 -name '*.so*' -type f > "$work/libs.txt"
nlibs=$(wc -l < "$work/libs.txt")
mb=$(xargs du -cb < "$work/libs.txt" | tail -1 | awk '{printf "%.0f", $1/1048576}')

cat > "$work/clang-peer.sh" <<SH
#!/usr/bin/env bash
# Peer: the compiler front end alone (parse + semantic analysis, no codegen).
for f in "$work"/src/*.c; do clang-19 -fsyntax-only -w -std=gnu17 "\$f"; done
for f in "$work"/src/*.cpp; do clang-19 -fsyntax-only -w -xc++ -std=gnu++17 "\$f"; done
SH
cat > "$work/strings-peer.sh" <<SH
#!/usr/bin/env bash
# Peer: what strings+regex scanners (cve-bin-tool, EMBA) do per file.
while read -r f; do strings -a -n 4 "\$f" | grep -E 'OpenSSL[ ]+[0-9]+\.[0-9]+\.[0-9]+' >/dev/null || true; done < "$work/libs.txt"
SH
chmod +x "$work"/*.sh

hf() { hyperfine --style none --warmup 1 --runs "${RUNS:-5}" --export-json "$work/$1.json" "${@:2}" >/dev/null; }
mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.3f' % x['mean'] for x in r))" "$1"; }

hf src -N "$tool scan -j 1 --fail-on never --format json -o /dev/null $work/src" "$work/clang-peer.sh"
read -r t_src t_clang <<< "$(mean "$work/src.json")"
hf srcj -N "$tool scan --fail-on never --format json -o /dev/null $work/src"
t_srcj=$(mean "$work/srcj.json")
# The same files as on a machine without SDKs (built-in declarations only).
hf srcn -N "$tool scan -j 1 --no-system-headers --fail-on never --format json -o /dev/null $work/src"
t_srcn=$(mean "$work/srcn.json")
# A release bundle: the same libraries in one tar.gz, against the
# decompress-then-strings pipeline.
tar -C "$libdir" -czf "$work/bundle.tgz" $(sed "s|$libdir/||" "$work/libs.txt")
bmb=$(du -m "$work/bundle.tgz" | cut -f1)
cat > "$work/bundle-peer.sh" <<SH
#!/usr/bin/env bash
tar -xzOf "$work/bundle.tgz" | strings -a -n 4 | grep -E 'OpenSSL[ ]+[0-9]+\.[0-9]+\.[0-9]+' >/dev/null || true
SH
chmod +x "$work/bundle-peer.sh"
hf bundle -N "$tool scan -j 1 --fail-on never --format json -o /dev/null $work/bundle.tgz" "$work/bundle-peer.sh"
read -r t_bundle t_bundlepeer <<< "$(mean "$work/bundle.json")"
hf bin -N "$tool scan -j 1 --fail-on never --format json -o /dev/null $(tr '\n' ' ' < "$work/libs.txt")" "$work/strings-peer.sh"
read -r t_bin t_strings <<< "$(mean "$work/bin.json")"

ratio() { python3 -c "print('%.2f' % ($1/$2))"; }
echo "| workload | tlsfloor | peer | peer time | ratio (tlsfloor / peer) |"
echo "|---|---|---|---|---|"
ntu=$(ls "$work"/src/*.c "$work"/src/*.cpp | wc -l)
echo "| $ntu C/C++ TUs including <openssl/ssl.h>, 1 job | ${t_src}s | clang-19 -fsyntax-only, same files | ${t_clang}s | $(ratio "$t_src" "$t_clang") |"
echo "| same, all cores (-j $(nproc)) | ${t_srcj}s | clang-19 -fsyntax-only, 1 job | ${t_clang}s | $(ratio "$t_srcj" "$t_clang") |"
echo "| same files, 1 job, --no-system-headers (built-in declarations) | ${t_srcn}s | clang-19 -fsyntax-only with headers | ${t_clang}s | $(ratio "$t_srcn" "$t_clang") |"
echo "| $nlibs shared libraries ($mb MiB) in $libdir, 1 job | ${t_bin}s | strings -a \| grep per file | ${t_strings}s | $(ratio "$t_bin" "$t_strings") |"
echo "| the same libraries as one tar.gz ($bmb MiB), 1 job | ${t_bundle}s | tar -xzO \| strings -a \| grep | ${t_bundlepeer}s | $(ratio "$t_bundle" "$t_bundlepeer") |"
