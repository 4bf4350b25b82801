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
  SSL_CTX_set_options(o.ctx(), SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
}
)", "lost.cpp");
  EXPECT_EQ(rules(p), "openssl/min-below-floor:4 openssl/min-below-floor:5 "
                      "openssl/disables-floor-version:6");
  for (const Finding &f : p.findings)
    EXPECT_EQ(f.confidence, "medium") << f.message;
}

TEST(Analyzer, RecoveryNeverReadsMacrosOrOtherOptionsAsSinks) {
  // With OpenSSL 3, SSLv23_client_method is a macro for TLS_client_method:
  // the compiler kept that call, so recovery must not report the macro's
  // name. A lost curl_easy_setopt with another option is no TLS setting.
  Parsed p = analyze(R"(#include <openssl/ssl.h>
#include <curl/curl.h>
#include "myproj/net.h"
void g(Conn *c) {
  SSL_CTX *ctx = SSL_CTX_new(SSLv23_client_method());
  SSL_set_fd(c->ssl, c->fd);
  curl_easy_setopt(c->h, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(c->h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1);
  SSL_CTX_free(ctx);
}
)", "recovery.cpp");
  // (The context itself is version-flexible with no minimum: a note.)
  EXPECT_EQ(rules(p), "openssl/no-floor:5 curl/sslversion-below-floor:8");
}

TEST(Analyzer, OptionsThatLeaveTls11OnAreAFloor) {
  Parsed p = analyze(R"(#include <openssl/ssl.h>
void f(SSL_CTX *ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1);
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);   /* one hardening bit: no floor */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1); /* likewise */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2); /* TLS 1.3 stays on: not a cap */
}
)");
  EXPECT_EQ(rules(p), "openssl/min-below-floor:3");
  ASSERT_EQ(p.findings.size(), 1u);
  EXPECT_NE(p.findings[0].message.find("TLS 1.1"), std::string::npos) << p.findings[0].message;
}

TEST(Analyzer, WithoutABuildProjectFeatureMacrosAndImpliedLibrariesAreWidened) {
  // The project's config.h and its TLS header are missing: USE_OPENSSL and
  // WITH_GNUTLS are undefined and OpenSSL is never included, so the first
  // parse sees no TLS code at all, and the "library older than 1.1.0"
  // branch looks active. The widened parse defines the feature macros,
  // includes the libraries the file uses, and keeps the legacy branch and
  // negative switches inactive.
  Parsed p = analyze(R"(#include "config.h"
#include "myproj/tls.h"
#ifdef USE_OPENSSL
static int setup(struct myconn *c) {
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_VERSION);
  return 0;
}
#endif
#if defined(WITH_GNUTLS) && !defined(CURL_DISABLE_TLS)
static void g(gnutls_session_t s) { gnutls_priority_set_direct(s, "NORMAL:+VERS-TLS1.0", 0); }
#endif
#ifdef CURL_DISABLE_TLS
static void h(SSL_CTX *c) { SSL_CTX_set_max_proto_version(c, TLS1_VERSION); }
#endif
#if OPENSSL_VERSION_NUMBER < 0x10100000L
static void old(void) { SSL_CTX_new(TLSv1_method()); }
#endif
)", "net.c");
  EXPECT_EQ(rules(p), "openssl/min-below-floor:5 gnutls/priority-legacy:10");
  bool said = false;
  for (const Diagnostic &d : p.diagnostics)
    said = said || d.message.find("USE_OPENSSL") != std::string::npos;
  EXPECT_TRUE(said) << "the info diagnostic names the macros it assumed";
}

TEST(Analyzer, AProjectAliasOfTheLibraryVersionMacroStandsForIt) {
  // HA_OPENSSL_VERSION_NUMBER comes from a missing project header: compared
  // as 0 it would turn the "older than 1.1.0" branch on and the real one off.
  Parsed p = analyze(R"(#include "project/openssl-compat.h"
#include <openssl/ssl.h>
void set(SSL_CTX *ctx) {
#if (HA_OPENSSL_VERSION_NUMBER < 0x1010000fL)
  SSL_CTX_new(TLSv1_method());
#else
  SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
#endif
}
)", "alias.c");
  EXPECT_EQ(rules(p), "openssl/min-below-floor:7");
}
TEST(Analyzer, OptionsTurnedOffOverSeveralCallsOnOneObjectAreFolded) {
  // Each call alone leaves TLS 1.3 or TLS 1.2 on; together they cap the
  // connection. Folded only where the later call always runs after the
  // earlier one: straight-line code, and a switch falling through its cases
  // (lighttpd's max-version switch); not calls under separate conditions,
  // cases ended by `break`, or another object.
  Parsed p = analyze(R"(#include <openssl/ssl.h>
void straight(SSL_CTX *ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
}
void reversed(SSL_CTX *ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
}
void fallthrough(SSL_CTX *ctx, int max) {
  switch (max) {
  case 1:
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
    /* fall through */
  case 2:
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
    /* fall through */
  case 3:
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
  default:
    break;
  }
}
void conditions(SSL_CTX *ctx, int p) {
  if (!(p & 4)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
  if (!(p & 8)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
}
void breaks(SSL_CTX *ctx, SSL_CTX *other, int max) {
  switch (max) {
  case 2:
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
    break;
  case 3:
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
    break;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
  SSL_CTX_set_options(other, SSL_OP_NO_TLSv1_3);
}
void labelled(SSL_CTX *ctx, int retry) {
  if (retry) goto again;
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
again:
  SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
}
)", "sequences.c");
  EXPECT_EQ(rules(p), "openssl/disables-floor-version:3 openssl/disables-floor-version:8 "
                      "openssl/disables-floor-version:16");
  for (const Finding &f : p.findings)
    EXPECT_NE(f.evidence.find("with the same object's options on line"), std::string::npos)
        << f.evidence;
}
