#!/usr/bin/env bash
# The whole test suite again, built with clang-19 under AddressSanitizer and
# UndefinedBehaviorSanitizer, plus a short run of every libFuzzer target
# (fuzz/). Part of the README's test command, so CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=clang-19 CXX=clang++-19 cmake -S . -B build-asan -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSFLOOR_SANITIZE=ON -DTLSFLOOR_FUZZ=ON \
  -DTLSFLOOR_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan
# Leaks are checked; the suppressions are narrow (tests/lsan.supp says why).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure
