// patterns/: the embedded packs load and validate; a pack with an error is
// refused with its name; a user pack adds an API with data only.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tlsfloor/patterns/knowledge.h"

using namespace tlsfloor;
using namespace tlsfloor::test;

TEST(Patterns, BuiltinPacksLoadAndCiteSources) {
  patterns::KnowledgeBase kb = patterns::KnowledgeBase::builtin();
  std::string error;
  EXPECT_TRUE(kb.validate(error)) << error;
  EXPECT_GE(kb.rules().size(), 6u);
  EXPECT_GE(kb.apis().size(), 10u);
  ASSERT_FALSE(kb.components().empty());
  for (const patterns::ApiModel &a : kb.apis())
    EXPECT_FALSE(a.sources.empty()) << a.api << " has no source";
  ASSERT_GE(kb.components().size(), 8u);
  for (const patterns::Component &c : kb.components())
    EXPECT_GE(c.tls12Source.size(), 20u) << c.id << " must cite where tls12_since comes from";
  const patterns::Scale *s = kb.scale("openssl-version");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->lookup(0x0301));
  EXPECT_EQ(s->lookup(0x0301)->name, "TLS1_VERSION");
}

TEST(Patterns, RejectsBadPacksWithTheirName) {
  patterns::KnowledgeBase kb;
  std::string error;
  EXPECT_FALSE(kb.addPack("rules: [ {id: x} ]", "mine.yaml", error));
  EXPECT_NE(error.find("mine.yaml"), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(kb.addPack("apis:\n  - {rule: r, api: a, functions: [f], effect: explode, fix: x, "
                          "sources: [s]}\n",
                          "effects.yaml", error));
  EXPECT_NE(error.find("unknown effect"), std::string::npos) << error;

  patterns::KnowledgeBase kb2 = patterns::KnowledgeBase::builtin();
  error.clear();
  ASSERT_TRUE(kb2.addPack("apis:\n  - {rule: no/such-rule, api: a, functions: [f], effect: "
                          "selects, protocol: TLS1.0, fix: x, sources: [s]}\n",
                          "dangling.yaml", error))
      << error;
  EXPECT_FALSE(kb2.validate(error));
  EXPECT_NE(error.find("no/such-rule"), std::string::npos) << error;
}

TEST(Patterns, UserPackAddsAnApiWithoutCode) {
  TempDir dir;
  writeFile(dir.file("pack.yaml"), R"(rules:
  - id: acme/legacy-init
    name: AcmeLegacyInit
    severity: error
    family: select
    summary: ACME's TLS 1.0 init.
    description: acme_tls10_init pins TLS 1.0.
    help: Use acme_tls_init.
    message: "{api} selects {protocol} only"
apis:
  - rule: acme/legacy-init
    api: acme_tls10_init
    functions: [acme_tls10_init]
    effect: selects
    protocol: TLS1.0
    fix: "call acme_tls_init"
    sources: ["ACME SDK docs"]
)");
  writeFile(dir.file("use.c"), "void acme_tls10_init(void);\nvoid acme_tls_init(void);\n"
                               "void f(void) {\n  acme_tls10_init();\n  acme_tls_init();\n}\n");
  RunResult r = runTool({"scan", "--format", "json", "--rules", dir.file("pack.yaml"),
                         dir.file("use.c")});
  llvm::json::Value report = parseJson(r.out);
  ASSERT_EQ(findingsOf(report).size(), 1u) << r.out << r.err;
  const llvm::json::Object &f = *findingsOf(report)[0].getAsObject();
  EXPECT_EQ(str(f, "ruleId"), "acme/legacy-init");
  EXPECT_EQ(*f.getObject("location")->getInteger("line"), 4);
  EXPECT_EQ(r.exitCode, 1);

  RunResult rules = runTool({"rules", "--rules", dir.file("pack.yaml")});
  EXPECT_NE(rules.out.find("acme/legacy-init"), std::string::npos);
}
