// Release bundles (issue #7): archives walked in memory, nested, named by
// the chain of containers; text beside a binary is not a component; bombs,
// damage and depth give diagnostics. Bundles are built here with tar, zip,
// cpio and dpkg-deb from the binary fixtures.
#include <gtest/gtest.h>

#include "test_util.h"

using namespace tlsfloor::test;

namespace {

void sh(const std::string &cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }

// A tree for a bundle: bin/app (the fixture), and beside it the kind of text
// that mentions old versions without being one.
void stage(const std::string &dir, const std::string &binary) {
  sh("mkdir -p " + shellQuote(dir + "/bin") + " " + shellQuote(dir + "/include/openssl") + " " +
     shellQuote(dir + "/doc"));
  writeFile(dir + "/bin/app", readFile(binary));
  writeFile(dir + "/include/openssl/opensslv.h",
            "#define OPENSSL_VERSION_TEXT \"OpenSSL 0.9.8zh 3 Dec 2015\"\n"
            "/* TLSv1 part of OpenSSL 0.9.8zh 3 Dec 2015 */\n");
  writeFile(dir + "/doc/CHANGES", "Changes between 0.9.8zg and 0.9.8zh [3 Dec 2015]\n"
                                  "SSLv3 part of OpenSSL 0.9.8zh  3 Dec 2015\n");
}

std::vector<const llvm::json::Object *> errorsOf(const llvm::json::Value &report) {
  std::vector<const llvm::json::Object *> out;
  for (const llvm::json::Value &v : findingsOf(report))
    if (str(*v.getAsObject(), "severity") == "error")
      out.push_back(v.getAsObject());
  return out;
}

std::string chainOf(const llvm::json::Object &f) {
  std::string out;
  for (const llvm::json::Value &c : *f.getObject("location")->getArray("chain"))
    out += (out.empty() ? "" : "!") + c.getAsString()->str();
  return out;
}

} // namespace

TEST(Bundles, NestedTarballWithOldOpenSslNamesTheMemberAndVersion) {
  TempDir dir;
  stage(dir.file("inner"), FX_OPENSSL_100);
  sh("cd " + shellQuote(dir.path) + " && tar -C inner -czf inner.tar.gz . && mkdir outer && "
     "mv inner.tar.gz outer/ && tar -C outer -czf bundle.tgz inner.tar.gz");
  RunResult r = runTool({"scan", "--format", "json", "bundle.tgz"}, dir.path);
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  llvm::json::Value report = parseJson(r.out);
  auto errors = errorsOf(report);
  ASSERT_EQ(errors.size(), 1u) << r.out;
  EXPECT_EQ(chainOf(*errors[0]), "bundle.tgz!inner.tar.gz!./bin/app");
  EXPECT_EQ(str(*errors[0], "ruleId"), "binary/component-without-tls12");
  EXPECT_EQ(str(*errors[0], "version"), "1.0.0t");
  EXPECT_NE(str(*errors[0], "message").find("1.0.0t"), std::string::npos);
}

TEST(Bundles, CurrentOpenSslBesideOldHeadersAndChangelogsGivesNoError) {
  TempDir dir;
  stage(dir.file("inner"), FX_OPENSSL_101);
  sh("cd " + shellQuote(dir.path) + " && tar -C inner -cJf inner.tar.xz . && "
     "tar -czf bundle.tgz inner.tar.xz");
  RunResult r = runTool({"scan", "--format", "json", "bundle.tgz"}, dir.path);
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err; // the inventory note does not fail
  llvm::json::Value report = parseJson(r.out);
  EXPECT_TRUE(errorsOf(report).empty()) << r.out;
  ASSERT_EQ(findingsOf(report).size(), 1u) << r.out;
  EXPECT_EQ(str(*findingsOf(report)[0].getAsObject(), "version"), "1.0.1u");
  EXPECT_EQ(chainOf(*findingsOf(report)[0].getAsObject()), "bundle.tgz!inner.tar.xz!./bin/app");
}

TEST(Bundles, ZipInsideTarInsideTarDebAndCpio) {
  TempDir dir;
  stage(dir.file("t"), FX_OPENSSL_100);
  sh("cd " + shellQuote(dir.path) + " && (cd t && zip -qr ../app.zip bin doc) && "
     "tar -cf mid.tar app.zip && tar -cf outer.tar mid.tar && "
     "(cd t && find bin | cpio -o -H newc --quiet > ../app.cpio) && "
     "mkdir -p deb/DEBIAN deb/usr && cp -r t/bin deb/usr/ && "
     "printf 'Package: fx\\nVersion: 1\\nArchitecture: all\\nMaintainer: t <t@t>\\nDescription: t\\n' "
     "> deb/DEBIAN/control && dpkg-deb -Zxz -b deb fx.deb >/dev/null");
  for (const auto &[file, chain] : std::vector<std::pair<std::string, std::string>>{
           {"outer.tar", "outer.tar!mid.tar!app.zip!bin/app"},
           {"app.cpio", "app.cpio!bin/app"},
           {"fx.deb", "fx.deb!data.tar.xz!./usr/bin/app"}}) {
    RunResult r = runTool({"scan", "--format", "json", file}, dir.path);
    llvm::json::Value report = parseJson(r.out);
    auto errors = errorsOf(report);
    ASSERT_EQ(errors.size(), 1u) << file << "\n" << r.out;
    EXPECT_EQ(chainOf(*errors[0]), chain) << file;
    EXPECT_EQ(str(*errors[0], "version"), "1.0.0t") << file;
  }
}

TEST(Bundles, BombsDamageAndDepthAreReportedAndTheScanGoesOn) {
  TempDir dir;
  // A 600 MiB member of zeros compresses to under a MiB: a bomb by ratio. (The
  // file is sparse: the test needs no disk for it.)
  sh("cd " + shellQuote(dir.path) + " && truncate -s 600M zeros && tar -czf zeros.tgz zeros && "
     "rm zeros");
  // A truncated archive.
  stage(dir.file("t"), FX_OPENSSL_100);
  sh("cd " + shellQuote(dir.path) + " && tar -C t -czf whole.tgz . && head -c 3000 whole.tgz > "
     "cut.tgz");
  // Nesting past the limit: six levels of tar.
  sh("cd " + shellQuote(dir.path) + " && cp t/bin/app l0 && for i in 1 2 3 4 5 6; do "
     "tar -cf l$i l$((i-1)); done");
  RunResult r = runTool({"scan", "--format", "json", "zeros.tgz", "cut.tgz", "l6",
                         std::string(TLSFLOOR_SOURCE_DIR) + "/fixtures/source/openssl/legacy_methods.c"},
                        dir.path, "timeout 300");
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  llvm::json::Value report = parseJson(r.out);
  std::string diags;
  for (const llvm::json::Value &v : diagnosticsOf(report))
    diags += str(*v.getAsObject(), "input") + ": " + str(*v.getAsObject(), "message") + "\n";
  EXPECT_NE(diags.find("zeros.tgz: expands more than"), std::string::npos) << diags;
  EXPECT_NE(diags.find("cut.tgz"), std::string::npos) << diags;
  EXPECT_NE(diags.find("nested deeper than"), std::string::npos) << diags;
  EXPECT_EQ(findingsOf(report).size(), 3u) << "the source input is still reported\n" << r.out;
}

TEST(Bundles, CycloneDxInventoryNamesComponentsWithIdentitiesAndWhereTheyAre) {
  TempDir dir;
  stage(dir.file("inner"), FX_OPENSSL_100);
  sh("cd " + shellQuote(dir.path) + " && tar -C inner -czf bundle.tgz .");
  RunResult r = runTool({"scan", "--format", "cyclonedx", "bundle.tgz"}, dir.path);
  llvm::json::Value bom = parseJson(r.out);
  const llvm::json::Object *o = bom.getAsObject();
  ASSERT_TRUE(o) << r.out;
  EXPECT_EQ(str(*o, "bomFormat"), "CycloneDX");
  EXPECT_EQ(str(*o, "specVersion"), "1.5");
  const llvm::json::Array *components = o->getArray("components");
  ASSERT_TRUE(components && components->size() == 1) << r.out;
  const llvm::json::Object &c = *(*components)[0].getAsObject();
  EXPECT_EQ(str(c, "name"), "OpenSSL");
  EXPECT_EQ(str(c, "version"), "1.0.0t");
  EXPECT_EQ(str(c, "purl"), "pkg:generic/openssl@1.0.0t");
  EXPECT_EQ(str(c, "cpe"), "cpe:2.3:a:openssl:openssl:1.0.0t:*:*:*:*:*:*:*");
  EXPECT_NE(r.out.find("bundle.tgz!./bin/app"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"absent\""), std::string::npos) << "no TLS 1.2 in 1.0.0t";
  // Deterministic: the same input gives the same bytes.
  EXPECT_EQ(runTool({"scan", "--format", "cyclonedx", "bundle.tgz"}, dir.path).out, r.out);
}
