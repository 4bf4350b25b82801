#include "tlsfloor/findings/baseline.h"

#include <algorithm>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace tlsfloor {

std::string loadBaseline(const std::string &path, std::set<std::string> &fingerprints) {
  llvm::sys::fs::file_status st;
  if (std::error_code ec = llvm::sys::fs::status(path, st))
    return "cannot read the baseline " + path + ": " + ec.message();
  if (!llvm::sys::fs::is_regular_file(st))
    return "the baseline " + path + " is not a regular file";
  if (st.getSize() > (64u << 20))
    return "the baseline " + path + " is larger than 64 MiB";
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return "cannot read the baseline " + path + ": " + buffer.getError().message();
  llvm::Expected<llvm::json::Value> doc = llvm::json::parse((*buffer)->getBuffer());
  if (!doc) {
    std::string why = llvm::toString(doc.takeError());
    return "the baseline " + path + " is not JSON: " + why;
  }
  const llvm::json::Object *root = doc->getAsObject();
  if (!root)
    return "the baseline " + path + " is not a tlsfloor JSON or SARIF report";
  auto add = [&](const llvm::json::Value *v) {
    if (v)
      if (auto s = v->getAsString())
        fingerprints.insert(s->str());
  };
  if (const llvm::json::Array *findings = root->getArray("findings")) {
    for (const llvm::json::Value &f : *findings)
      if (const llvm::json::Object *o = f.getAsObject())
        add(o->get("fingerprint"));
    return "";
  }
  if (const llvm::json::Array *runs = root->getArray("runs")) {
    for (const llvm::json::Value &run : *runs)
      if (const llvm::json::Object *r = run.getAsObject())
        if (const llvm::json::Array *results = r->getArray("results"))
          for (const llvm::json::Value &res : *results)
            if (const llvm::json::Object *o = res.getAsObject())
              if (const llvm::json::Object *p = o->getObject("partialFingerprints"))
                add(p->get("tlsfloorFingerprint/v1"));
    return "";
  }
  return "the baseline " + path + " is not a tlsfloor JSON or SARIF report";
}

void applyBaseline(ScanReport &report, const std::set<std::string> &fingerprints) {
  auto known = [&](const Finding &f) { return fingerprints.count(f.fingerprint) > 0; };
  auto kept = std::remove_if(report.findings.begin(), report.findings.end(), known);
  report.stats.baselineFindings +=
      static_cast<unsigned>(std::distance(kept, report.findings.end()));
  report.findings.erase(kept, report.findings.end());
}

} // namespace tlsfloor
