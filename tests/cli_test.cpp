// The command line: exit codes, formats, output file, rules listing.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <map>

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "test_util.h"

using namespace tlsfloor::test;

namespace {
const std::string kClean = "fixtures/source/openssl/legacy_methods.c";
}

TEST(Cli, VersionAndHelp) {
  RunResult v = runTool({"--version"});
  EXPECT_EQ(v.exitCode, 0);
  EXPECT_NE(v.out.find("tlsfloor "), std::string::npos);
  RunResult h = runTool({"scan", "--help"});
  EXPECT_EQ(h.exitCode, 0);
  EXPECT_NE(h.out.find("--compile-commands"), std::string::npos);
  EXPECT_NE(h.out.find("--fail-on"), std::string::npos);
}

TEST(Cli, RulesListsIdSeverityAndSummary) {
  RunResult r = runTool({"rules"});
  EXPECT_EQ(r.exitCode, 0);
  for (const char *id : {"openssl/legacy-method", "openssl/min-below-floor",
                         "openssl/max-below-floor", "openssl/clear-legacy-option",
                         "binary/component-without-tls12", "binary/component-inventory"})
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  EXPECT_NE(r.out.find("error"), std::string::npos);
}

TEST(Cli, ExitCodes) {
  TempDir dir;
  writeFile(dir.file("clean.c"), "int main(void) { return 0; }\n");
  EXPECT_EQ(runTool({"scan", dir.file("clean.c")}).exitCode, 0);
  EXPECT_EQ(runTool({"scan", kClean}).exitCode, 1);
  EXPECT_EQ(runTool({"scan", "--fail-on", "never", kClean}).exitCode, 0);
  // min-below-floor is a warning: --fail-on error ignores it.
  EXPECT_EQ(runTool({"scan", "--fail-on", "error", "fixtures/source/openssl/clear_options.c"})
                .exitCode,
            0);
  EXPECT_EQ(runTool({"scan", "--fail-on", "warning", "fixtures/source/openssl/clear_options.c"})
                .exitCode,
            1);
  EXPECT_EQ(runTool({"scan", "--format", "yaml", kClean}).exitCode, 2);
  EXPECT_EQ(runTool({"scan", "--min-tls", "2.0", kClean}).exitCode, 2);
  EXPECT_EQ(runTool({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(runTool({"scan", "-p", dir.path, kClean}).exitCode, 2); // no compile_commands.json
  EXPECT_EQ(runTool({"scan", "--rules", dir.file("missing.yaml"), kClean}).exitCode, 2);
  EXPECT_EQ(runTool({"scan", dir.file("does-not-exist.c")}).exitCode, 3);
}

TEST(Cli, OutputFileOnlyWhereAsked) {
  TempDir dir;
  std::string fixture = std::string(TLSFLOOR_SOURCE_DIR) + "/" + kClean;
  RunResult r = runTool({"scan", "--format", "json", "-o", dir.file("report.json"), fixture},
                        dir.path);
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  std::string written = readFile(dir.file("report.json"));
  EXPECT_EQ(findingsOf(parseJson(written)).size(), 3u) << written;
  // Nothing else appeared in the working directory.
  EXPECT_EQ(std::system(("test $(ls -A " + shellQuote(dir.path) + " | wc -l) -eq 1").c_str()), 0);
  // Scan errors still reach the terminal when the report goes to a file.
  RunResult bad = runTool({"scan", "--format", "sarif", "-o", dir.file("r.sarif"),
                           dir.file("missing.c")});
  EXPECT_EQ(bad.exitCode, 3);
  EXPECT_NE(bad.err.find("scan-error: " + dir.file("missing.c")), std::string::npos) << bad.err;
}

TEST(Cli, UnwritableOutputIsAConfigurationError) {
  RunResult r = runTool({"scan", "-o", "/nonexistent-dir/report.txt", kClean});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
}

TEST(Cli, CompileCommandsGiveFlagsPerFileWithoutChdir) {
  // The define that selects the legacy call only exists in the compile
  // database; the relative include path is resolved against `directory`.
  TempDir dir;
  std::system(("mkdir -p " + shellQuote(dir.file("src")) + " " + shellQuote(dir.file("inc")) +
               " " + shellQuote(dir.file("build")))
                  .c_str());
  writeFile(dir.file("inc/floor.h"), "#define PROJECT_FLOOR TLS1_VERSION\n");
  writeFile(dir.file("src/net.c"),
            "#include <openssl/ssl.h>\n#include \"floor.h\"\n"
            "void f(SSL_CTX *c) {\n#ifdef LEGACY\n  SSL_CTX_set_min_proto_version(c, "
            "PROJECT_FLOOR);\n#endif\n}\n");
  writeFile(dir.file("build/compile_commands.json"),
            "[{\"directory\": \"" + dir.path +
                "/build\", \"file\": \"../src/net.c\", \"arguments\": [\"cc\", \"-DLEGACY\", "
                "\"-I../inc\", \"-c\", \"../src/net.c\", \"-o\", \"net.o\"]}]\n");
  RunResult with = runTool({"scan", "--format", "json", "-p", dir.file("build"), dir.file("src")});
  EXPECT_EQ(with.exitCode, 1) << with.out << with.err;
  EXPECT_EQ(findingsOf(parseJson(with.out)).size(), 1u) << with.out;
  // From the project root, build/compile_commands.json is found without -p.
  RunResult autodetected = runTool({"scan", "--format", "json", "src"}, dir.path);
  EXPECT_EQ(findingsOf(parseJson(autodetected.out)).size(), 1u) << autodetected.out;
  EXPECT_NE(autodetected.out.find("build/compile_commands.json"), std::string::npos);
  RunResult without = runTool({"scan", "--format", "json", dir.file("src")}, "/");
  EXPECT_EQ(findingsOf(parseJson(without.out)).size(), 0u) << without.out;
  // Without the database's -I, floor.h is not found: the file is still
  // understood (a pre-commit hook must not fail on it), and the report says
  // which header was missing.
  EXPECT_EQ(without.exitCode, 0) << without.out;
  EXPECT_NE(without.out.find("floor.h"), std::string::npos) << without.out;
}

// Issue #6, "Done when": a pre-commit-style scan of a lone file whose project
// headers are missing finds its legacy calls and exits 1; a clean one exits 0.
TEST(Cli, PreCommitScanOfALoneFileWithMissingProjectHeaders) {
  TempDir repo;
  writeFile(repo.file("legacy.c"),
            "#include \"config.h\"\n#include \"net/conn.h\"\n#include <openssl/ssl.h>\n"
            "int connect_tls(struct conn *c) {\n"
            "  c->ctx = SSL_CTX_new(TLS_client_method());\n"
            "  SSL_CTX_set_min_proto_version(c->ctx, TLS1_VERSION);\n"
            "  return c->ctx != 0;\n}\n");
  writeFile(repo.file("modern.c"),
            "#include \"config.h\"\n#include \"net/conn.h\"\n#include <openssl/ssl.h>\n"
            "int connect_tls(struct conn *c) {\n"
            "  c->ctx = SSL_CTX_new(TLS_client_method());\n"
            "  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);\n"
            "  return c->ctx != 0;\n}\n");
  RunResult legacy = runTool({"scan", "--format", "json", "legacy.c"}, repo.path);
  EXPECT_EQ(legacy.exitCode, 1) << legacy.out << legacy.err;
  llvm::json::Value report = parseJson(legacy.out);
  ASSERT_EQ(findingsOf(report).size(), 1u) << legacy.out;
  EXPECT_EQ(str(*findingsOf(report)[0].getAsObject(), "ruleId"), "openssl/min-below-floor");
  EXPECT_EQ(str(*findingsOf(report)[0].getAsObject(), "confidence"), "medium");
  // SARIF says the same in the result's properties.
  RunResult sarif = runTool({"scan", "--format", "sarif", "legacy.c"}, repo.path);
  llvm::json::Value sarifDoc = parseJson(sarif.out);
  const llvm::json::Object *result =
      sarifDoc.getAsObject()->getArray("runs")->front().getAsObject()->getArray("results")
          ->front().getAsObject();
  EXPECT_EQ(str(*result->getObject("properties"), "confidence"), "medium") << sarif.out;
  RunResult modern = runTool({"scan", "modern.c"}, repo.path);
  EXPECT_EQ(modern.exitCode, 0) << modern.out << modern.err;
  // Without any SDK on the machine the same holds (built-in declarations).
  legacy = runTool({"scan", "--no-system-headers", "legacy.c"}, repo.path);
  EXPECT_EQ(legacy.exitCode, 1) << legacy.out;
  modern = runTool({"scan", "--no-system-headers", "modern.c"}, repo.path);
  EXPECT_EQ(modern.exitCode, 0) << modern.out;
}

// The pre-commit manifest: its entry, run the way pre-commit runs it (the
// staged files appended), fails on a legacy file and passes a clean one; it
// selects C and C++ files and runs as one process.
TEST(Cli, PreCommitHookManifestRunsTheScan) {
  std::string manifest = readFile(std::string(TLSFLOOR_SOURCE_DIR) + "/.pre-commit-hooks.yaml");
  llvm::SourceMgr sm;
  llvm::yaml::Stream stream(manifest, sm);
  std::map<std::string, std::string> hook;
  for (llvm::yaml::Document &doc : stream) {
    auto *list = llvm::dyn_cast_or_null<llvm::yaml::SequenceNode>(doc.getRoot());
    ASSERT_NE(list, nullptr) << "the manifest is a list of hooks";
    for (llvm::yaml::Node &item : *list) {
      auto *map = llvm::dyn_cast<llvm::yaml::MappingNode>(&item);
      ASSERT_NE(map, nullptr);
      for (llvm::yaml::KeyValueNode &kv : *map) {
        llvm::SmallString<32> k, v;
        auto *key = llvm::dyn_cast<llvm::yaml::ScalarNode>(kv.getKey());
        if (!key)
          continue;
        std::string value;
        if (auto *scalar = llvm::dyn_cast<llvm::yaml::ScalarNode>(kv.getValue()))
          value = scalar->getValue(v).str();
        else if (auto *seq = llvm::dyn_cast<llvm::yaml::SequenceNode>(kv.getValue()))
          for (llvm::yaml::Node &e : *seq)
            if (auto *scalar = llvm::dyn_cast<llvm::yaml::ScalarNode>(&e))
              value += (value.empty() ? "" : ",") + scalar->getValue(v).str();
        if (hook.count("id") == 0 || key->getValue(k) != "id")
          hook.emplace(key->getValue(k).str(), value); // the first hook's keys
      }
    }
    break; // one document
  }
  ASSERT_FALSE(sm.getNumBuffers() == 0);
  EXPECT_EQ(hook["id"], "tlsfloor");
  EXPECT_EQ(hook["types_or"], "c,c++");
  EXPECT_EQ(hook["require_serial"], "true");
  llvm::StringRef entry(hook["entry"]);
  ASSERT_TRUE(entry.consume_front("tlsfloor ")) << hook["entry"];
  std::vector<std::string> args;
  llvm::SmallVector<llvm::StringRef, 4> words;
  entry.split(words, ' ', -1, false);
  for (llvm::StringRef w : words)
    args.push_back(w.str());
  TempDir repo;
  writeFile(repo.file("legacy.c"), "#include \"proj.h\"\n#include <openssl/ssl.h>\n"
                                   "void f(SSL_CTX *c) { SSL_CTX_set_min_proto_version(c, TLS1_VERSION); }\n");
  writeFile(repo.file("modern.cpp"), "#include \"proj.h\"\n#include <openssl/ssl.h>\n"
                                     "void f(SSL_CTX *c) { SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION); }\n");
  std::vector<std::string> both = args, clean = args;
  both.insert(both.end(), {"modern.cpp", "legacy.c"});
  clean.push_back("modern.cpp");
  RunResult fails = runTool(both, repo.path);
  EXPECT_EQ(fails.exitCode, 1) << fails.out << fails.err;
  EXPECT_NE(fails.out.find("legacy.c:3"), std::string::npos) << fails.out;
  RunResult passes = runTool(clean, repo.path);
  EXPECT_EQ(passes.exitCode, 0) << passes.out << passes.err;
}

// A sink whose value cannot be resolved is no finding, but both machine
// formats list it, so "clean" and "not understood" differ.
TEST(Cli, UnresolvedSinksAreListedInJsonAndSarif) {
  TempDir repo;
  writeFile(repo.file("dyn.c"),
            "#include <openssl/ssl.h>\nint pick(void);\n"
            "void setup(SSL_CTX *ctx) { SSL_CTX_set_min_proto_version(ctx, pick()); }\n");
  writeFile(repo.file("fixed.c"),
            "#include <openssl/ssl.h>\n"
            "void setup(SSL_CTX *ctx) { SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); }\n");
  RunResult json = runTool({"scan", "--format", "json", "dyn.c"}, repo.path);
  EXPECT_EQ(json.exitCode, 0) << json.out;
  llvm::json::Value doc = parseJson(json.out);
  const llvm::json::Array *unresolved = doc.getAsObject()->getArray("unresolvedSinks");
  ASSERT_NE(unresolved, nullptr) << json.out;
  ASSERT_EQ(unresolved->size(), 1u) << json.out;
  EXPECT_NE(unresolved->front().getAsString()->find("dyn.c:3"), llvm::StringRef::npos) << json.out;
  RunResult sarif = runTool({"scan", "--format", "sarif", "dyn.c"}, repo.path);
  EXPECT_NE(sarif.out.find("\"unresolvedSinks\""), std::string::npos) << sarif.out;
  EXPECT_NE(sarif.out.find("SSL_CTX_set_min_proto_version"), std::string::npos) << sarif.out;
  RunResult clean = runTool({"scan", "--format", "sarif", "fixed.c"}, repo.path);
  EXPECT_EQ(clean.out.find("unresolvedSinks"), std::string::npos) << clean.out;
}

// A CI job fails only on new findings: a previous JSON or SARIF report given
// with --baseline accepts its findings (by fingerprint, which survives lines
// moving); a new legacy call is still reported; a bad baseline is an error.
TEST(Cli, BaselineAcceptsKnownFindingsAndReportsNewOnes) {
  TempDir repo;
  const std::string head = "#include <openssl/ssl.h>\n";
  const std::string known = "void a(SSL_CTX *c) { SSL_CTX_set_min_proto_version(c, TLS1_VERSION); }\n";
  writeFile(repo.file("net.c"), head + known);
  for (const char *format : {"json", "sarif"}) {
    std::string base = std::string("base.") + format;
    RunResult first = runTool({"scan", "--format", format, "-o", base, "net.c"}, repo.path);
    ASSERT_EQ(first.exitCode, 1) << first.err;
    // Unrelated lines move the known call down: still accepted.
    writeFile(repo.file("net.c"), head + "/* moved */\n\n" + known);
    RunResult same = runTool({"scan", "--format", "json", "--baseline", base, "net.c"}, repo.path);
    EXPECT_EQ(same.exitCode, 0) << format << "\n" << same.out;
    llvm::json::Value sameDoc = parseJson(same.out);
    EXPECT_TRUE(findingsOf(sameDoc).empty()) << same.out;
    EXPECT_EQ(sameDoc.getAsObject()->getObject("stats")->getInteger("baselineFindings"), 1) << same.out;
    // A new legacy call is reported.
    writeFile(repo.file("net.c"), head + known +
                                      "void b(SSL_CTX *c) { SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION); }\n");
    RunResult added = runTool({"scan", "--format", "json", "--baseline", base, "net.c"}, repo.path);
    EXPECT_EQ(added.exitCode, 1) << format << "\n" << added.out;
    llvm::json::Value addedDoc = parseJson(added.out);
    ASSERT_EQ(findingsOf(addedDoc).size(), 1u) << added.out;
    EXPECT_EQ(str(*findingsOf(addedDoc)[0].getAsObject(), "ruleId"), "openssl/max-below-floor");
    writeFile(repo.file("net.c"), head + known);
  }
  writeFile(repo.file("bad.json"), "not json");
  RunResult bad = runTool({"scan", "--baseline", "bad.json", "net.c"}, repo.path);
  EXPECT_EQ(bad.exitCode, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("baseline"), std::string::npos) << bad.err;
}
