// The compile-command allow-list, in process: what survives, what is dropped.
#include <gtest/gtest.h>

#include "arg_filter.h"
#include "compile_db.h"
#include "workers.h"

using namespace tlsfloor::driver;

namespace {
FilteredCommand filter(std::vector<std::string> raw) {
  FilterContext ctx{{"/repo"}, "/repo/build"};
  return filterCommand(raw, "../src/a.c", ctx);
}
std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &a : v)
    s += (s.empty() ? "" : " ") + a;
  return s;
}
} // namespace

TEST(ArgFilter, KeepsWhatShapesParsing) {
  FilteredCommand f = filter({"/usr/bin/g++", "-DUSE_TLS=1", "-D", "X", "-UY", "-I../include",
                              "-isystem", "/opt/sdk/include", "-std=gnu++17", "-xc++", "-O2",
                              "-fno-exceptions", "-fvisibility=hidden", "-m32", "-march=armv7-a",
                              "-include", "/repo/config.h", "-pthread", "-c", "../src/a.c",
                              "-o", "a.o"});
  EXPECT_EQ(join(f.args), "clang++ -D USE_TLS=1 -D X -U Y -I ../include -isystem /opt/sdk/include "
                          "-std=gnu++17 -x c++ -O2 -fno-exceptions -fvisibility=hidden -m32 "
                          "-march=armv7-a -include /repo/config.h -pthread");
  EXPECT_EQ(join(f.dropped), "-c -o a.o");
}

TEST(ArgFilter, DropsEverythingThatWritesReadsOutsideLoadsOrPrints) {
  FilteredCommand f = filter(
      {"cc", "-Wp,-MD,/repo/victim.sh", "-MT#!/bin/sh", "-MJ", "/repo/mj.json", "-Xclang",
       "-dependency-dot", "-Xclang", "/repo/x.dot", "-Xclang", "-header-include-file", "-Xclang",
       "/repo/h.txt", "@/etc/secret.rsp", "--config=/etc/x.cfg", "--config", "/etc/y.cfg",
       "-include", "/etc/passwd", "-imacros", "../../etc/shadow", "-fplugin=/tmp/p.so",
       "-fmodules", "-fmodules-cache-path=/tmp/m", "-ftime-trace", "-fprofile-generate",
       "-mllvm", "-info-output-file=/tmp/x", "-save-temps", "--help", "-v", "-###",
       "-fcrash-diagnostics-dir=/tmp", "-ivfsoverlay", "/tmp/o.yaml", "-resource-dir", "/tmp",
       "-working-directory", "/", "--driver-mode=cl", "-B/tmp/bin", "-fsanitize-ignorelist=/x",
       "-x", "assembler-with-cpp", "-mcpu=/etc/passwd", "-fvisibility=/etc/x"});
  EXPECT_EQ(join(f.args), "clang") << "nothing of that may reach the compiler";
  EXPECT_GE(f.dropped.size(), 25u);
}

TEST(ArgFilter, InfersTheTargetOfACrossCompiler) {
  EXPECT_EQ(join(filter({"/opt/gcc/bin/arm-none-eabi-gcc", "-mthumb", "-mcpu=cortex-m4"}).args),
            "clang -mthumb -mcpu=cortex-m4 --target=arm-none-eabi");
  EXPECT_EQ(join(filter({"mips-linux-gnu-g++-12", "-EB"}).args),
            "clang++ -EB --target=mips-linux-gnu");
  EXPECT_EQ(join(filter({"aarch64-linux-gnu-gcc", "--target=x86_64-linux-gnu"}).args),
            "clang --target=x86_64-linux-gnu") << "an explicit target wins";
  EXPECT_EQ(join(filter({"my-wrapper-gcc"}).args), "clang") << "unknown architecture: no target";
}

TEST(ArgFilter, ResponseFilesOnlyInsideTheProject) {
  // The project root here does not exist on disk, so every @file is dropped
  // (a missing or outside file is never read).
  FilteredCommand f = filter({"cc", "@/etc/passwd", "@args.rsp", "-DOK"});
  EXPECT_EQ(join(f.args), "clang -D OK");
  EXPECT_EQ(join(f.dropped), "@/etc/passwd @args.rsp");
}

TEST(CompileDb, BoundedAndTolerant) {
  CompileDb db;
  std::string error;
  EXPECT_FALSE(parseCompileDb(std::string(100000, '['), "/repo", {"/repo"}, db, error));
  EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
  EXPECT_FALSE(parseCompileDb("{\"not\": \"an array\"}", "/repo", {"/repo"}, db, error));
  ASSERT_TRUE(parseCompileDb(R"([{"directory": "/repo", "file": "a.c",
                                  "command": "gcc -DA='1 2' -c a.c -o a.o"},
                                 {"directory": "/repo", "file": "b.c"},
                                 7, {"file": 3}])",
                             "/repo", {"/repo"}, db, error))
      << error;
  ASSERT_EQ(db.size(), 1u);
  EXPECT_EQ(join(db.at("/repo/a.c").command), "clang -D A=1 2");
}

TEST(ArgFilter, AValueThatLooksLikeAFlagIsNotTaken) {
  // Found by fuzz/fuzz_compile_db: "-gcc-toolchain -MDd/x.d" kept the -MD
  // look-alike as the toolchain's value.
  FilteredCommand f = filter({"g++", "-gcc-toolchain", "-MJ/tmp/x", "-I", "-DOK"});
  EXPECT_EQ(join(f.args), "clang++ -D OK");
}

// The time budget grows with a binary's or bundle's size, not a source's.
TEST(WorkerBudget, BundlesGetTimeForTheirSize) {
  using tlsfloor::driver::WorkItem;
  WorkItem source{WorkItem::Kind::Source, "a.c", "a.c", 1ull << 30, {}, {}};
  WorkItem bundle{WorkItem::Kind::Binary, "b.tgz", "b.tgz", 4ull << 30, {}, {}};
  EXPECT_EQ(tlsfloor::driver::inputBudgetSeconds(source, 120), 120u);
  EXPECT_EQ(tlsfloor::driver::inputBudgetSeconds(bundle, 120), 120u + 512u);
  EXPECT_EQ(tlsfloor::driver::inputBudgetSeconds(bundle, 0), 0u) << "0 stays 'no budget'";
}
