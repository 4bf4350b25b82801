// Runs the built CLI over every source fixture and compares its findings
// with the `expect: RULE` annotations written on the lines that must fire.
// Every other line (the near-misses) must stay silent.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "test_util.h"

using namespace tlsfloor::test;

namespace {

// "path:line rule" -> count
using Expectations = std::map<std::string, int>;

Expectations annotationsUnder(const std::string &relDir, unsigned &files) {
  Expectations out;
  std::error_code ec;
  std::string root = std::string(TLSFLOOR_SOURCE_DIR) + "/";
  const std::regex expect(R"(expect:\s*([a-z0-9/\-]+(?:\s*,\s*[a-z0-9/\-]+)*))");
  for (llvm::sys::fs::recursive_directory_iterator it(root + relDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef ext = llvm::sys::path::extension(it->path());
    if (ext != ".c" && ext != ".cpp" && ext != ".cc")
      continue;
    ++files;
    std::string rel = it->path().substr(root.size());
    std::istringstream in(readFile(it->path()));
    std::string line;
    for (unsigned n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, expect))
        continue;
      std::string ids = m[1];
      std::regex sep(R"(\s*,\s*)");
      for (std::sregex_token_iterator t(ids.begin(), ids.end(), sep, -1), e; t != e; ++t)
        ++out[rel + ":" + std::to_string(n) + " " + t->str()];
    }
  }
  return out;
}

std::string describe(const Expectations &e) {
  std::string s;
  for (const auto &[k, n] : e)
    s += "  " + k + (n > 1 ? " x" + std::to_string(n) : "") + "\n";
  return s.empty() ? "  (none)\n" : s;
}

} // namespace

TEST(Fixtures, SourceFindingsMatchAnnotationsExactly) {
  unsigned files = 0;
  Expectations expected = annotationsUnder("fixtures/source", files);
  ASSERT_GE(files, 5u);
  ASSERT_GE(expected.size(), 20u) << "the fixtures lost their annotations";

  RunResult r = runTool({"scan", "--format", "json", "fixtures/source"});
  ASSERT_EQ(r.exitCode, 1) << r.err << r.out; // findings at warning and above
  llvm::json::Value report = parseJson(r.out);
  for (const llvm::json::Value &d : diagnosticsOf(report)) // "info" may name a compile DB
    EXPECT_NE(str(*d.getAsObject(), "kind"), "incomplete") << "fixtures must parse:\n" << r.out;

  Expectations actual;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    const llvm::json::Object &loc = *f.getObject("location");
    ++actual[str(loc, "path") + ":" + std::to_string(*loc.getInteger("line")) + " " +
             str(f, "ruleId")];
  }
  Expectations missing, unexpected;
  for (const auto &[k, n] : expected)
    if (actual[k] < n)
      missing[k] = n - actual[k];
  for (const auto &[k, n] : actual)
    if (n > expected[k])
      unexpected[k] = n - expected[k];
  EXPECT_TRUE(missing.empty()) << "expected but not reported:\n" << describe(missing);
  EXPECT_TRUE(unexpected.empty()) << "reported but not expected:\n" << describe(unexpected);
}

TEST(Fixtures, MacroSetterIsReportedUnderTheNameTheUserWrote) {
  RunResult r = runTool({"scan", "--format", "json", "fixtures/source/openssl/min_max_proto.c"});
  llvm::json::Value report = parseJson(r.out);
  bool sawMacroName = false;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    if (*f.getObject("location")->getInteger("line") == 9) {
      EXPECT_EQ(str(f, "message").rfind("SSL_CTX_set_min_proto_version sets the minimum", 0), 0u)
          << str(f, "message");
      EXPECT_EQ(str(f, "evidence"), "TLS1_VERSION");
      EXPECT_EQ(*f.getObject("location")->getInteger("column"), 3);
      sawMacroName = true;
    }
  }
  EXPECT_TRUE(sawMacroName) << r.out;
}

TEST(Fixtures, LocalVariableValueIsResolvedThroughItsInitialiser) {
  RunResult r = runTool({"scan", "--format", "json", "fixtures/source/openssl/local_values.c"});
  llvm::json::Value report = parseJson(r.out);
  std::set<std::string> evidence;
  for (const llvm::json::Value &v : findingsOf(report))
    evidence.insert(str(*v.getAsObject(), "evidence"));
  EXPECT_TRUE(evidence.count("v (v = TLS1_VERSION)")) << r.out;
  EXPECT_TRUE(evidence.count("second (second = first = TLS1_1_VERSION)")) << r.out;
}

TEST(Fixtures, FloorOptionMovesTheLine) {
  // With a TLS 1.0 floor, TLS 1.0 and TLS 1.1 settings are fine; SSLv3 is not.
  RunResult r = runTool({"scan", "--format", "json", "--min-tls", "1.0",
                         "fixtures/source/openssl/min_max_proto.c"});
  llvm::json::Value report = parseJson(r.out);
  std::set<int64_t> lines;
  for (const llvm::json::Value &v : findingsOf(report))
    lines.insert(*v.getAsObject()->getObject("location")->getInteger("line"));
  EXPECT_EQ(lines, (std::set<int64_t>{10, 11})) << r.out; // SSL3_VERSION and 0

  // With a TLS 1.3 floor, pinning TLS 1.2 becomes a finding too.
  r = runTool({"scan", "--format", "json", "--min-tls", "1.3",
               "fixtures/source/openssl/legacy_methods.c"});
  report = parseJson(r.out);
  lines.clear();
  for (const llvm::json::Value &v : findingsOf(report))
    lines.insert(*v.getAsObject()->getObject("location")->getInteger("line"));
  EXPECT_TRUE(lines.count(28)) << r.out;
}
