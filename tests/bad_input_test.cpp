// Bad input never stops the scan: each gets a per-input diagnostic, the
// other inputs are still reported, and the exit code says "incomplete" (3).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

using namespace tlsfloor::test;

namespace {
// Scans `dir` plus a fixture that must still be reported; returns the report.
llvm::json::Value scanWithGoodInput(const std::string &dir, RunResult &r) {
  r = runTool({"scan", "--format", "json", dir, "fixtures/source/openssl/legacy_methods.c"});
  return parseJson(r.out);
}

std::string diagnosticFor(const llvm::json::Value &report, const std::string &needle) {
  for (const llvm::json::Value &v : diagnosticsOf(report)) {
    const llvm::json::Object &d = *v.getAsObject();
    if (str(d, "input").find(needle) != std::string::npos)
      return str(d, "message");
  }
  return {};
}
} // namespace

TEST(BadInput, TruncatedElf) {
  TempDir dir;
  std::string elf = readFile(FX_OLD);
  ASSERT_GT(elf.size(), 200u);
  writeFile(dir.file("truncated.so"), elf.substr(0, 120));
  RunResult r;
  llvm::json::Value report = scanWithGoodInput(dir.path, r);
  EXPECT_EQ(r.exitCode, 3) << r.out;
  EXPECT_NE(diagnosticFor(report, "truncated.so").find("malformed elf"), std::string::npos)
      << r.out;
  EXPECT_EQ(findingsOf(report).size(), 3u) << "the good input is still reported";
}

TEST(BadInput, SourceThatDoesNotParseAndMissingHeader) {
  TempDir dir;
  writeFile(dir.file("broken.c"), "int f( { return ; \n");
  writeFile(dir.file("missing.c"),
            "#include <no/such/tls_header.h>\nvoid f(void) { TLSv1_method(); }\n");
  RunResult r;
  llvm::json::Value report = scanWithGoodInput(dir.path, r);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(diagnosticFor(report, "broken.c").find("did not compile"), std::string::npos) << r.out;
  EXPECT_NE(diagnosticFor(report, "missing.c").find("tls_header.h"), std::string::npos) << r.out;
  // C keeps calls to undeclared functions (implicit declarations), so the
  // legacy call in missing.c is still found; the good input is reported too.
  EXPECT_EQ(findingsOf(report).size(), 4u) << r.out;
}

TEST(BadInput, FileWithoutPermission) {
  TempDir dir;
  chmod(dir.path.c_str(), 0755);
  std::system(("mkdir " + shellQuote(dir.file("in"))).c_str());
  writeFile(dir.file("in/secret.bin"), std::string("\0\0\0\0", 4));
  writeFile(dir.file("in/secret.c"), "int x;\n");
  chmod(dir.file("in/secret.bin").c_str(), 0);
  chmod(dir.file("in/secret.c").c_str(), 0);
  writeFile(dir.file("good.c"),
            readFile(std::string(TLSFLOOR_SOURCE_DIR) + "/fixtures/source/openssl/legacy_methods.c"));
  // Root reads anything: drop to an unprivileged user so the check is real.
  // That user may not reach the build tree (e.g. under /root), so it runs a
  // copy of the tool from the scratch directory.
  std::string prefix, exe = TLSFLOOR_EXE;
  if (geteuid() == 0) {
    prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    exe = dir.file("tlsfloor");
    writeFile(exe, readFile(TLSFLOOR_EXE));
    chmod(exe.c_str(), 0755);
  }
  RunResult r = runTool({"scan", "--format", "json", "in", "good.c"}, dir.path, prefix, exe);
  llvm::json::Value report = parseJson(r.out);
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  EXPECT_NE(diagnosticFor(report, "secret.bin").find("ermission denied"), std::string::npos)
      << r.out << r.err;
  EXPECT_NE(diagnosticFor(report, "secret.c").find("ermission denied"), std::string::npos)
      << r.out;
  EXPECT_EQ(findingsOf(report).size(), 3u);
}

TEST(BadInput, UnreadableDeviceAndFifoDoNotHang) {
  TempDir dir;
  ASSERT_EQ(mkfifo(dir.file("pipe").c_str(), 0644), 0);
  RunResult r;
  llvm::json::Value report = scanWithGoodInput(dir.path, r); // a walk skips the FIFO
  EXPECT_EQ(r.exitCode, 1) << r.out;
  r = runTool({"scan", dir.file("pipe")}); // named explicitly: reported, not read
  EXPECT_EQ(r.exitCode, 3);
  // A regular file whose read fails (EIO).
  r = runTool({"scan", "--format", "json", "/proc/self/mem"});
  EXPECT_EQ(r.exitCode, 3) << r.out;
  EXPECT_FALSE(diagnosticFor(parseJson(r.out), "mem").empty()) << r.out;
}
