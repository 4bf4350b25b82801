// The analyzer in process: effect handlers and value evaluation on parsed
// snippets (no worker, no CLI), so each handler is pinned by a small case.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.h"
#include "tlsfloor/analyzer/analyzer.h"

using namespace tlsfloor;
using namespace tlsfloor::test;

namespace {

struct Parsed {
  std::vector<Finding> findings;
  std::vector<std::string> unresolved;
  std::vector<Diagnostic> diagnostics;
};

Parsed analyze(const std::string &code, const std::string &name = "snippet.c",
               Protocol floor = Protocol::TLS1_2) {
  static const patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  TempDir dir;
  writeFile(dir.file(name), code);
  analyzer::Analyzer a(kb, analyzer::AnalyzerOptions{floor, false});
  analyzer::SourceJob job{name, dir.file(name), {}, {}};
  analyzer::AnalysisResult r = a.analyze(job);
  return {r.findings, r.unresolved, r.diagnostics};
}

// "rule:line ..." in line order.
std::string rules(const Parsed &p) {
  std::vector<std::pair<unsigned, std::string>> v;
  for (const Finding &f : p.findings)
    v.emplace_back(f.location.line, f.ruleId);
  std::sort(v.begin(), v.end());
  std::string out;
  for (const auto &[line, rule] : v)
    out += (out.empty() ? "" : " ") + rule + ":" + std::to_string(line);
  return out;
}

} // namespace

TEST(Analyzer, OptionsAccumulatedInALocalAreFolded) {
  Parsed p = analyze(R"(#include <openssl/ssl.h>
void f(SSL_CTX *ctx) {
  unsigned long long opts = SSL_OP_NO_SSLv3;
  opts |= SSL_OP_NO_TLSv1;
  SSL_CTX_clear_options(ctx, opts);
}
)");
  EXPECT_EQ(rules(p), "openssl/clear-legacy-option:5");
  for (const std::string &u : p.unresolved)
    ADD_FAILURE() << "unresolved: " << u;
}

TEST(Analyzer, CallsWithArgumentsOfUnknownTypeAreRecovered) {
  // Without the project's header, `Conn` is unknown and `c->cctx` has no
  // type: the compiler keeps the call as an overload set, or drops it; both
  // are found, with medium confidence.
  Parsed p = analyze(R"(#include <openssl/ssl.h>
#include "myproj/net.h"
void g(Conn *c, Other &o) {
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_1_VERSION);
  SSL_CONF_cmd(c->cctx, "MinProtocol", "TLSv1");
  SSL_CTX_set_options(o.ctx(), SSL_OP_NO_TLSv1_2);
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
}
)", "lost.cpp");
  EXPECT_EQ(rules(p), "openssl/min-below-floor:4 openssl/min-below-floor:5 "
                      "openssl/disables-floor-version:6");
  for (const Finding &f : p.findings)
    EXPECT_EQ(f.confidence, "medium") << f.message;
}
