#include "tlsfloor/binscan/binscan.h"

#include <memory>
#include <set>

#include "llvm/BinaryFormat/Magic.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"
#include "re2/re2.h"

namespace tlsfloor::binscan {

using patterns::Component;

struct BinaryScanner::Compiled {
  const Component *component;
  std::vector<std::unique_ptr<RE2>> versionRegexes; // parallel to versionPatterns
  std::vector<std::unique_ptr<RE2>> symbolVersionRegexes;
  std::set<std::string> symbols;
};

namespace {

RE2::Options latin1() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  return o;
}

std::string describeFormat(llvm::file_magic m) {
  using llvm::file_magic;
  switch (m) {
  case file_magic::elf:
  case file_magic::elf_relocatable:
  case file_magic::elf_executable:
  case file_magic::elf_shared_object:
  case file_magic::elf_core:
    return "elf";
  case file_magic::coff_object:
  case file_magic::pecoff_executable:
    return "pe";
  case file_magic::macho_object:
  case file_magic::macho_executable:
  case file_magic::macho_fixed_virtual_memory_shared_lib:
  case file_magic::macho_core:
  case file_magic::macho_preload_executable:
  case file_magic::macho_dynamically_linked_shared_lib:
  case file_magic::macho_dynamic_linker:
  case file_magic::macho_bundle:
  case file_magic::macho_dynamically_linked_shared_lib_stub:
  case file_magic::macho_dsym_companion:
  case file_magic::macho_kext_bundle:
  case file_magic::macho_universal_binary:
  case file_magic::macho_file_set:
    return "macho";
  default:
    return "raw";
  }
}

// What the object file says about symbols.
struct SymbolFacts {
  std::set<std::string> defined;
  std::set<std::string> undefined;
  std::set<std::string> versionDefs;  // ELF verdef names (this file provides)
  std::set<std::string> versionNeeds; // ELF verneed names (this file requires)
};

// Adds one symbol; false when the table is malformed (the caller stops
// reading it: a corrupt count could otherwise mean billions of bad entries).
bool addSymbol(const llvm::object::SymbolRef &sym, SymbolFacts &facts) {
  llvm::Expected<llvm::StringRef> name = sym.getName();
  if (!name) {
    llvm::consumeError(name.takeError());
    return false;
  }
  llvm::Expected<uint32_t> flags = sym.getFlags();
  if (!flags) {
    llvm::consumeError(flags.takeError());
    return false;
  }
  if (name->empty())
    return true;
  if (*flags & llvm::object::SymbolRef::SF_Undefined)
    facts.undefined.insert(name->str());
  else
    facts.defined.insert(name->str());
  return true;
}

template <typename Range> bool addSymbols(const Range &symbols, SymbolFacts &facts) {
  for (const llvm::object::SymbolRef &sym : symbols)
    if (!addSymbol(sym, facts))
      return false;
  return true;
}

// Reads symbols; returns what was malformed ("" if nothing).
std::string readSymbols(const llvm::object::ObjectFile &obj, SymbolFacts &facts) {
  std::vector<std::string> problems;
  if (!addSymbols(obj.symbols(), facts))
    problems.push_back("malformed symbol table (read up to the first bad entry)");
  if (const auto *elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(&obj)) {
    if (!addSymbols(elf->getDynamicSymbolIterators(), facts))
      problems.push_back("malformed dynamic symbol table (read up to the first bad entry)");
    llvm::Expected<std::vector<llvm::object::VersionEntry>> versions = elf->readDynsymVersions();
    if (!versions) {
      problems.push_back("malformed ELF symbol versions: " + llvm::toString(versions.takeError()));
    } else {
      for (const llvm::object::VersionEntry &v : *versions)
        if (!v.Name.empty())
          (v.IsVerDef ? facts.versionDefs : facts.versionNeeds).insert(v.Name);
    }
  }
  std::string out;
  for (const std::string &p : problems)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

struct TextMatch {
  std::string version;
  std::string text;
  uint64_t offset = 0;
  bool implementation = false;
};

std::string normaliseVersion(std::string v) {
  for (char &c : v)
    if (c == '_')
      c = '.';
  return v;
}

} // namespace

bool looksLikeObjectFile(llvm::StringRef head) {
  return describeFormat(llvm::identify_magic(head)) != "raw";
}

BinaryScanner::BinaryScanner(const patterns::KnowledgeBase &kb, BinscanOptions options)
    : kb_(kb), options_(options), compiled_(new std::vector<Compiled>) {
  for (const Component &c : kb_.components()) {
    Compiled comp;
    comp.component = &c;
    for (const patterns::VersionPattern &p : c.versionPatterns)
      comp.versionRegexes.push_back(std::make_unique<RE2>(p.regex, latin1()));
    for (const std::string &p : c.symbolVersions)
      comp.symbolVersionRegexes.push_back(std::make_unique<RE2>(p, latin1()));
    comp.symbols.insert(c.symbols.begin(), c.symbols.end());
    compiled_->push_back(std::move(comp));
  }
}

BinaryScanner::~BinaryScanner() { delete compiled_; }

BinaryResult BinaryScanner::scanFile(const std::vector<std::string> &chain,
                                     const std::string &path) const {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    BinaryResult r;
    r.diagnostics.push_back({Diagnostic::Kind::Incomplete, chain.empty() ? path : chain.back(),
                             "cannot read: " + buffer.getError().message()});
    return r;
  }
  return scan(chain, (*buffer)->getMemBufferRef());
}

BinaryResult BinaryScanner::scan(const std::vector<std::string> &chain,
                                 llvm::MemoryBufferRef data) const {
  BinaryResult result;
  std::string display;
  for (const std::string &c : chain)
    display += (display.empty() ? "" : "!") + c;
  llvm::StringRef bytes = data.getBuffer();
  llvm::file_magic magic = llvm::identify_magic(bytes);
  result.format = describeFormat(magic);

  SymbolFacts facts;
  if (result.format != "raw") {
    llvm::Expected<std::unique_ptr<llvm::object::ObjectFile>> obj =
        llvm::object::ObjectFile::createObjectFile(data, magic);
    if (!obj) {
      std::string msg = llvm::toString(obj.takeError());
      result.diagnostics.push_back(
          {Diagnostic::Kind::Incomplete, display,
           "malformed " + result.format + " file (" + msg + "); scanned as raw bytes only"});
    } else {
      std::string problem = readSymbols(**obj, facts);
      if (!problem.empty())
        result.diagnostics.push_back({Diagnostic::Kind::Incomplete, display, problem});
    }
  }

  re2::StringPiece text(bytes.data(), bytes.size());
  for (const Compiled &comp : *compiled_) {
    const Component &c = *comp.component;
    std::vector<TextMatch> matches;
    for (size_t i = 0; i < comp.versionRegexes.size(); ++i) {
      const RE2 &re = *comp.versionRegexes[i];
      re2::StringPiece groups[2];
      size_t pos = 0;
      while (pos < text.size() &&
             re.Match(text, pos, text.size(), RE2::UNANCHORED, groups, 2)) {
        TextMatch m;
        m.version = std::string(groups[1].data(), groups[1].size());
        m.text = std::string(groups[0].data(), groups[0].size());
        m.offset = static_cast<uint64_t>(groups[0].data() - text.data());
        m.implementation = c.versionPatterns[i].strength == "implementation";
        matches.push_back(std::move(m));
        size_t next = static_cast<size_t>(groups[0].data() - text.data()) + groups[0].size();
        pos = next > pos ? next : pos + 1;
      }
    }
    unsigned definedHits = 0, importedHits = 0;
    for (const std::string &s : comp.symbols) {
      definedHits += facts.defined.count(s);
      importedHits += facts.undefined.count(s);
    }
    // Highest version node: {version, node name}.
    auto bestNode = [&](const std::set<std::string> &names) {
      std::pair<std::string, std::string> best;
      for (const std::string &n : names)
        for (const auto &re : comp.symbolVersionRegexes) {
          std::string v;
          if (RE2::FullMatch(n, *re, &v)) {
            v = normaliseVersion(v);
            if (best.first.empty() || patterns::compareVersions(v, best.first) > 0)
              best = {v, n};
          }
        }
      return best;
    };
    std::string definedNode = bestNode(facts.versionDefs).first;
    const TextMatch *implText = nullptr, *mentionText = nullptr;
    for (const TextMatch &m : matches) {
      if (m.implementation && !implText)
        implText = &m;
      if (!m.implementation && !mentionText)
        mentionText = &m;
    }

    bool embeds = definedHits >= c.minSymbols || implText || !definedNode.empty();
    bool links = !embeds && importedHits >= 1;
    if (!embeds && !links)
      continue; // at most a mention: a program that prints a version string

    Finding f;
    f.component = c.name;
    f.location.chain = chain;
    std::string how = embeds ? "embeds" : "links";
    bool lowerBound = false;
    if (embeds && (implText || mentionText)) {
      const TextMatch *m = implText ? implText : mentionText;
      f.version = m->version;
      f.evidence = m->text;
      f.location.offset = m->offset;
    } else {
      auto node = bestNode(embeds ? facts.versionDefs : facts.versionNeeds);
      if (!node.first.empty()) {
        f.version = node.first;
        lowerBound = true;
        f.evidence = std::string(embeds ? "defines" : "needs") + " ELF symbol version " +
                     node.second;
      }
    }
    std::string shownVersion = f.version.empty() ? "(version unknown)"
                                                 : (lowerBound ? ">= " : "") + f.version;
    bool tooOld = !f.version.empty() && !lowerBound &&
                  patterns::compareVersions(f.version, c.tls12Since) < 0;
    // A floor above TLS 1.2 is not decided by "has TLS 1.2"; keep to inventory.
    f.ruleId = tooOld ? "binary/component-without-tls12" : "binary/component-inventory";
    const RuleInfo *rule = kb_.rule(f.ruleId);
    f.severity = rule ? rule->severity : Severity::Note;
    f.message = patterns::expandTemplate(kb_.messageTemplate(f.ruleId),
                                         {{"how", how},
                                          {"component", c.name},
                                          {"version", shownVersion},
                                          {"since", c.tls12Since}});
    if (tooOld)
      f.fixHint = c.fix + " (" + c.tls12Source + ")";
    f.value = how + (definedHits ? ", " + std::to_string(definedHits) + " implementation symbol(s)"
                                 : std::string())
                  + (importedHits && !embeds ? ", " + std::to_string(importedHits) + " imported symbol(s)"
                                             : std::string());
    f.fingerprintBasis = c.id + '\0' + how + '\0' + f.version;
    result.findings.push_back(std::move(f));
  }
  return result;
}

} // namespace tlsfloor::binscan
