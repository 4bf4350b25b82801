#!/usr/bin/env bash
# Installs what tlsfloor needs to build and test, from Debian bookworm's
# packages, and nothing when all of it is already there (idempotent).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  llvm-19-dev libclang-19-dev   # LLVM Support/Object, libclang C API
  libre2-dev libcli11-dev libgtest-dev
  libarchive-dev                # release bundles: tar, zip/jar, deb, rpm, cpio, 7z, iso
  libsquashfs-dev squashfs-tools  # SquashFS firmware images (libarchive has no reader); mksquashfs for tests
  libssl-dev                    # OpenSSL headers the fixtures include; libssl3 for tests
  util-linux                    # setpriv, used by the permission test when run as root
  tar gzip xz-utils bzip2 zstd cpio zip  # bundles built by the tests
  clang-19 llvm-19 libclang-rt-19-dev  # sanitizer + libFuzzer build; Mach-O/COFF test objects, llvm-lipo
  lld-19                        # linked PE test files (mingw target)
  # Real headers the source fixtures are also checked against (issue #6):
  libgnutls28-dev libmbedtls-dev libwolfssl-dev libcurl4-openssl-dev libboost-dev
  qtbase5-dev libpoco-dev libnss3-dev libbotan-2-dev libwebsockets-dev
  libpaho-mqtt-dev libmosquitto-dev mingw-w64-x86-64-dev
  # A cross toolchain (issues #6, #7): compile databases written for
  # arm-none-eabi-gcc, --query-driver, and ARM firmware objects to scan.
  gcc-arm-none-eabi libnewlib-arm-none-eabi
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: run as root to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
