// The decision about an identified component, on made-up components and
// versions (no binary involved): which rule a version earns against the floor.
#include <gtest/gtest.h>

#include "tlsfloor/binscan/verdict.h"

using tlsfloor::Protocol;
using tlsfloor::binscan::judgeComponent;
using tlsfloor::patterns::Component;

namespace {
Component runtime() {
  Component c;
  c.id = "rt";
  c.name = "Runtime";
  c.tls12Since = "1.7";
  c.tls12Source = "s12";
  c.tls12DefaultSince = "1.8";
  c.tls12DefaultSource = "s12d";
  c.tls13Since = "1.8.0_261";
  c.tls13Source = "s13";
  return c;
}
std::string rule(const Component &c, const std::string &v, Protocol floor = Protocol::TLS1_2,
                 bool lowerBound = false) {
  return judgeComponent(c, v, lowerBound, floor).ruleId;
}
} // namespace

TEST(Verdict, OlderThanTls12IsAnErrorWithItsSource) {
  auto v = judgeComponent(runtime(), "1.6.0_45", false, Protocol::TLS1_2);
  EXPECT_EQ(v.ruleId, "binary/component-without-tls12");
  EXPECT_EQ(v.since, "1.7");
  EXPECT_EQ(v.source, "s12");
  EXPECT_TRUE(v.actionable);
}

TEST(Verdict, CapableButNotByDefaultIsAWarning) {
  EXPECT_EQ(rule(runtime(), "1.7.0_80"), "binary/component-legacy-default");
  EXPECT_EQ(rule(runtime(), "1.7"), "binary/component-legacy-default");
  EXPECT_EQ(rule(runtime(), "1.8.0_5"), "binary/component-inventory");
  EXPECT_EQ(rule(runtime(), "17.0.21.1"), "binary/component-inventory");
}

TEST(Verdict, ATls13FloorUsesTheFirstReleaseWithTls13) {
  EXPECT_EQ(rule(runtime(), "1.8.0_202", Protocol::TLS1_3), "binary/component-without-tls13");
  EXPECT_EQ(rule(runtime(), "1.8.0_261", Protocol::TLS1_3), "binary/component-inventory");
  EXPECT_EQ(rule(runtime(), "11.0.2", Protocol::TLS1_3), "binary/component-inventory");
  // Below TLS 1.2 it is still the TLS 1.2 error.
  EXPECT_EQ(rule(runtime(), "1.6.0_45", Protocol::TLS1_3), "binary/component-without-tls12");
  // Without a cited first TLS 1.3 release nothing is claimed.
  Component c = runtime();
  c.tls13Since.clear();
  EXPECT_EQ(rule(c, "1.7.0_80", Protocol::TLS1_3), "binary/component-inventory");
}

TEST(Verdict, UnknownOrLowerBoundVersionsClaimNothing) {
  EXPECT_EQ(rule(runtime(), ""), "binary/component-inventory");
  EXPECT_EQ(rule(runtime(), "1.0", Protocol::TLS1_2, /*lowerBound=*/true),
            "binary/component-inventory");
}

TEST(Verdict, AlwaysCapableComponentsAreInventory) {
  Component c;
  c.tls12Since = "0";
  EXPECT_EQ(rule(c, "0.1"), "binary/component-inventory");
  EXPECT_EQ(rule(c, "2.9.19", Protocol::TLS1_3), "binary/component-inventory");
}
