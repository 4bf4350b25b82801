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

namespace {
// Offsets into an ELF64 little-endian header / section header.
uint64_t le(const std::string &b, size_t off, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[off + static_cast<size_t>(i)]);
  return v;
}
void setLe(std::string &b, size_t off, int n, uint64_t v) {
  for (int i = 0; i < n; ++i, v >>= 8)
    b[off + static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
}
} // namespace

TEST(BadInput, CorruptSymbolTableSizeNeitherHangsNorCrashes) {
  // A symbol table claiming 2^63 bytes once made every entry an error and
  // the scan practically endless. Now: a diagnostic, and the strings still
  // identify the library.
  std::string elf = readFile(FX_OLD);
  ASSERT_EQ(elf.substr(0, 4), "\x7f" "ELF");
  ASSERT_EQ(elf[4], 2) << "fixture is ELF64";
  uint64_t shoff = le(elf, 0x28, 8);
  uint64_t shentsize = le(elf, 0x3a, 2), shnum = le(elf, 0x3c, 2);
  bool patched = false;
  for (uint64_t i = 0; i < shnum; ++i) {
    size_t sh = static_cast<size_t>(shoff + i * shentsize);
    if (le(elf, sh + 4, 4) == 2 /* SHT_SYMTAB */) {
      setLe(elf, sh + 0x20, 8, 0x7900000000000010ull); // sh_size
      patched = true;
    }
  }
  ASSERT_TRUE(patched);
  TempDir dir;
  writeFile(dir.file("corrupt"), elf);
  RunResult r = runTool({"scan", "--format", "json", dir.file("corrupt")}, "", "timeout 60");
  ASSERT_NE(r.exitCode, 124) << "timed out";
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  llvm::json::Value report = parseJson(r.out);
  EXPECT_NE(diagnosticFor(report, "corrupt").find("malformed symbol table"), std::string::npos)
      << r.out;
  ASSERT_EQ(findingsOf(report).size(), 1u) << r.out;
  EXPECT_EQ(str(*findingsOf(report)[0].getAsObject(), "version"), "0.9.8zh");
}

TEST(BadInput, MutatedBinariesNeverCrash) {
  // Deterministic byte mutations of a real ELF: every input gets a result or
  // a diagnostic; the process never dies on a signal.
  std::string base = readFile(FX_OLD);
  TempDir dir;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int i = 0; i < 150; ++i) {
    std::string b = base;
    int edits = 1 + static_cast<int>(next() % 40);
    for (int e = 0; e < edits; ++e) {
      size_t pos = (next() % 2) ? next() % 256 : next() % b.size();
      b[pos] = static_cast<char>(next() & 0xff);
    }
    if (i % 5 == 0)
      b.resize(16 + next() % (b.size() - 16));
    writeFile(dir.file("m" + std::to_string(i)), b);
  }
  RunResult r = runTool({"scan", "--format", "json", dir.path}, "", "timeout 120");
  EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 1 || r.exitCode == 3)
      << "exit " << r.exitCode << "\n" << r.err;
  EXPECT_FALSE(parseJson(r.out).getAsObject() == nullptr);
}

TEST(BadInput, DeepNestingNeitherCrashesNorStopsTheScan) {
  // 300k chained additions overflowed libclang's 8 MiB parse stack (SIGSEGV,
  // whole scan lost); 5M overflow any stack and must become a diagnostic.
  TempDir dir;
  auto chain = [](size_t n) {
    std::string s = "int f(int a) { return a";
    s.reserve(n * 2 + 64);
    for (size_t i = 1; i < n; ++i)
      s += "+a";
    return s + "; }\n";
  };
  writeFile(dir.file("deep.c"), chain(300000));
  writeFile(dir.file("deeper.c"), chain(5000000));
  RunResult r;
  llvm::json::Value report = scanWithGoodInput(dir.path, r);
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  EXPECT_TRUE(diagnosticFor(report, "deep.c").empty()) << r.out;
  EXPECT_NE(diagnosticFor(report, "deeper.c").find("crashed"), std::string::npos) << r.out;
  EXPECT_EQ(findingsOf(report).size(), 3u) << "the good input is still reported";
}
