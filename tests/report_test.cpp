// Reporters: compiler-style text, JSON, SARIF 2.1.0 (parsed back and checked
// for the fields GitHub code scanning requires), determinism.
#include <gtest/gtest.h>

#include <regex>

#include "llvm/Support/raw_ostream.h"
#include "test_util.h"
#include "tlsfloor/findings/report.h"
#include "tlsfloor/patterns/knowledge.h"

using namespace tlsfloor;
using namespace tlsfloor::test;

namespace {
ScanReport sampleReport() {
  ScanReport r;
  Finding src;
  src.ruleId = "openssl/min-below-floor";
  src.severity = Severity::Warning;
  src.message = "SSL_CTX_set_min_proto_version sets the minimum protocol to TLS 1.0";
  src.location.chain = {"src/net work.c"};
  src.location.line = 12;
  src.location.column = 5;
  src.evidence = "TLS1_VERSION";
  src.value = "0x301";
  src.fingerprintBasis = "SSL_CTX_set_min_proto_version(ctx,TLS1_VERSION);";
  Finding bin;
  bin.ruleId = "binary/component-without-tls12";
  bin.severity = Severity::Error;
  bin.message = "embeds OpenSSL 0.9.8zh";
  bin.location.chain = {"bundle.tgz", "node.tar.gz", "bin/node"};
  bin.location.offset = 0x3f20;
  bin.component = "OpenSSL";
  bin.version = "0.9.8zh";
  r.findings = {src, bin};
  r.diagnostics = {{Diagnostic::Kind::Incomplete, "broken.c", "source did not compile"}};
  r.finalize();
  return r;
}

std::string render(ReportFormat fmt, const ScanReport &r, const patterns::KnowledgeBase &kb,
                   bool color = false) {
  ReportContext ctx;
  ctx.rules = &kb.rules();
  ctx.toolVersion = "0.1.0";
  ctx.workingDirectory = "/repo";
  ctx.color = color;
  std::string out;
  llvm::raw_string_ostream os(out);
  writeReport(fmt, r, ctx, os);
  os.flush();
  return out;
}
} // namespace

TEST(TextReport, CompilerStyleLinesWithoutColourByDefault) {
  patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  std::string text = render(ReportFormat::Text, sampleReport(), kb);
  EXPECT_NE(text.find("bundle.tgz!node.tar.gz!bin/node:@0x3f20: error: embeds OpenSSL 0.9.8zh "
                      "[binary/component-without-tls12]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("src/net work.c:12:5: warning: SSL_CTX_set_min_proto_version sets the "
                      "minimum protocol to TLS 1.0 [openssl/min-below-floor]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("broken.c: scan-error: source did not compile"), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(render(ReportFormat::Text, sampleReport(), kb, true).find('\x1b'), std::string::npos);
}

TEST(JsonReport, CarriesEveryFindingField) {
  patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  llvm::json::Value v = parseJson(render(ReportFormat::Json, sampleReport(), kb));
  ASSERT_EQ(findingsOf(v).size(), 2u);
  const llvm::json::Object &bin = *findingsOf(v)[0].getAsObject();
  EXPECT_EQ(str(bin, "component"), "OpenSSL");
  EXPECT_EQ(*bin.getObject("location")->getInteger("offset"), 0x3f20);
  EXPECT_EQ(bin.getObject("location")->getArray("chain")->size(), 3u);
  const llvm::json::Object &src = *findingsOf(v)[1].getAsObject();
  EXPECT_EQ(str(src, "evidence"), "TLS1_VERSION");
  EXPECT_EQ(str(src, "fingerprint").size(), 32u);
  EXPECT_EQ(*v.getAsObject()->getBoolean("incomplete"), true);
}

TEST(SarifReport, HasTheFieldsGitHubRequires) {
  patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  llvm::json::Value v = parseJson(render(ReportFormat::Sarif, sampleReport(), kb));
  const llvm::json::Object &log = *v.getAsObject();
  EXPECT_EQ(str(log, "version"), "2.1.0");
  EXPECT_FALSE(str(log, "$schema").empty());
  const llvm::json::Object &run = *(*log.getArray("runs"))[0].getAsObject();
  const llvm::json::Object &driver = *run.getObject("tool")->getObject("driver");
  EXPECT_EQ(str(driver, "name"), "tlsfloor");
  const llvm::json::Array &rules = *driver.getArray("rules");
  ASSERT_EQ(rules.size(), kb.rules().size());
  for (const llvm::json::Value &rv : rules) {
    const llvm::json::Object &r = *rv.getAsObject();
    EXPECT_FALSE(str(r, "id").empty());
    EXPECT_FALSE(str(*r.getObject("shortDescription"), "text").empty());
    EXPECT_FALSE(str(*r.getObject("fullDescription"), "text").empty());
    EXPECT_FALSE(str(*r.getObject("help"), "text").empty());
    EXPECT_FALSE(str(*r.getObject("defaultConfiguration"), "level").empty());
  }
  const llvm::json::Array &results = *run.getArray("results");
  ASSERT_EQ(results.size(), 2u);
  for (const llvm::json::Value &resv : results) {
    const llvm::json::Object &res = *resv.getAsObject();
    EXPECT_FALSE(str(*res.getObject("message"), "text").empty());
    ASSERT_TRUE(res.getInteger("ruleIndex"));
    EXPECT_EQ(str(*rules[*res.getInteger("ruleIndex")].getAsObject(), "id"), str(res, "ruleId"));
    const llvm::json::Object &phys =
        *(*res.getArray("locations"))[0].getAsObject()->getObject("physicalLocation");
    const llvm::json::Object &art = *phys.getObject("artifactLocation");
    EXPECT_EQ(str(art, "uriBaseId"), "%SRCROOT%");
    EXPECT_NE(str(art, "uri").front(), '/') << "URIs must be repo-relative";
    EXPECT_GE(*phys.getObject("region")->getInteger("startLine"), 1);
    EXPECT_TRUE(res.getObject("partialFingerprints"));
  }
  // Spaces are percent-encoded; binaries point at the outermost file.
  const llvm::json::Object &binLoc = *(*(*results[0].getAsObject()).getArray("locations"))[0]
                                          .getAsObject()
                                          ->getObject("physicalLocation");
  EXPECT_EQ(str(*binLoc.getObject("artifactLocation"), "uri"), "bundle.tgz");
  const llvm::json::Object &srcLoc = *(*(*results[1].getAsObject()).getArray("locations"))[0]
                                          .getAsObject()
                                          ->getObject("physicalLocation");
  EXPECT_EQ(str(*srcLoc.getObject("artifactLocation"), "uri"), "src/net%20work.c");
  EXPECT_EQ(*srcLoc.getObject("region")->getInteger("startColumn"), 5);
  // The unscannable input is a tool execution notification; the run failed.
  const llvm::json::Object &inv = *(*run.getArray("invocations"))[0].getAsObject();
  EXPECT_EQ(*inv.getBoolean("executionSuccessful"), false);
  EXPECT_EQ(inv.getArray("toolExecutionNotifications")->size(), 1u);
  EXPECT_EQ(str(*run.getObject("originalUriBaseIds")->getObject("%SRCROOT%"), "uri"),
            "file:///repo/");
}

TEST(SarifReport, RealScanIsValidAndDeterministic) {
  RunResult a = runTool({"scan", "--format", "sarif", "-j", "1", "fixtures"});
  RunResult b = runTool({"scan", "--format", "sarif", "-j", "2", "fixtures"});
  ASSERT_EQ(a.exitCode, 1) << a.err;
  EXPECT_EQ(a.out, b.out) << "same input must give a byte-identical report";
  llvm::json::Value v = parseJson(a.out);
  const llvm::json::Object &run = *(*v.getAsObject()->getArray("runs"))[0].getAsObject();
  EXPECT_GE(run.getArray("results")->size(), 20u);
}

// Control bytes are shown as two hex digits, always.
TEST(TextReport, ControlBytesAreTwoHexDigits) {
  EXPECT_EQ(tlsfloor::escapeControl(std::string("\0", 1)), "\\x00");
  EXPECT_EQ(tlsfloor::escapeControl(std::string("a\x01" "b\x1b[2J\x7f", 8)), "a\\x01b\\x1b[2J\\x7f");
  EXPECT_EQ(tlsfloor::escapeControl("line\nnext"), "line\\nnext");
}
