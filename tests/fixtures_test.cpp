// Runs the built CLI over every source fixture and compares its findings
// with the `expect:` annotations written on the lines that must fire; every
// other line (the near-misses) must stay silent. Twice: with the real
// library headers where Debian ships them, and with no system headers at all
// (a pre-commit machine without SDKs: built-in declarations only).
//
//   expect: RULE[@COL][, RULE[@COL]...]   in both modes
//   expect-with-headers: RULE...          only where the value needs the real header
//   expect-without-headers: RULE...       only without headers
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "test_util.h"

using namespace tlsfloor::test;

namespace {

struct Expected {
  std::string where; // path:line rule
  unsigned column = 0; // 0 = any
};

bool isFixtureSource(llvm::StringRef path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  llvm::StringRef name = llvm::sys::path::filename(path);
  return ext == ".c" || ext == ".cpp" || ext == ".cc" || ext == ".h" || ext == ".hpp" ||
         name.starts_with("sdkconfig") || name.ends_with(".conf");
}

std::vector<Expected> annotationsUnder(const std::string &relDir, bool withHeaders,
                                       unsigned &files) {
  std::vector<Expected> out;
  std::error_code ec;
  std::string root = std::string(TLSFLOOR_SOURCE_DIR) + "/";
  const std::regex expect(
      R"(expect(-with-headers|-without-headers)?:\s*([a-z0-9/\-]+(?:@\d+)?(?:\s*,\s*[a-z0-9/\-]+(?:@\d+)?)*))");
  for (llvm::sys::fs::recursive_directory_iterator it(root + relDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (!isFixtureSource(it->path()))
      continue;
    ++files;
    std::string rel = it->path().substr(root.size());
    std::istringstream in(readFile(it->path()));
    std::string line;
    for (unsigned n = 1; std::getline(in, line); ++n) {
      for (std::sregex_iterator m(line.begin(), line.end(), expect), e; m != e; ++m) {
        std::string mode = (*m)[1];
        if ((mode == "-with-headers" && !withHeaders) || (mode == "-without-headers" && withHeaders))
          continue;
        std::string ids = (*m)[2];
        std::regex sep(R"(\s*,\s*)");
        for (std::sregex_token_iterator t(ids.begin(), ids.end(), sep, -1), te; t != te; ++t) {
          std::string id = t->str();
          unsigned col = 0;
          size_t at = id.find('@');
          if (at != std::string::npos) {
            col = static_cast<unsigned>(std::stoul(id.substr(at + 1)));
            id = id.substr(0, at);
          }
          out.push_back({rel + ":" + std::to_string(n) + " " + id, col});
        }
      }
    }
  }
  return out;
}

void checkMode(bool withHeaders) {
  unsigned files = 0;
  std::vector<Expected> expected = annotationsUnder("fixtures/source", withHeaders, files);
  ASSERT_GE(files, 5u);
  ASSERT_GE(expected.size(), 20u) << "the fixtures lost their annotations";

  std::vector<std::string> args{"scan", "--format", "json", "fixtures/source"};
  if (!withHeaders)
    args.insert(args.begin() + 1, "--no-system-headers");
  RunResult r = runTool(args);
  ASSERT_EQ(r.exitCode, 1) << r.err << r.out.substr(0, 4000); // findings at warning and above
  llvm::json::Value report = parseJson(r.out);
  for (const llvm::json::Value &d : diagnosticsOf(report)) // "info" may name a compile DB
    EXPECT_NE(str(*d.getAsObject(), "kind"), "incomplete")
        << "fixtures must be understood: " << str(*d.getAsObject(), "input") << ": "
        << str(*d.getAsObject(), "message");

  // Actual findings: "path:line rule" -> columns.
  std::multimap<std::string, unsigned> actual;
  for (const llvm::json::Value &v : findingsOf(report)) {
    const llvm::json::Object &f = *v.getAsObject();
    const llvm::json::Object &loc = *f.getObject("location");
    actual.emplace(str(loc, "path") + ":" + std::to_string(*loc.getInteger("line")) + " " +
                       str(f, "ruleId"),
                   static_cast<unsigned>(loc.getInteger("column").value_or(0)));
  }
  // Column-pinned expectations first, then the others take any column.
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Expected &a, const Expected &b) { return a.column > b.column; });
  std::string missing;
  for (const Expected &e : expected) {
    auto range = actual.equal_range(e.where);
    auto hit = range.second;
    for (auto it = range.first; it != range.second; ++it)
      if (e.column == 0 || it->second == e.column) {
        hit = it;
        break;
      }
    if (hit == range.second) {
      std::string cols;
      for (auto it = range.first; it != range.second; ++it)
        cols += " " + std::to_string(it->second);
      missing += "  " + e.where + (e.column ? "@" + std::to_string(e.column) : "") +
                 (cols.empty() ? "" : " (reported at column" + cols + ")") + "\n";
      continue;
    }
    actual.erase(hit);
  }
  std::string unexpected;
  for (const auto &[where, col] : actual)
    unexpected += "  " + where + "@" + std::to_string(col) + "\n";
  EXPECT_TRUE(missing.empty()) << (withHeaders ? "[with headers] " : "[no headers] ")
                               << "expected but not reported:\n" << missing;
  EXPECT_TRUE(unexpected.empty()) << (withHeaders ? "[with headers] " : "[no headers] ")
                                  << "reported but not expected:\n" << unexpected;
}

} // namespace

TEST(Fixtures, SourceFindingsMatchAnnotationsWithRealHeaders) { checkMode(true); }

TEST(Fixtures, SourceFindingsMatchAnnotationsWithoutAnyHeaders) { checkMode(false); }

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
