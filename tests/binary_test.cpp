// binscan over binaries built from fixtures/binaries/*.c at test time, a
// raw blob, and the machine's real OpenSSL 3 libraries.
#include <gtest/gtest.h>

#include "llvm/Support/FileSystem.h"
#include "test_util.h"

using namespace tlsfloor::test;

namespace {
// The (last) finding of one scanned file, with the run's exit code and output.
struct Seen {
  std::string rule, component, version, how;
  int count = 0;
  int code = -1;
  std::string raw;
};

Seen scanOne(const std::string &path) {
  RunResult r = runTool({"scan", "--format", "json", path});
  llvm::json::Value report = parseJson(r.out);
  Seen s;
  s.code = r.exitCode;
  s.raw = r.out + r.err;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    ++s.count;
    s.rule = str(f, "ruleId");
    s.component = str(f, "component");
    s.version = str(f, "version");
    s.how = str(f, "message");
  }
  return s;
}
} // namespace

TEST(Binaries, StaticOldOpenSslIsAnError) {
  Seen s = scanOne(FX_OLD);
  EXPECT_EQ(s.count, 1) << s.raw;
  EXPECT_EQ(s.rule, "binary/component-without-tls12") << s.raw;
  EXPECT_EQ(s.component, "OpenSSL");
  EXPECT_EQ(s.version, "0.9.8zh");
  EXPECT_EQ(s.how.rfind("embeds OpenSSL 0.9.8zh", 0), 0u) << s.how;
  EXPECT_EQ(s.code, 1);
}

TEST(Binaries, StrippedStaticOldOpenSslIsFoundFromImplementationStrings) {
  Seen s = scanOne(FX_OLD_STRIPPED);
  EXPECT_EQ(s.count, 1) << s.raw;
  EXPECT_EQ(s.rule, "binary/component-without-tls12") << s.raw;
  EXPECT_EQ(s.version, "0.9.8zh");
}

TEST(Binaries, Tls12CapableStaticOpenSslIsInventoryNotFailure) {
  Seen s = scanOne(FX_102_FIPS);
  EXPECT_EQ(s.count, 1) << s.raw;
  EXPECT_EQ(s.rule, "binary/component-inventory") << s.raw;
  EXPECT_EQ(s.version, "1.0.2k-fips"); // suffix kept, ignored for ordering
  EXPECT_EQ(s.code, 0) << "a note must not fail the default --fail-on warning";
}

TEST(Binaries, ProgramThatOnlyPrintsAVersionIsSilent) {
  Seen s = scanOne(FX_PRINTS);
  EXPECT_EQ(s.count, 0) << s.raw;
  EXPECT_EQ(s.code, 0);
}

TEST(Binaries, RawBlobWithLibraryStrings) {
  TempDir dir;
  std::string blob(64, '\xff');
  blob += std::string("\0\0TLSv1 part of OpenSSL 0.9.7m 23 Feb 2007\0\0", 44);
  blob += std::string(64, '\0');
  writeFile(dir.file("firmware.bin"), blob);
  Seen s = scanOne(dir.file("firmware.bin"));
  EXPECT_EQ(s.rule, "binary/component-without-tls12") << s.raw;
  EXPECT_EQ(s.version, "0.9.7m");

  // Only the consumer-side text in a blob: a mention, not an embedding.
  std::string mention = std::string(32, '\0') + "OpenSSL 0.9.7m 23 Feb 2007" + std::string(32, '\0');
  writeFile(dir.file("mention.bin"), mention);
  s = scanOne(dir.file("mention.bin"));
  EXPECT_EQ(s.count, 0) << s.raw;
}

TEST(Binaries, MachineOpenSsl3LibrariesAreInventory) {
  const char *candidates[] = {"/usr/lib/x86_64-linux-gnu/libssl.so.3",
                              "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
                              "/usr/lib/aarch64-linux-gnu/libssl.so.3",
                              "/usr/lib/aarch64-linux-gnu/libcrypto.so.3"};
  int checked = 0;
  for (const char *lib : candidates) {
    if (!llvm::sys::fs::exists(lib))
      continue;
    Seen s = scanOne(lib);
    EXPECT_EQ(s.count, 1) << lib << s.raw;
    EXPECT_EQ(s.rule, "binary/component-inventory") << lib << s.raw;
    EXPECT_EQ(s.version.rfind("3.", 0), 0u) << lib << " version " << s.version;
    EXPECT_EQ(s.code, 0) << lib;
    ++checked;
  }
  EXPECT_GE(checked, 2) << "libssl3 is installed by the README's commands";
}

// The binary twin of openssl/legacy-method: a program importing a
// version-specific method from libssl; the flexible method stays silent.
TEST(Binary, ImportOfALegacyMethodIsReported) {
  RunResult r = runTool({"scan", "--format", "json", FX_IMPORTS_TLSV1});
  llvm::json::Value report = parseJson(r.out);
  bool found = false;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    if (str(f, "ruleId") == "binary/imports-legacy-method") {
      found = true;
      EXPECT_EQ(str(f, "evidence"), "imports TLSv1_client_method");
      EXPECT_NE(str(f, "message").find("TLS 1.0"), std::string::npos);
    }
  }
  EXPECT_TRUE(found) << r.out;
  EXPECT_EQ(r.exitCode, 1);
  r = runTool({"scan", "--format", "json", FX_IMPORTS_TLS});
  EXPECT_EQ(r.out.find("imports-legacy-method"), std::string::npos) << r.out;
  EXPECT_EQ(r.exitCode, 0) << r.out; // links OpenSSL 3: an inventory note
}

// An old OpenSSL statically inside objects of other architectures and byte
// orders (clang-19: MIPS, PowerPC64 and s390x big-endian, RISC-V, AArch64)
// and inside a Cortex-M4 firmware linked by Debian's arm-none-eabi-gcc, also
// as the raw, Intel HEX and S-record images objcopy makes of it, and a
// big-endian ARM object (tests/CMakeLists.txt builds them all).
TEST(Binaries, OtherArchitecturesAndFirmwareImagesAreRead) {
  for (const char *file : {"elf_mips.o", "elf_ppc64.o", "elf_s390x.o", "elf_riscv64.o",
                           "elf_aarch64.o", "armeb.o", "arm_fw.elf", "arm_fw.bin", "arm_fw.hex",
                           "arm_fw.srec"}) {
    RunResult r = runTool({"scan", "--format", "json", std::string(FX_CROSS_DIR) + "/" + file});
    llvm::json::Value report = parseJson(r.out);
    EXPECT_EQ(r.exitCode, 1) << file << "\n" << r.out;
    for (const llvm::json::Value &d : diagnosticsOf(report))
      EXPECT_EQ(str(*d.getAsObject(), "kind"), "info") << file << "\n" << r.out;
    ASSERT_EQ(findingsOf(report).size(), 1u) << file << "\n" << r.out;
    const llvm::json::Object &f = *findingsOf(report)[0].getAsObject();
    EXPECT_EQ(str(f, "ruleId"), "binary/component-without-tls12") << file;
    EXPECT_EQ(str(f, "version"), "1.0.0t") << file;
  }
}

// Text that starts like a hex image but is not one is skipped; a damaged
// record is said (the scan is incomplete) and what decoded before it is
// still searched.
TEST(Binaries, HexImagesNearMissesAndDamage) {
  TempDir dir;
  writeFile(dir.file("notes.txt"), ":this is not a record\n:nor this\n:nor that\n");
  writeFile(dir.file("Sales.txt"), "S1 figures\nS2 figures\nS3 figures\n");
  std::string hex = readFile(std::string(FX_CROSS_DIR) + "/arm_fw.hex");
  size_t cut = hex.find('\n', hex.size() / 2);
  ASSERT_NE(cut, std::string::npos);
  writeFile(dir.file("damaged.hex"), hex.substr(0, cut) + "\n:10ZZ\n" + hex.substr(cut + 1));
  RunResult clean = runTool({"scan", "--format", "json", "notes.txt", "Sales.txt"}, dir.path);
  EXPECT_EQ(clean.exitCode, 0) << clean.out;
  llvm::json::Value cleanReport = parseJson(clean.out);
  EXPECT_TRUE(findingsOf(cleanReport).empty()) << clean.out;
  RunResult damaged = runTool({"scan", "--format", "json", "damaged.hex"}, dir.path);
  EXPECT_EQ(damaged.exitCode, 3) << damaged.out;
  EXPECT_NE(damaged.out.find("malformed record at line"), std::string::npos) << damaged.out;
}

// Only linked images import: the same legacy call in an ELF or COFF object
// (a static library member, an .exp file) is a reference another member may
// define (OpenSSL's own ssleay32.lib), not an import.
TEST(Binaries, ObjectFilesDoNotImport) {
  for (const char *file : {"legacy_call.o", "legacy_call.obj"}) {
    RunResult r = runTool({"scan", "--format", "json", std::string(FX_CROSS_DIR) + "/" + file});
    EXPECT_EQ(r.out.find("binary/imports-legacy-method"), std::string::npos) << file << "\n" << r.out;
  }
  RunResult linked = runTool({"scan", "--format", "json", FX_IMPORTS_TLSV1});
  EXPECT_NE(linked.out.find("binary/imports-legacy-method"), std::string::npos) << linked.out;
}

// A program using only libcrypto (no libssl API) is not a TLS user: no
// "links OpenSSL" finding; one importing SSL_CTX_new is.
TEST(Binaries, LibcryptoOnlyProgramsAreNotTlsComponents) {
  RunResult crypto = runTool({"scan", "--format", "json", FX_CRYPTO_ONLY});
  llvm::json::Value report = parseJson(crypto.out);
  EXPECT_TRUE(findingsOf(report).empty()) << crypto.out;
  RunResult tls = runTool({"scan", "--format", "json", FX_IMPORTS_TLS});
  EXPECT_NE(tls.out.find("links OpenSSL"), std::string::npos) << tls.out;
}
