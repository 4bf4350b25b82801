// Untrusted input (issue #5): each crafted input that once wrote, read,
// hung, exhausted or corrupted something, with the diagnostic and exit code
// it must get now. Inputs are made here (binaries patched from the built
// fixtures) so the corpus is the code below; none needs the network.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "test_util.h"

using namespace tlsfloor::test;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TLSFLOOR_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TLSFLOOR_ASAN 1
#endif

namespace {

const char *kLegacyCall = "void *TLSv1_method(void);\nvoid f(void) { TLSv1_method(); }\n";

// Incomplete-input diagnostics (an "info" may name the compile database).
size_t problems(const llvm::json::Value &report) {
  size_t n = 0;
  for (const llvm::json::Value &v : diagnosticsOf(report))
    n += str(*v.getAsObject(), "kind") == "incomplete";
  return n;
}


// Every file below `dir` (and, for /tmp, its top two levels) with size and
// modification time, to prove a scan wrote nothing.
std::set<std::string> snapshot(const std::string &dir, const std::string &extra = "") {
  TempDir scratch;
  std::system(("find " + shellQuote(dir) + " " + extra +
               " -mindepth 1 -printf '%p %s %T@\\n' 2>/dev/null | grep -v tlsfloor-test- | sort > " +
               shellQuote(scratch.file("list")))
                  .c_str());
  std::set<std::string> out;
  std::istringstream in(readFile(scratch.file("list")));
  for (std::string line; std::getline(in, line);)
    out.insert(line);
  return out;
}

std::set<std::string> added(const std::set<std::string> &before,
                            const std::set<std::string> &after) {
  std::set<std::string> out;
  for (const std::string &a : after)
    if (!before.count(a))
      out.insert(a);
  return out;
}

} // namespace

// 1. A compile database found in the scanned repository makes the compiler
//    write or read files, or print; a planted config file or response file
//    outside the project is followed.
TEST(Hostile, CompileDatabaseCanNeitherWriteNorReadOutsideNorPrint) {
  TempDir repo, outside;
  std::system(("mkdir -p " + shellQuote(repo.file("src"))).c_str());
  writeFile(repo.file("src/a.c"), kLegacyCall);
  writeFile(repo.file("victim.sh"), "original\n");
  writeFile(outside.file("secret.h"), "TOPSECRET_HEADER_TOKEN leaked;\n");
  writeFile(outside.file("secret.rsp"), "-include " + outside.file("secret.h") + "\n");
  writeFile(outside.file("x.cfg"), "-include " + outside.file("secret.h") + "\n");
  std::string db = R"([{"directory": ")" + repo.path + R"(", "file": "src/a.c", "arguments": [
    "cc", "-Wp,-MD,)" + repo.file("victim.sh") + R"(", "-MT#!/bin/sh\necho PWNED\n#",
    "-MJ", ")" + repo.file("mj.json") + R"(",
    "-Xclang", "-dependency-dot", "-Xclang", ")" + repo.file("deps.dot") + R"(",
    "-Xclang", "-header-include-file", "-Xclang", ")" + repo.file("hdr.txt") + R"(",
    "@)" + outside.file("secret.rsp") + R"(", "--config=)" + outside.file("x.cfg") + R"(",
    "-include", ")" + outside.file("secret.h") + R"(",
    "-Xclang", "-fdump-record-layouts", "--help", "-###", "-c", "src/a.c"]}])";
  writeFile(repo.file("compile_commands.json"), db);
  auto treeBefore = snapshot(repo.path);
  auto tmpBefore = snapshot("/tmp", "-maxdepth 2");

  RunResult r = runTool({"scan", "--format", "sarif", "src"}, repo.path);
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_TRUE(parseJson(r.out).getAsObject()) << "stdout is the SARIF and nothing else";
  EXPECT_EQ(r.out.find("TOPSECRET"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("TOPSECRET"), std::string::npos) << r.err;
  EXPECT_EQ(readFile(repo.file("victim.sh")), "original\n");
  EXPECT_EQ(added(treeBefore, snapshot(repo.path)), std::set<std::string>{});
  EXPECT_EQ(added(tmpBefore, snapshot("/tmp", "-maxdepth 2")), std::set<std::string>{});

  // --verbose says what was dropped.
  r = runTool({"scan", "--format", "json", "--verbose", "src"}, repo.path);
  EXPECT_NE(diagnosticFor(parseJson(r.out), "compile database").find("-MJ"), std::string::npos)
      << r.out;
}

// The same guarantee without the filter: the worker itself cannot write.
TEST(Hostile, SourceCannotReadDevicesOrTheJobQueue) {
  TempDir dir;
  writeFile(dir.file("zero.c"), "#include \"/dev/zero\"\nint x;\n");
  writeFile(dir.file("random.c"), "#include \"/dev/urandom\"\nint x;\n");
  writeFile(dir.file("stdin.c"), "#include \"/dev/stdin\"\nint x;\n");
  writeFile(dir.file("good.c"), kLegacyCall);
  RunResult r = runTool({"scan", "--format", "json", "--timeout", "60", dir.path}, "",
                        "timeout 120");
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  llvm::json::Value report = parseJson(r.out);
  for (const char *f : {"zero.c", "random.c", "stdin.c"})
    EXPECT_NE(diagnosticFor(report, f).find("cannot open file '/dev/"), std::string::npos)
        << f << "\n" << r.out;
  EXPECT_EQ(findingsOf(report).size(), 1u) << r.out;
}

// 2. sh_info = 0xffffffff on .gnu.version_r made LLVM's walker loop on one
//    entry until the kernel killed the scan.
TEST(Hostile, ElfVersionCountIsBoundedBySectionSize) {
  std::string elf = readFile(FX_OLD);
  ASSERT_EQ(elf[4], 2) << "fixture is ELF64";
  auto le = [&](size_t off, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(elf[off + static_cast<size_t>(i)]);
    return v;
  };
  uint64_t shoff = le(0x28, 8), shentsize = le(0x3a, 2), shnum = le(0x3c, 2);
  bool patched = false;
  for (uint64_t i = 0; i < shnum; ++i) {
    size_t sh = static_cast<size_t>(shoff + i * shentsize);
    if (le(sh + 4, 4) == 0x6ffffffe /* SHT_GNU_verneed */) {
      for (int b = 0; b < 4; ++b)
        elf[sh + 0x2c + static_cast<size_t>(b)] = '\xff'; // sh_info
      patched = true;
    }
  }
  ASSERT_TRUE(patched) << "the fixture links libc dynamically, so it has .gnu.version_r";
  TempDir dir;
  writeFile(dir.file("verneed.elf"), elf);
  RunResult r = runTool({"scan", "--format", "json", "--memory-limit", "1024", "--timeout", "60",
                         dir.file("verneed.elf")},
                        "", "timeout 120");
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err; // scanned normally: the 0.9.8zh finding
  llvm::json::Value report = parseJson(r.out);
  ASSERT_EQ(findingsOf(report).size(), 1u) << r.out;
  EXPECT_EQ(str(*findingsOf(report)[0].getAsObject(), "version"), "0.9.8zh");
}

// 3. Per-input budgets: what cannot be refused up front is stopped.
TEST(Hostile, FifoHeaderAndMacroBombAreStoppedByTheBudgets) {
  TempDir dir;
  ASSERT_EQ(mkfifo(dir.file("pipe.h").c_str(), 0644), 0);
  writeFile(dir.file("fifo.c"), "#include \"pipe.h\"\nint x;\n");
  // 1 KiB that expands to 2^40 tokens.
  std::string bomb = "#define A0 x x\n";
  for (int i = 1; i <= 40; ++i)
    bomb += "#define A" + std::to_string(i) + " A" + std::to_string(i - 1) + " A" +
            std::to_string(i - 1) + "\n";
  bomb += "int v = sizeof(\"\" A40);\n";
  writeFile(dir.file("bomb.c"), bomb);
  writeFile(dir.file("good.c"), kLegacyCall);
  RunResult r = runTool({"scan", "--format", "json", "--timeout", "4", "--memory-limit", "400",
                         dir.path},
                        "", "timeout 120");
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  llvm::json::Value report = parseJson(r.out);
  EXPECT_NE(diagnosticFor(report, "fifo.c").find("time budget of 4 s"), std::string::npos)
      << r.out;
  std::string bombDiag = diagnosticFor(report, "bomb.c");
  bool stopped = bombDiag.find("memory budget of 400 MiB") != std::string::npos ||
                 bombDiag.find("time budget") != std::string::npos;
#if TLSFLOOR_ASAN
  // Under AddressSanitizer its own allocator reports the failed allocation
  // and exits with 1 before our out-of-memory handler can run.
  stopped = stopped || bombDiag.find("worker exit code 1") != std::string::npos;
#endif
  EXPECT_TRUE(stopped) << r.out;
  EXPECT_EQ(findingsOf(report).size(), 1u) << "the good input is still reported\n" << r.out;
}

TEST(Hostile, CompileDatabaseThatIsNotAFileIsRefusedNotRead) {
  TempDir dir;
  writeFile(dir.file("a.c"), kLegacyCall);
  ASSERT_EQ(mkfifo(dir.file("compile_commands.json").c_str(), 0644), 0);
  RunResult r = runTool({"scan", "-p", ".", "a.c"}, dir.path, "timeout 60");
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  // Found automatically: ignored with a note, the scan goes on.
  r = runTool({"scan", "--format", "json", "a.c"}, dir.path, "timeout 60");
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  // A symbolic link to /dev/zero, and "@/dev/zero" inside a valid database.
  TempDir d2;
  writeFile(d2.file("a.c"), kLegacyCall);
  ASSERT_EQ(symlink("/dev/zero", d2.file("compile_commands.json").c_str()), 0);
  r = runTool({"scan", "-p", ".", "a.c"}, d2.path, "timeout 60");
  EXPECT_EQ(r.exitCode, 2) << r.err;
  TempDir d3;
  writeFile(d3.file("a.c"), kLegacyCall);
  writeFile(d3.file("compile_commands.json"),
            R"([{"directory": ")" + d3.path + R"(", "file": "a.c",
                 "arguments": ["cc", "@/dev/zero", "-c", "a.c"]}])");
  r = runTool({"scan", "-p", ".", "a.c"}, d3.path, "timeout 60");
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
}

// 4. Entries that cannot be walked are scan errors, never silently clean.
TEST(Hostile, UnreadableDirectoryAndOverlongPathAreReported) {
  TempDir dir;
  chmod(dir.path.c_str(), 0755);
  std::system(("mkdir -p " + shellQuote(dir.file("tree/locked"))).c_str());
  writeFile(dir.file("tree/locked/a.c"), kLegacyCall);
  writeFile(dir.file("tree/good.c"), kLegacyCall);
  chmod(dir.file("tree/locked").c_str(), 0);
  std::string prefix, exe = TLSFLOOR_EXE;
  if (geteuid() == 0) { // root reads anything: drop to nobody, with a copy of the tool
    prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    exe = dir.file("tlsfloor");
    writeFile(exe, readFile(TLSFLOOR_EXE));
    chmod(exe.c_str(), 0755);
  }
  RunResult r = runTool({"scan", "--format", "json", "tree"}, dir.path, prefix, exe);
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  EXPECT_NE(diagnosticFor(parseJson(r.out), "locked").find("cannot read directory"),
            std::string::npos)
      << r.out;
  chmod(dir.file("tree/locked").c_str(), 0755);

  // A path longer than PATH_MAX, built one directory at a time.
  TempDir deep;
  std::string name(200, 'd');
  char cwd[4096];
  ASSERT_TRUE(getcwd(cwd, sizeof cwd));
  ASSERT_EQ(chdir(deep.path.c_str()), 0);
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(mkdir(name.c_str(), 0755), 0);
    ASSERT_EQ(chdir(name.c_str()), 0);
  }
  writeFile("tls.c", kLegacyCall);
  ASSERT_EQ(chdir(cwd), 0);
  r = runTool({"scan", "--format", "json", deep.path});
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("too long"), std::string::npos) << r.out;
}

// 5 and 6. Formats: harmless files are not "malformed objects"; universal
// Mach-O files are opened slice by slice; decorated names match.
TEST(Hostile, FilesThatStartWithNulBytesAreNotObjects) {
  TempDir dir;
  std::string mp4("\0\0\0\x18" "ftypmp42\0\0\0\0mp42isom", 24);
  mp4 += std::string(4096, '\x01');
  writeFile(dir.file("clip.mp4"), mp4);
  std::string utf32;
  for (char c : std::string("plain text\n"))
    utf32 += std::string("\0\0\0", 3) + c;
  writeFile(dir.file("text.txt"), utf32);
  writeFile(dir.file("firmware.bin"), std::string("\0\0\0\0", 4) + std::string(8192, '\xa5'));
  RunResult r = runTool({"scan", "--format", "json", dir.path});
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_EQ(problems(parseJson(r.out)), 0u) << r.out;
}

TEST(Hostile, MachOUniversalAndDecoratedCoffSymbolsAreRead) {
  for (const char *file : {"macho_x86_64.o", "macho_arm64.o", "macho_universal.o",
                           "coff_i686.obj", "coff_x86_64.obj"}) {
    RunResult r =
        runTool({"scan", "--format", "json", std::string(FX_CROSS_DIR) + "/" + file});
    llvm::json::Value report = parseJson(r.out);
    EXPECT_EQ(r.exitCode, 0) << file << "\n" << r.out;
    EXPECT_EQ(problems(report), 0u) << file << "\n" << r.out;
    ASSERT_EQ(findingsOf(report).size(), 1u) << file << "\n" << r.out;
    const llvm::json::Object &f = *findingsOf(report)[0].getAsObject();
    EXPECT_EQ(str(f, "component"), "OpenSSL") << file;
    EXPECT_NE(str(f, "message").find("embeds OpenSSL"), std::string::npos) << file;
  }
}

// 7. Reports are never corrupted, truncated, or written where not asked.
TEST(Hostile, ReportOutputIsAtomicAndRefusesLinksAndInputs) {
  TempDir dir;
  writeFile(dir.file("b.c"), kLegacyCall);
  writeFile(dir.file("target.txt"), "keep me\n");
  ASSERT_EQ(symlink(dir.file("target.txt").c_str(), dir.file("link.sarif").c_str()), 0);
  RunResult r = runTool({"scan", "--format", "sarif", "-o", "link.sarif", "b.c"}, dir.path);
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(readFile(dir.file("target.txt")), "keep me\n");

  r = runTool({"scan", "-o", "b.c", "b.c"}, dir.path);
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("onto an input"), std::string::npos) << r.err;
  EXPECT_EQ(readFile(dir.file("b.c")), kLegacyCall);

  // A file-size limit (like a full disk) mid-write: the old report survives,
  // no temporary file is left, exit 2.
  writeFile(dir.file("old.sarif"), "previous report\n");
  r = runTool({"scan", "--format", "sarif", "-o", "old.sarif", "b.c"}, dir.path, "ulimit -f 1;");
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_EQ(readFile(dir.file("old.sarif")), "previous report\n");
  EXPECT_EQ(snapshot(dir.path, "-name '.tlsfloor-*'").size(), 0u);

  // A device is written directly, never replaced by a rename.
  r = runTool({"scan", "--format", "sarif", "-o", "/dev/null", "b.c"}, dir.path);
  EXPECT_EQ(r.exitCode, 1) << r.err;
  struct stat devnull;
  ASSERT_EQ(stat("/dev/null", &devnull), 0);
  EXPECT_TRUE(S_ISCHR(devnull.st_mode));

  // stdout that cannot be written: exit 2 with a message, not an abort.
  std::string cmd = "cd " + shellQuote(dir.path) + " && " + shellQuote(TLSFLOOR_EXE) +
                    " scan b.c >/dev/full 2>/dev/null";
  int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
}

// 8. Sizes that used to cost quadratic time or unbounded memory.
TEST(Hostile, ManyCallsOnOneLineAndManyVersionStringsStayCheap) {
  TempDir dir;
  std::string line = "void *TLSv1_method(void);\nvoid f(void) {";
  for (int i = 0; i < 4000; ++i)
    line += " TLSv1_method();";
  writeFile(dir.file("one_line.c"), line + " }\n");
  std::string blob;
  while (blob.size() < (40u << 20))
    blob += std::string("OpenSSL 1.0.2g  1 Mar 2016\0", 27);
  writeFile(dir.file("blob.bin"), blob);
  RunResult r = runTool({"scan", "--format", "json", "--memory-limit", "300", "--timeout", "60",
                         dir.path},
                        "", "timeout 120");
  EXPECT_EQ(r.exitCode, 1) << r.err << r.out.substr(0, 2000);
  llvm::json::Value report = parseJson(r.out);
  EXPECT_EQ(problems(report), 0u) << r.out.substr(0, 2000);
  EXPECT_EQ(findingsOf(report).size(), 4000u);
}

// 9. File names cannot forge report lines or drive the terminal.
TEST(Hostile, ControlCharactersInNamesAreEscaped) {
  TempDir dir;
  std::string name = "x.c\nfake.c:99:1: error: forged [legacy]\n\x1b[2Jy.c";
  writeFile(dir.file(name), kLegacyCall);
  RunResult r = runTool({"scan", dir.path});
  EXPECT_EQ(r.exitCode, 1) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);)
    EXPECT_NE(l.rfind("fake.c:99:1", 0), 0u) << "forged line: " << l;
  EXPECT_NE(r.out.find("\\nfake.c:99:1"), std::string::npos) << r.out;
}

// 10. Rule packs: bounded nesting, no silent duplicates.
TEST(Hostile, RulePacksAreBoundedAndDuplicatesRejected) {
  TempDir dir;
  writeFile(dir.file("deep.yaml"), "scales: " + std::string(50000, '['));
  RunResult r = runTool({"rules", "--rules", dir.file("deep.yaml")});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("nested more deeply"), std::string::npos) << r.err;

  writeFile(dir.file("dup_scale.yaml"),
            "scales:\n  - id: openssl-version\n    entries: []\n    sources: [x]\n");
  r = runTool({"rules", "--rules", dir.file("dup_scale.yaml")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("dup_scale.yaml:2: scale 'openssl-version' is already defined"),
            std::string::npos)
      << r.err;

  writeFile(dir.file("dup_component.yaml"),
            "components:\n  - id: openssl\n    name: X\n    version_patterns: []\n"
            "    tls12_since: 1.0.1\n    tls12_source: x\n    fix: x\n");
  r = runTool({"rules", "--rules", dir.file("dup_component.yaml")});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("dup_component.yaml:2: component 'openssl' is already defined"),
            std::string::npos)
      << r.err;
}
