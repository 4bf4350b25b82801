// The findings model: protocols, version ordering, fingerprints, ordering.
#include <gtest/gtest.h>

#include "tlsfloor/findings/model.h"
#include "tlsfloor/patterns/knowledge.h"

using namespace tlsfloor;

TEST(Protocol, ParsesCommandLineAndPackSpellings) {
  EXPECT_EQ(parseProtocol("1.2"), Protocol::TLS1_2);
  EXPECT_EQ(parseProtocol("TLS1.0"), Protocol::TLS1_0);
  EXPECT_EQ(parseProtocol("TLSv1"), Protocol::TLS1_0);
  EXPECT_EQ(parseProtocol("SSLv3"), Protocol::SSLv3);
  EXPECT_EQ(parseProtocol("DTLS1.2"), Protocol::DTLS1_2);
  EXPECT_FALSE(parseProtocol("TLS9"));
}

TEST(Protocol, DtlsRanksWithTheTlsVersionItIsBuiltOn) {
  EXPECT_TRUE(belowFloor(Protocol::DTLS1_0, Protocol::TLS1_2));
  EXPECT_FALSE(belowFloor(Protocol::DTLS1_2, Protocol::TLS1_2));
  EXPECT_TRUE(belowFloor(Protocol::TLS1_1, Protocol::TLS1_2));
  EXPECT_FALSE(belowFloor(Protocol::TLS1_0, Protocol::TLS1_0));
  EXPECT_TRUE(belowFloor(Protocol::TLS1_2, Protocol::TLS1_3));
}

TEST(Versions, OpenSslLetterReleasesOrder) {
  using patterns::compareVersions;
  EXPECT_LT(compareVersions("0.9.8zh", "1.0.1"), 0);
  EXPECT_LT(compareVersions("1.0.0t", "1.0.1"), 0);
  EXPECT_EQ(compareVersions("1.0.1", "1.0.1"), 0);
  EXPECT_GT(compareVersions("1.0.1a", "1.0.1"), 0);
  EXPECT_GT(compareVersions("1.0.1za", "1.0.1z"), 0);
  EXPECT_GT(compareVersions("1.0.10", "1.0.9"), 0);
  EXPECT_GT(compareVersions("3.0.0", "1.1.1w"), 0);
  EXPECT_EQ(compareVersions("1.0.2k-fips", "1.0.2k"), 0);
}

namespace {
Finding sourceFinding(unsigned line, const std::string &basis) {
  Finding f;
  f.ruleId = "openssl/legacy-method";
  f.location.chain = {"src/net.c"};
  f.location.line = line;
  f.location.column = 3;
  f.fingerprintBasis = basis;
  return f;
}
} // namespace

TEST(Fingerprint, StableWhenUnrelatedLinesMove) {
  ScanReport before, after;
  before.findings = {sourceFinding(10, "SSL_CTX_new(TLSv1_method());")};
  after.findings = {sourceFinding(42, "SSL_CTX_new(TLSv1_method());")};
  before.finalize();
  after.finalize();
  EXPECT_EQ(before.findings[0].fingerprint, after.findings[0].fingerprint);
  EXPECT_EQ(before.findings[0].fingerprint.size(), 32u);
}

TEST(Fingerprint, ChangesWithContentAndSeparatesIdenticalLines) {
  ScanReport a, b;
  a.findings = {sourceFinding(10, "SSL_CTX_new(TLSv1_method());")};
  b.findings = {sourceFinding(10, "SSL_CTX_new(TLSv1_1_method());")};
  a.finalize();
  b.finalize();
  EXPECT_NE(a.findings[0].fingerprint, b.findings[0].fingerprint);

  ScanReport twice;
  twice.findings = {sourceFinding(10, "x();"), sourceFinding(20, "x();")};
  twice.finalize();
  EXPECT_NE(twice.findings[0].fingerprint, twice.findings[1].fingerprint);
}

TEST(Report, FinalizeSortsAndDeduplicates) {
  ScanReport r;
  r.findings = {sourceFinding(20, "b"), sourceFinding(10, "a"), sourceFinding(10, "a")};
  r.diagnostics = {{Diagnostic::Kind::Incomplete, "z.c", "m"},
                   {Diagnostic::Kind::Info, "a.c", "m"}};
  r.finalize();
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].location.line, 10u);
  EXPECT_EQ(r.diagnostics[0].input, "a.c");
  EXPECT_TRUE(r.incomplete());
}

TEST(Location, DisplaysNestedChains) {
  Location l;
  l.chain = {"bundle.tgz", "node.tar.gz", "bin/node"};
  l.offset = 0x3f20;
  EXPECT_EQ(l.displayPath(), "bundle.tgz!node.tar.gz!bin/node");
  EXPECT_EQ(l.file(), "bundle.tgz");
  EXPECT_FALSE(l.isSource());
}
