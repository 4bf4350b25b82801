// Release bundles (issue #7): archives walked in memory, nested, named by
// the chain of containers; text beside a binary is not a component; bombs,
// damage and depth give diagnostics. Bundles are built here with tar, zip,
// cpio and dpkg-deb from the binary fixtures.
#include <gtest/gtest.h>

#include <map>
#include <set>

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

// A small compressed member read after many bytes of other members is judged
// on its own expansion, not on everything the outer archive read before it
// (Debian's .deb files carry gzipped changelogs after megabytes of code).
TEST(Bundles, SmallCompressedMemberAfterManyBytesIsNoBomb) {
  TempDir dir;
  sh("cd " + shellQuote(dir.path) + " && mkdir t && head -c 70M /dev/urandom > t/big.bin && "
     "head -c 1M /dev/zero | gzip -9 > t/changelog.gz && tar -C t -cf bundle.tar big.bin "
     "changelog.gz && rm -r t");
  RunResult r = runTool({"scan", "--format", "json", "bundle.tar"}, dir.path);
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_TRUE(diagnosticsOf(parseJson(r.out)).empty()) << r.out;
}

namespace {
// Bytes as a runtime or SDK leaves them in its files (see patterns/runtimes.yaml
// and patterns/sdks.yaml for where each comes from).
std::string goBinary(const std::string &goVersion, const std::string &deps) {
  std::string b(64, '\0');
  b += std::string("\xff Go buildinf:", 14) + "\x08\x02" + std::string(16, '\0');
  b += static_cast<char>(goVersion.size());
  b += goVersion;
  std::string mod = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n" + deps;
  b += static_cast<char>(mod.size() & 0x7f);
  b += mod + std::string(32, '\0');
  b += "crypto/tls.(*Conn).Handshake"; // a function name in the pclntab
  return b;
}
std::string dotnetAssembly(const std::string &target, const std::string &members = "") {
  std::string moniker = ".NETFramework,Version=v" + target;
  return std::string("MZ\0\0", 4) + std::string(60, '\0') + std::string("\x01\x00", 2) +
         static_cast<char>(moniker.size()) + moniker + std::string("\x01\x00", 2) +
         std::string(16, '\0') + members;
}
} // namespace

// Runtimes and AWS SDKs inside one bundle: the JDK by its `release` file, a
// Java SDK jar by its versionInfo.properties, the JavaScript SDK by its
// package.json, a Go program by its build info (the Go SDK by its module
// line), .NET assemblies by their target framework. SDK findings name the
// runtime of the same bundle that decides their protocol. Near-misses: the
// same text in files of other names, an SDK-like package name, a modern
// .NET target.
TEST(Bundles, RuntimesAndSdksAreIdentifiedAndSdksNameTheirRuntime) {
  TempDir dir;
  std::string t = dir.file("t");
  sh("mkdir -p " + shellQuote(t) + "/jdk " + shellQuote(t) + "/docs " + shellQuote(t) +
     "/other " + shellQuote(t) + "/jar/com/amazonaws/sdk " + shellQuote(t) +
     "/web/node_modules/aws-sdk " + shellQuote(t) + "/web/node_modules/aws-sdk-mock " +
     shellQuote(t) + "/bin " + shellQuote(t) + "/dotnet");
  writeFile(t + "/jdk/release", "IMPLEMENTOR=\"Oracle Corporation\"\nJAVA_VERSION=\"1.7.0_80\"\n"
                                "OS_NAME=\"Linux\"\n");
  writeFile(t + "/docs/release-notes.txt", "JAVA_VERSION=\"1.6.0\"\n");
  writeFile(t + "/other/release", "VERSION=\"1.7.0_80\"\n");
  writeFile(t + "/jar/com/amazonaws/sdk/versionInfo.properties",
            "#Mon Sep 24 23:21:23 UTC 2018\nplatform=java\nversion=1.11.415\n");
  writeFile(t + "/web/node_modules/aws-sdk/package.json",
            "{\n  \"name\": \"aws-sdk\",\n  \"version\": \"2.1001.0\"\n}\n");
  writeFile(t + "/web/node_modules/aws-sdk-mock/package.json",
            "{\n  \"name\": \"aws-sdk-mock\",\n  \"version\": \"2.9.9\"\n}\n");
  writeFile(t + "/bin/uploader",
            goBinary("go1.17.3", "dep\tgithub.com/aws/aws-sdk-go\tv1.44.0\th1:abc=\n"));
  writeFile(t + "/dotnet/Legacy.exe", dotnetAssembly("4.5"));
  writeFile(t + "/dotnet/Modern.exe", dotnetAssembly("4.7.2"));
  // A 4.5.1 target that sets ServicePointManager.SecurityProtocol itself.
  writeFile(t + "/dotnet/OptIn.exe",
            dotnetAssembly("4.5.1", std::string("get_SecurityProtocol\0set_SecurityProtocol\0", 42)));
  // A Go program without crypto/tls: no TLS to judge.
  std::string noTls = goBinary("go1.17.3", "");
  noTls.resize(noTls.size() - std::string("crypto/tls.(*Conn).Handshake").size());
  writeFile(t + "/bin/hasher", noTls);
  sh("cd " + shellQuote(t) + "/jar && zip -qr ../aws-java-sdk-core.jar com && cd .. && rm -r jar "
     "&& tar -czf ../bundle.tgz .");

  RunResult r = runTool({"scan", "--format", "json", "bundle.tgz"}, dir.path);
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  llvm::json::Value report = parseJson(r.out);
  std::map<std::string, const llvm::json::Object *> byComponent;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    std::string key = str(f, "component") + " " + str(f, "version");
    EXPECT_FALSE(byComponent.count(key)) << "reported twice: " << key << "\n" << r.out;
    byComponent[key] = &f;
  }
  auto expect = [&](const std::string &key, const std::string &rule, const std::string &chain) {
    auto it = byComponent.find(key);
    if (it == byComponent.end()) {
      ADD_FAILURE() << "no finding for " << key << "\n" << r.out;
      return std::string();
    }
    EXPECT_EQ(str(*it->second, "ruleId"), rule) << key;
    EXPECT_EQ(chainOf(*it->second), chain) << key;
    return str(*it->second, "message");
  };
  expect("Java runtime (JDK/JRE) 1.7.0_80", "binary/component-legacy-default",
         "bundle.tgz!./jdk/release");
  std::string java = expect("AWS SDK for Java 1.x 1.11.415", "binary/component-inventory",
                            "bundle.tgz!./aws-java-sdk-core.jar!com/amazonaws/sdk/versionInfo.properties");
  EXPECT_NE(java.find("its TLS comes from Java runtime (JDK/JRE) 1.7.0_80 at "
                      "bundle.tgz!./jdk/release"),
            std::string::npos)
      << java;
  std::string js = expect("AWS SDK for JavaScript v2 2.1001.0", "binary/component-inventory",
                          "bundle.tgz!./web/node_modules/aws-sdk/package.json");
  EXPECT_NE(js.find("not found in this input"), std::string::npos) << js;
  expect("Go runtime (crypto/tls) 1.17.3", "binary/component-inventory", "bundle.tgz!./bin/uploader");
  std::string go = expect("AWS SDK for Go 1.44.0", "binary/component-inventory",
                          "bundle.tgz!./bin/uploader");
  EXPECT_NE(go.find("its TLS comes from Go runtime (crypto/tls) 1.17.3"), std::string::npos) << go;
  expect(".NET Framework (assembly target) 4.5", "binary/component-legacy-default",
         "bundle.tgz!./dotnet/Legacy.exe");
  expect(".NET Framework (assembly target) 4.7.2", "binary/component-inventory",
         "bundle.tgz!./dotnet/Modern.exe");
  std::string optIn = expect(".NET Framework (assembly target) 4.5.1", "binary/component-inventory",
                             "bundle.tgz!./dotnet/OptIn.exe");
  EXPECT_NE(optIn.find("sets its protocols itself (set_SecurityProtocol)"), std::string::npos)
      << optIn;
  EXPECT_EQ(byComponent.size(), 8u) << "nothing from the near-misses\n" << r.out;

  // The SBOM: runtimes are frameworks, SDKs libraries; Java 7's TLS 1.2 is
  // "not-default".
  RunResult bom = runTool({"scan", "--format", "cyclonedx", "bundle.tgz"}, dir.path);
  llvm::json::Value bomDoc = parseJson(bom.out);
  std::string types;
  for (const llvm::json::Value &c : *bomDoc.getAsObject()->getArray("components")) {
    const llvm::json::Object &o = *c.getAsObject();
    std::string tls;
    for (const llvm::json::Value &p : *o.getArray("properties"))
      if (str(*p.getAsObject(), "name") == "tlsfloor:tls12")
        tls = str(*p.getAsObject(), "value");
    types += str(o, "name") + "|" + str(o, "type") + "|" + tls + "\n";
  }
  EXPECT_NE(types.find("Java runtime (JDK/JRE)|framework|not-default"), std::string::npos) << types;
  EXPECT_NE(types.find("AWS SDK for Java 1.x|library|supported"), std::string::npos) << types;

  // A TLS 1.3 floor judges by the first release with TLS 1.3: Java 7 has
  // none (error), Go 1.17 has it (1.13).
  RunResult r13 = runTool({"scan", "--format", "json", "--min-tls", "1.3", "bundle.tgz"}, dir.path);
  std::string rules13;
  llvm::json::Value report13 = parseJson(r13.out);
  for (const llvm::json::Value &v : findingsOf(report13))
    rules13 += str(*v.getAsObject(), "component") + "=" + str(*v.getAsObject(), "ruleId") + "\n";
  EXPECT_NE(rules13.find("Java runtime (JDK/JRE)=binary/component-without-tls13"), std::string::npos)
      << rules13;
  EXPECT_NE(rules13.find("Go runtime (crypto/tls)=binary/component-inventory"), std::string::npos)
      << rules13;
}

// The same files loose on disk (an unpacked JDK, a site-packages tree) are
// inputs too, by their names.
TEST(Bundles, NamedFilesOnDiskAreScannedToo) {
  TempDir dir;
  sh("mkdir -p " + shellQuote(dir.file("jre")) + " " + shellQuote(dir.file("site/botocore")));
  writeFile(dir.file("jre/release"), "JAVA_VERSION=\"1.7.0_80\"\n");
  writeFile(dir.file("site/botocore/__init__.py"), "import os\n__version__ = '1.29.27'\n");
  writeFile(dir.file("site/botocore/client.py"), "__version__ = '9.9.9'\n");
  RunResult r = runTool({"scan", "--format", "json", "."}, dir.path);
  EXPECT_EQ(r.exitCode, 1) << r.out;
  std::string seen;
  llvm::json::Value report = parseJson(r.out);
  for (const llvm::json::Value &v : findingsOf(report))
    seen += chainOf(*v.getAsObject()) + " " + str(*v.getAsObject(), "version") + "\n";
  EXPECT_EQ(seen, "jre/release 1.7.0_80\nsite/botocore/__init__.py 1.29.27\n") << r.out;
}

// Inside a bundle, a program's DT_NEEDED resolves to the library shipped
// beside it: the program's finding carries that library's version. RUNPATH
// ($ORIGIN) decides between two copies; two copies with nothing to decide
// between them are not guessed; without the library the program keeps the
// lower bound its symbol versions give.
TEST(Bundles, DtNeededResolvesToTheLibraryShippedBesideIt) {
  TempDir dir;
  std::string d = shellQuote(dir.path);
  sh("cd " + d + " && mkdir -p a/bin a/lib b/bin c/bin c/lib c/vendor/lib e/bin e/x e/y && "
     "cp " + std::string(FX_IMPORTS_TLS) + " a/bin/app && cp " + FX_OPENSSL_100 +
     " a/lib/libssl.so.3 && cp " + FX_IMPORTS_TLS + " b/bin/app && cp " + FX_IMPORTS_TLS_RUNPATH +
     " c/bin/app && cp " + FX_OPENSSL_100 + " c/lib/libssl.so.3 && cp " + FX_OPENSSL_101 +
     " c/vendor/lib/libssl.so.3 && cp " + FX_IMPORTS_TLS + " e/bin/app && cp " + FX_OPENSSL_100 +
     " e/x/libssl.so.3 && cp " + FX_OPENSSL_101 + " e/y/libssl.so.3 && "
     "for t in a b c e; do tar -C $t -czf $t.tgz .; done");
  RunResult r = runTool({"scan", "--format", "json", "a.tgz", "b.tgz", "c.tgz", "e.tgz"}, dir.path);
  llvm::json::Value report = parseJson(r.out);
  std::map<std::string, std::string> app; // bundle -> "version|rule|message"
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    std::string chain = chainOf(f);
    if (llvm::StringRef(chain).ends_with("!./bin/app") && str(f, "component") == "OpenSSL")
      app[chain.substr(0, 5)] =
          str(f, "version") + "|" + str(f, "ruleId") + "|" + str(f, "message");
  }
  EXPECT_EQ(app["a.tgz"], "1.0.0t|binary/component-without-tls12|links ./lib/libssl.so.3 = "
                          "OpenSSL 1.0.0t, which has no TLS 1.2 (first in 1.0.1)")
      << r.out;
  EXPECT_EQ(app["b.tgz"].substr(0, 33), "3.0.0|binary/component-inventory|") << r.out;
  EXPECT_EQ(app["c.tgz"].substr(0, 39), "1.0.1u|binary/component-inventory|links") << r.out;
  EXPECT_NE(app["c.tgz"].find("./vendor/lib/libssl.so.3"), std::string::npos) << r.out;
  EXPECT_EQ(app["e.tgz"].substr(0, 33), "3.0.0|binary/component-inventory|") << r.out;

  // A shipped library whose version is only a lower bound (the ELF version
  // nodes of the machine's libssl.so.3) gives the program a lower bound too.
  sh("cd " + d + " && mkdir -p f/bin f/lib && cp " + std::string(FX_IMPORTS_TLS) +
     " f/bin/app && cp \"$(ldd " + FX_IMPORTS_TLS + " | awk '/libssl/ {print $3}')\" f/lib/ && "
     "tar -C f -czf f.tgz .");
  RunResult rf = runTool({"scan", "--format", "json", "f.tgz"}, dir.path);
  llvm::json::Value reportF = parseJson(rf.out);
  std::string message;
  for (const llvm::json::Value &v : findingsOf(reportF))
    if (chainOf(*v.getAsObject()) == "f.tgz!./bin/app")
      message = str(*v.getAsObject(), "message");
  EXPECT_NE(message.find("links ./lib/libssl.so.3 = OpenSSL >= 3."), std::string::npos) << rf.out;
  EXPECT_NE(message.find("TLS 1.2 capable"), std::string::npos) << rf.out;
}

// The same for Windows: a program's imported DLL (names compared without
// case) is the DLL shipped beside it.
TEST(Bundles, PeImportsResolveToTheDllShippedBesideIt) {
  TempDir dir;
  std::string d = shellQuote(dir.path);
  sh("cd " + d + " && mkdir -p w/bin && cp " + std::string(FX_CROSS_DIR) + "/pe_app.exe w/bin/App.exe && cp " +
     FX_CROSS_DIR + "/LIBSSL-1_0_0.dll w/bin/libssl-1_0_0.dll && cd w && zip -qr ../w.zip bin");
  RunResult r = runTool({"scan", "--format", "json", "w.zip"}, dir.path);
  EXPECT_EQ(r.exitCode, 1) << r.out;
  llvm::json::Value report = parseJson(r.out);
  std::string seen;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    seen += chainOf(f) + " " + str(f, "ruleId") + " " + str(f, "version") + "\n";
  }
  EXPECT_EQ(seen, "w.zip!bin/App.exe binary/component-without-tls12 1.0.0t\n"
                  "w.zip!bin/App.exe binary/imports-legacy-method \n"
                  "w.zip!bin/libssl-1_0_0.dll binary/component-without-tls12 1.0.0t\n")
      << r.out;
}

// SquashFS firmware images (gzip, xz, zstd), also inside a tarball; files in
// nested directories are inputs named by their path in the image; a damaged
// image and an unsupported compressor are said and the scan goes on.
TEST(Bundles, SquashfsImagesAreWalked) {
  TempDir dir;
  std::string d = shellQuote(dir.path);
  sh("cd " + d + " && mkdir -p root/usr/lib root/opt/app/bin root/etc && cp " +
     std::string(FX_OPENSSL_100) + " root/usr/lib/libssl.so.1.0.0 && cp " + FX_OPENSSL_101 +
     " root/opt/app/bin/agent && echo 'OpenSSL 0.9.8zh 3 Dec 2015' > root/etc/notes && "
     "for c in gzip xz zstd lzo; do mksquashfs root fw-$c.sqfs -comp $c -noappend -quiet "
     "-all-root >/dev/null; done && tar -czf update.tgz fw-xz.sqfs && "
     "head -c 3000 fw-gzip.sqfs > cut.sqfs");
  RunResult r = runTool({"scan", "--format", "json", "fw-gzip.sqfs", "fw-zstd.sqfs", "update.tgz",
                         "cut.sqfs", "fw-lzo.sqfs"},
                        dir.path);
  EXPECT_EQ(r.exitCode, 3) << r.out;
  llvm::json::Value report = parseJson(r.out);
  std::set<std::string> seen;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    seen.insert(chainOf(f) + " " + str(f, "version"));
  }
  for (const std::string &image : {"fw-gzip.sqfs", "fw-zstd.sqfs", "update.tgz!fw-xz.sqfs"}) {
    EXPECT_TRUE(seen.count(image + "!usr/lib/libssl.so.1.0.0 1.0.0t")) << image << "\n" << r.out;
    EXPECT_TRUE(seen.count(image + "!opt/app/bin/agent 1.0.1u")) << image << "\n" << r.out;
  }
  EXPECT_EQ(seen.size(), 6u) << "etc/notes is text, not a component\n" << r.out;
  std::string diags;
  for (const llvm::json::Value &v : diagnosticsOf(report))
    diags += str(*v.getAsObject(), "input") + ": " + str(*v.getAsObject(), "message") + "\n";
  EXPECT_NE(diags.find("cut.sqfs"), std::string::npos) << diags;
  // Debian's libsquashfs is built without LZO: said, not silently empty.
  EXPECT_NE(diags.find("fw-lzo.sqfs: SquashFS image: compressor 3: unsupported"), std::string::npos)
      << diags;
}

// A stripped program importing from ssleay32.dll by ordinal only (as MSVC
// builds of OpenSSL 1.0.x consumers do): the names come from the export
// table of the DLL shipped beside it, and a legacy method among them is
// found. Alone, the program says nothing it cannot know.
TEST(Bundles, PeImportsByOrdinalAreNamedByTheShippedDll) {
  TempDir dir;
  std::string d = shellQuote(dir.path);
  sh("cd " + d + " && tar -C " + shellQuote(std::string(FX_CROSS_DIR) + "/ordinal") +
     " -czf o.tgz SSLEAY32.dll app.exe");
  RunResult r = runTool({"scan", "--format", "json", "o.tgz",
                         std::string(FX_CROSS_DIR) + "/ordinal/app.exe"},
                        dir.path);
  llvm::json::Value report = parseJson(r.out);
  std::string seen;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    if (str(f, "ruleId") == "binary/imports-legacy-method")
      seen += chainOf(f) + " " + str(f, "evidence") + "\n";
  }
  EXPECT_EQ(seen, "o.tgz!app.exe imports SSLv3_method (ordinal 4 of SSLEAY32.dll)\n") << r.out;
}
