#include "tlsfloor/binscan/binscan.h"

#include "archive.h"
#include "hex_image.h"
#include "squashfs.h"
#include "tlsfloor/binscan/verdict.h"

#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <set>

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/BinaryFormat/Magic.h"
#include "llvm/Object/Archive.h"
#include "llvm/Object/COFF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/MachO.h"
#include "llvm/Object/MachOUniversal.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace tlsfloor::binscan {

using patterns::Component;

struct BinaryScanner::Compiled {
  const Component *component;
  std::vector<std::unique_ptr<RE2>> versionRegexes; // parallel to versionPatterns
  std::vector<int> setIndex;                        // each one's index in Patterns::versions
  std::vector<std::unique_ptr<RE2>> fileRegexes;    // parallel to files
  std::vector<std::unique_ptr<RE2>> symbolVersionRegexes;
  std::set<std::string> symbols, linkSymbols;
  std::vector<std::unique_ptr<RE2>> requires, optIn;
};

// Every version pattern of every component in one RE2::Set: one pass over
// a file tells which patterns occur at all; only those run again for their
// version. Every file-name pattern in another, matched on member names.
struct BinaryScanner::Patterns {
  std::unique_ptr<RE2::Set> versions;
  std::unique_ptr<RE2::Set> paths;
  std::vector<std::pair<size_t, size_t>> pathOwner; // set index -> (component, file)
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
  case file_magic::archive:
    return "ar";
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
  // ELF dynamic section: libraries it needs, where it looks, its own name.
  std::vector<std::string> needed, runpaths;
  std::string soname;
  bool elf = false;
  bool pe = false; // needed = imported DLL names, lower case
  std::vector<std::pair<std::string, uint16_t>> ordinalImports; // (dll, ordinal)
  std::map<uint32_t, std::string> exportsByOrdinal;
  // A linked program or shared library (not a relocatable object, an
  // import/export file or a static library member): its undefined symbols
  // are imports, resolved at load time.
  bool image = false;
};

// How a format decorates C names: Mach-O and 32-bit x86 COFF put a '_' in
// front; COFF import thunks are "__imp_" + name; stdcall adds "@bytes".
std::string undecorate(llvm::StringRef name, const llvm::object::ObjectFile &obj) {
  if (const auto *coff = llvm::dyn_cast<llvm::object::COFFObjectFile>(&obj)) {
    name.consume_front("__imp_");
    if (coff->getMachine() == llvm::COFF::IMAGE_FILE_MACHINE_I386) {
      name.consume_front("_");
      size_t at = name.rfind('@');
      if (at != llvm::StringRef::npos && at > 0 &&
          name.drop_front(at + 1).find_first_not_of("0123456789") == llvm::StringRef::npos)
        name = name.take_front(at);
    }
  } else if (obj.isMachO()) {
    name.consume_front("_");
  }
  return name.str();
}

// Adds one symbol; false when the table is malformed (the caller stops
// reading it: a corrupt count could otherwise mean billions of bad entries).
// A Mach-O symbol's name, bounded by the string table: LLVM's reader runs
// strlen() past the table's end when its last string has no NUL (found by
// fuzz/fuzz_object).
llvm::Expected<llvm::StringRef> machoName(const llvm::object::MachOObjectFile &macho,
                                          const llvm::object::SymbolRef &sym) {
  llvm::StringRef table = macho.getStringTableData();
  uint32_t strx = macho.is64Bit() ? macho.getSymbol64TableEntry(sym.getRawDataRefImpl()).n_strx
                                  : macho.getSymbolTableEntry(sym.getRawDataRefImpl()).n_strx;
  if (strx >= table.size())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "bad string index");
  llvm::StringRef rest = table.drop_front(strx);
  size_t end = rest.find('\0');
  if (end == llvm::StringRef::npos)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "unterminated name");
  return rest.take_front(end);
}

// A COFF symbol's name, bounded by the string table: LLVM's reader runs
// strlen() past the table's end for a long name without a NUL (found by
// fuzz/fuzz_object, as for Mach-O). Short names (8 bytes, inline) are read
// by LLVM with a bound.
llvm::Expected<llvm::StringRef> coffName(const llvm::object::COFFObjectFile &coff,
                                         const llvm::object::SymbolRef &sym) {
  llvm::object::COFFSymbolRef s = coff.getCOFFSymbol(sym);
  const llvm::object::StringTableOffset &off = s.getStringTableOffset();
  if (off.Zeroes != 0)
    return coff.getSymbolName(s);
  uint64_t start = uint64_t(coff.getPointerToSymbolTable()) +
                   uint64_t(coff.getNumberOfSymbols()) * coff.getSymbolTableEntrySize();
  llvm::StringRef file = coff.getData();
  uint64_t size = coff.getStringTableSize();
  if (start > file.size() || size > file.size() - start || off.Offset >= size)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "bad string index");
  llvm::StringRef rest = file.substr(start, size).drop_front(off.Offset);
  size_t end = rest.find('\0');
  if (end == llvm::StringRef::npos)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "unterminated name");
  return rest.take_front(end);
}

bool addSymbol(const llvm::object::SymbolRef &sym, const llvm::object::ObjectFile &obj,
               SymbolFacts &facts) {
  const auto *macho = llvm::dyn_cast<llvm::object::MachOObjectFile>(&obj);
  const auto *coffObj = llvm::dyn_cast<llvm::object::COFFObjectFile>(&obj);
  llvm::Expected<llvm::StringRef> name = macho     ? machoName(*macho, sym)
                                         : coffObj ? coffName(*coffObj, sym)
                                                   : sym.getName();
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
  // A COFF "__imp_X" symbol is the import-table slot of an imported X
  // (MinGW keeps them in unstripped DLLs as defined data): X is imported,
  // not implemented here.
  bool importSlot = llvm::isa<llvm::object::COFFObjectFile>(&obj) && name->starts_with("__imp_");
  std::string plain = undecorate(*name, obj);
  if (importSlot || (*flags & llvm::object::SymbolRef::SF_Undefined))
    facts.undefined.insert(std::move(plain));
  else
    facts.defined.insert(std::move(plain));
  return true;
}

template <typename Range>
bool addSymbols(const Range &symbols, const llvm::object::ObjectFile &obj, SymbolFacts &facts) {
  for (const llvm::object::SymbolRef &sym : symbols)
    if (!addSymbol(sym, obj, facts))
      return false;
  return true;
}

// An ELF section's bytes and the string table its sh_link names (version
// nodes, the dynamic section), and a bounded reader of one string there.
template <class ELFT> struct LinkedStrings {
  llvm::ArrayRef<uint8_t> data;
  llvm::StringRef strings;
  std::string at(uint64_t off) const {
    if (off >= strings.size())
      return {};
    return strings.drop_front(off).split('\0').first.take_front(4096).str();
  }
};

template <class ELFT>
std::optional<LinkedStrings<ELFT>> withStrings(const llvm::object::ELFFile<ELFT> &elf,
                                               const typename ELFT::Shdr &sec) {
  auto contents = elf.getSectionContents(sec);
  auto strSec = elf.getSection(sec.sh_link);
  if (!contents || !strSec) {
    if (!contents)
      llvm::consumeError(contents.takeError());
    if (!strSec)
      llvm::consumeError(strSec.takeError());
    return std::nullopt;
  }
  auto strtab = elf.getStringTable(**strSec);
  if (!strtab) {
    llvm::consumeError(strtab.takeError());
    return std::nullopt;
  }
  return LinkedStrings<ELFT>{*contents, *strtab};
}

// ELF version definitions (SHT_GNU_verdef) and needs (SHT_GNU_verneed), walked
// here with every count bounded by the section's size: LLVM's walker trusts
// sh_info, and 0xffffffff made it loop on one entry until memory ran out.
template <class ELFT>
std::string readVersionNodes(const llvm::object::ELFFile<ELFT> &elf, SymbolFacts &facts) {
  using namespace llvm::support;
  constexpr llvm::endianness E = ELFT::Endianness;
  auto sections = elf.sections();
  if (!sections) {
    llvm::consumeError(sections.takeError());
    return "malformed ELF section headers";
  }
  std::string problem;
  for (const auto &sec : *sections) {
    bool isDef = sec.sh_type == llvm::ELF::SHT_GNU_verdef;
    if (!isDef && sec.sh_type != llvm::ELF::SHT_GNU_verneed)
      continue;
    auto linked = withStrings(elf, sec);
    if (!linked) {
      problem = "malformed ELF symbol versions";
      continue;
    }
    llvm::ArrayRef<uint8_t> data = linked->data;
    auto u16 = [&](uint64_t off) { return endian::read<uint16_t, E>(data.data() + off); };
    auto u32 = [&](uint64_t off) { return endian::read<uint32_t, E>(data.data() + off); };
    auto name = [&](uint32_t off) { return linked->at(off); };
    // Verdef: 20 bytes (next at 16, aux at 12, count at 6); verdaux: 8 bytes
    // (name at 0). Verneed: 16 bytes (next at 12, aux at 8, count at 2);
    // vernaux: 16 bytes (name at 8, next at 12).
    const uint64_t entrySize = isDef ? 20 : 16, auxSize = isDef ? 8 : 16;
    uint64_t limit = std::min<uint64_t>(sec.sh_info, data.size() / entrySize);
    uint64_t off = 0;
    for (uint64_t i = 0; i < limit && off + entrySize <= data.size(); ++i) {
      uint64_t auxOff = off + (isDef ? u32(off + 12) : u32(off + 8));
      uint64_t auxCount = std::min<uint64_t>(isDef ? 1 : u16(off + 2), data.size() / auxSize);
      for (uint64_t a = 0; a < auxCount && auxOff + auxSize <= data.size(); ++a) {
        std::string n = name(u32(auxOff + (isDef ? 0 : 8)));
        if (!n.empty())
          (isDef ? facts.versionDefs : facts.versionNeeds).insert(std::move(n));
        uint32_t next = isDef ? 0 : u32(auxOff + 12);
        if (next == 0)
          break;
        auxOff += next;
      }
      uint32_t next = u32(off + (isDef ? 16 : 12));
      if (next == 0)
        break;
      off += next;
    }
  }
  return problem;
}

std::string readElfVersionNodes(const llvm::object::ELFObjectFileBase &obj, SymbolFacts &facts);

// DT_NEEDED, DT_RPATH/DT_RUNPATH and DT_SONAME, from the SHT_DYNAMIC
// section and the string table it links to, both bounded by their section
// contents (LLVM's dynamicEntries() crashed on a forged program header:
// found by fuzz/fuzz_object). Files without section headers say nothing.
template <class ELFT>
void readDynamic(const llvm::object::ELFFile<ELFT> &elf, SymbolFacts &facts) {
  using namespace llvm::support;
  constexpr llvm::endianness E = ELFT::Endianness;
  constexpr size_t W = ELFT::Is64Bits ? 8 : 4;
  auto sections = elf.sections();
  if (!sections) {
    llvm::consumeError(sections.takeError());
    return;
  }
  for (const auto &sec : *sections) {
    if (sec.sh_type != llvm::ELF::SHT_DYNAMIC)
      continue;
    auto linked = withStrings(elf, sec);
    if (!linked)
      return;
    auto at = [&](uint64_t off) { return linked->at(off); };
    llvm::ArrayRef<uint8_t> d = linked->data;
    auto word = [&](size_t off) -> uint64_t {
      return W == 8 ? endian::read<uint64_t, E>(d.data() + off)
                    : endian::read<uint32_t, E>(d.data() + off);
    };
    for (size_t off = 0; off + 2 * W <= d.size() && off / (2 * W) < 4096; off += 2 * W) {
      uint64_t tag = word(off), val = word(off + W);
      if (tag == llvm::ELF::DT_NULL)
        break;
      if (tag == llvm::ELF::DT_NEEDED) {
        if (std::string v = at(val); !v.empty())
          facts.needed.push_back(std::move(v));
      } else if (tag == llvm::ELF::DT_RPATH || tag == llvm::ELF::DT_RUNPATH) {
        std::string list = at(val);
        llvm::SmallVector<llvm::StringRef, 4> dirs;
        llvm::StringRef(list).split(dirs, ':', -1, false);
        for (llvm::StringRef dir : dirs)
          facts.runpaths.push_back(dir.str());
      } else if (tag == llvm::ELF::DT_SONAME) {
        facts.soname = at(val);
      }
    }
    return;
  }
}

std::string readElfVersions(const llvm::object::ELFObjectFileBase &obj, SymbolFacts &facts) {
  using namespace llvm::object;
  facts.elf = true;
  if (const auto *o = llvm::dyn_cast<ELF32LEObjectFile>(&obj))
    readDynamic(o->getELFFile(), facts);
  else if (const auto *o = llvm::dyn_cast<ELF32BEObjectFile>(&obj))
    readDynamic(o->getELFFile(), facts);
  else if (const auto *o = llvm::dyn_cast<ELF64LEObjectFile>(&obj))
    readDynamic(o->getELFFile(), facts);
  else if (const auto *o = llvm::dyn_cast<ELF64BEObjectFile>(&obj))
    readDynamic(o->getELFFile(), facts);
  return readElfVersionNodes(obj, facts);
}

std::string readElfVersionNodes(const llvm::object::ELFObjectFileBase &obj, SymbolFacts &facts) {
  using namespace llvm::object;
  if (const auto *o = llvm::dyn_cast<ELF32LEObjectFile>(&obj))
    return readVersionNodes(o->getELFFile(), facts);
  if (const auto *o = llvm::dyn_cast<ELF32BEObjectFile>(&obj))
    return readVersionNodes(o->getELFFile(), facts);
  if (const auto *o = llvm::dyn_cast<ELF64LEObjectFile>(&obj))
    return readVersionNodes(o->getELFFile(), facts);
  if (const auto *o = llvm::dyn_cast<ELF64BEObjectFile>(&obj))
    return readVersionNodes(o->getELFFile(), facts);
  return {};
}

// PE import and export tables: what a linked Windows binary needs and
// offers. Walked here with every read bounded by the section that holds it:
// LLVM's import walker dereferenced a null table for a bad RVA and reads
// names and entry lists with strlen / until a zero entry, past the section
// (found by fuzz/fuzz_object).
namespace pe {

// The bytes from `rva` to the end of the raw data of the section holding it.
llvm::ArrayRef<uint8_t> at(const llvm::object::COFFObjectFile &coff, uint32_t rva) {
  for (const llvm::object::SectionRef &sref : coff.sections()) {
    const llvm::object::coff_section *sec = coff.getCOFFSection(sref);
    llvm::ArrayRef<uint8_t> raw;
    if (llvm::Error e = coff.getSectionContents(sec, raw)) {
      llvm::consumeError(std::move(e));
      continue;
    }
    uint64_t va = sec->VirtualAddress;
    if (rva >= va && rva - va < raw.size())
      return raw.drop_front(rva - va);
  }
  return {};
}

std::string cstr(const llvm::object::COFFObjectFile &coff, uint32_t rva) {
  llvm::ArrayRef<uint8_t> b = at(coff, rva);
  llvm::StringRef text(reinterpret_cast<const char *>(b.data()), std::min<size_t>(b.size(), 4096));
  return text.split('\0').first.str();
}

uint64_t read(llvm::ArrayRef<uint8_t> b, size_t off, unsigned width) {
  if (off + width > b.size())
    return 0;
  uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i)
    v |= uint64_t(b[off + i]) << (8 * i);
  return v;
}

} // namespace pe

std::string readCoffTables(const llvm::object::COFFObjectFile &coff, SymbolFacts &facts) {
  std::string problem;
  facts.pe = true;
  const bool wide = coff.is64();
  const unsigned entry = wide ? 8 : 4;
  const uint64_t byOrdinalFlag = wide ? (1ull << 63) : (1ull << 31);
  // Import directory: 20-byte entries (lookup table RVA at 0, name RVA at
  // 12, address table RVA at 16), ended by a zero entry.
  if (const llvm::object::data_directory *dir = coff.getDataDirectory(llvm::COFF::IMPORT_TABLE);
      dir && dir->RelativeVirtualAddress) {
    llvm::ArrayRef<uint8_t> table = pe::at(coff, dir->RelativeVirtualAddress);
    for (size_t d = 0; d + 20 <= table.size() && d / 20 < 4096; d += 20) {
      uint32_t lookup = pe::read(table, d, 4), name = pe::read(table, d + 12, 4),
               address = pe::read(table, d + 16, 4);
      if (!lookup && !name && !address)
        break;
      std::string dll = llvm::StringRef(pe::cstr(coff, name)).lower();
      if (!dll.empty() && facts.needed.size() < 4096)
        facts.needed.push_back(dll); // Windows names are case-insensitive
      llvm::ArrayRef<uint8_t> thunks = pe::at(coff, lookup ? lookup : address);
      if (thunks.empty()) {
        problem = "malformed PE import table";
        continue;
      }
      for (size_t t = 0; t + entry <= thunks.size() && t / entry < 65536; t += entry) {
        uint64_t v = pe::read(thunks, t, entry);
        if (!v)
          break;
        if (v & byOrdinalFlag) {
          // By ordinal (MSVC builds of OpenSSL 1.0.x consumers link
          // ssleay32.dll this way): the name is in the exporting DLL's
          // table, looked up when that DLL ships beside the program.
          if (!dll.empty() && facts.ordinalImports.size() < 65536)
            facts.ordinalImports.emplace_back(dll, static_cast<uint16_t>(v & 0xffff));
          continue;
        }
        std::string sym = pe::cstr(coff, static_cast<uint32_t>(v & 0x7fffffff) + 2); // after the hint
        if (!sym.empty())
          facts.undefined.insert(std::move(sym));
      }
    }
  }
  // Export directory: names (NumberOfNamePointers at 24, name pointer RVA
  // at 32) with their ordinal indices (ordinal table RVA at 36, base at 16).
  if (const llvm::object::data_directory *dir = coff.getDataDirectory(llvm::COFF::EXPORT_TABLE);
      dir && dir->RelativeVirtualAddress) {
    llvm::ArrayRef<uint8_t> header = pe::at(coff, dir->RelativeVirtualAddress);
    if (header.size() < 40) {
      problem = "malformed PE export table";
    } else {
      uint32_t base = pe::read(header, 16, 4), count = pe::read(header, 24, 4);
      llvm::ArrayRef<uint8_t> names = pe::at(coff, pe::read(header, 32, 4));
      llvm::ArrayRef<uint8_t> ordinals = pe::at(coff, pe::read(header, 36, 4));
      for (uint32_t i = 0; i < count && i < 65536 && (i + 1) * 4 <= names.size(); ++i) {
        std::string sym = pe::cstr(coff, pe::read(names, i * 4, 4));
        if (sym.empty())
          continue;
        if ((i + 1) * 2 <= ordinals.size())
          facts.exportsByOrdinal.emplace(base + pe::read(ordinals, i * 2, 2), sym);
        facts.defined.insert(std::move(sym));
      }
    }
  }
  return problem;
}

// Reads symbols; returns what was malformed ("" if nothing).
std::string readSymbols(const llvm::object::ObjectFile &obj, SymbolFacts &facts) {
  std::vector<std::string> problems;
  if (const auto *elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(&obj))
    facts.image = elf->getEType() == llvm::ELF::ET_EXEC || elf->getEType() == llvm::ELF::ET_DYN;
  else if (const auto *coff = llvm::dyn_cast<llvm::object::COFFObjectFile>(&obj))
    facts.image = coff->getDOSHeader() != nullptr; // a PE image, not an .obj/.exp
  else if (const auto *macho = llvm::dyn_cast<llvm::object::MachOObjectFile>(&obj))
    facts.image = macho->getHeader().filetype != llvm::MachO::MH_OBJECT;
  if (!addSymbols(obj.symbols(), obj, facts))
    problems.push_back("malformed symbol table (read up to the first bad entry)");
  if (const auto *elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(&obj)) {
    if (!addSymbols(elf->getDynamicSymbolIterators(), obj, facts))
      problems.push_back("malformed dynamic symbol table (read up to the first bad entry)");
    std::string versions = readElfVersions(*elf, facts);
    if (!versions.empty())
      problems.push_back(versions);
  } else if (const auto *coff = llvm::dyn_cast<llvm::object::COFFObjectFile>(&obj)) {
    std::string tables = readCoffTables(*coff, facts);
    if (!tables.empty())
      problems.push_back(tables);
  }
  std::string out;
  for (const std::string &p : problems)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

// Magic numbers of two bytes (COFF objects: a machine type; "\0\0" for
// "unknown machine") also start MP4 files, UTF-32BE text and many firmware
// images. Such a file is an object only when its header is plausible too.
bool plausibleHeader(llvm::file_magic magic, llvm::StringRef b) {
  using namespace llvm::support;
  auto u16 = [&](size_t off) { return endian::read16le(b.data() + off); };
  static const uint16_t kMachines[] = {0x014c, 0x8664, 0x01c0, 0x01c2, 0x01c4, 0xaa64, 0xa641,
                                       0xa64e, 0x0200, 0x0166, 0x0169, 0x5032, 0x5064, 0x01f0,
                                       0x01f1, 0x01a2, 0x01a6, 0x0ebc};
  auto knownMachine = [&](uint16_t m) {
    return std::find(std::begin(kMachines), std::end(kMachines), m) != std::end(kMachines);
  };
  switch (magic) {
  case llvm::file_magic::elf:
  case llvm::file_magic::elf_relocatable:
  case llvm::file_magic::elf_executable:
  case llvm::file_magic::elf_shared_object:
  case llvm::file_magic::elf_core:
    return b.size() >= 16 && (b[4] == 1 || b[4] == 2) && (b[5] == 1 || b[5] == 2) && b[6] == 1;
  case llvm::file_magic::coff_object:
    if (b.size() < 20)
      return false;
    if (u16(0) == 0) // import library / bigobj: 0000 FFFF, then version, machine
      return u16(2) == 0xffff && knownMachine(u16(6));
    return knownMachine(u16(0)) && u16(2) > 0 && u16(2) <= 96 && u16(16) == 0;
  default:
    return true;
  }
}

std::string formatOf(llvm::StringRef bytes, llvm::file_magic &magic) {
  magic = llvm::identify_magic(bytes);
  if (!plausibleHeader(magic, bytes))
    return "raw";
  return describeFormat(magic);
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

struct NamedFiles::Impl {
  std::unique_ptr<RE2::Set> set;
};

NamedFiles::NamedFiles(const patterns::KnowledgeBase &kb) : impl_(new Impl) {
  RE2::Options o = latin1();
  impl_->set = std::make_unique<RE2::Set>(o, RE2::UNANCHORED);
  bool any = false;
  for (const Component &c : kb.components())
    for (const Component::FilePattern &f : c.files)
      any |= impl_->set->Add(f.path, nullptr) >= 0;
  if (!any || !impl_->set->Compile())
    impl_->set.reset();
}

NamedFiles::~NamedFiles() { delete impl_; }

bool NamedFiles::matches(llvm::StringRef path) const {
  std::vector<int> hits;
  return impl_->set && impl_->set->Match(re2::StringPiece(path.data(), path.size()), &hits);
}

bool looksLikeObjectFile(llvm::StringRef head) {
  llvm::file_magic magic;
  return formatOf(head, magic) != "raw" || looksLikeArchive(head) || looksLikeHexImage(head) ||
         looksLikeSquashfs(head);
}

BinaryScanner::BinaryScanner(const patterns::KnowledgeBase &kb, BinscanOptions options)
    : kb_(kb), options_(options), compiled_(new std::vector<Compiled>), sets_(new Patterns) {
  RE2::Options setOptions = latin1();
  setOptions.set_max_mem(64 << 20);
  sets_->versions = std::make_unique<RE2::Set>(setOptions, RE2::UNANCHORED);
  sets_->paths = std::make_unique<RE2::Set>(setOptions, RE2::UNANCHORED);
  for (const Component &c : kb_.components()) {
    Compiled comp;
    comp.component = &c;
    for (const patterns::VersionPattern &p : c.versionPatterns) {
      comp.versionRegexes.push_back(std::make_unique<RE2>(p.regex, latin1()));
      comp.setIndex.push_back(sets_->versions->Add(p.regex, nullptr));
    }
    for (size_t f = 0; f < c.files.size(); ++f) {
      comp.fileRegexes.push_back(std::make_unique<RE2>(c.files[f].regex, latin1()));
      if (sets_->paths->Add(c.files[f].path, nullptr) >= 0)
        sets_->pathOwner.emplace_back(compiled_->size(), f);
    }
    for (const std::string &p : c.symbolVersions)
      comp.symbolVersionRegexes.push_back(std::make_unique<RE2>(p, latin1()));
    comp.symbols.insert(c.symbols.begin(), c.symbols.end());
    comp.linkSymbols.insert(c.linkSymbols.begin(), c.linkSymbols.end());
    for (const std::string &r : c.requires)
      comp.requires.push_back(std::make_unique<RE2>(r, latin1()));
    for (const std::string &r : c.optIn)
      comp.optIn.push_back(std::make_unique<RE2>(r, latin1()));
    compiled_->push_back(std::move(comp));
  }
  // Packs are validated (every regex compiles); a set that still does not
  // compile (memory budget) falls back to one pass per pattern.
  if (!sets_->versions->Compile())
    sets_->versions.reset();
  if (!sets_->paths->Compile())
    sets_->paths.reset();
}

BinaryScanner::~BinaryScanner() {
  delete compiled_;
  delete sets_;
}

bool BinaryScanner::namedFile(llvm::StringRef path) const {
  std::vector<int> hits;
  return sets_->paths && sets_->paths->Match(re2::StringPiece(path.data(), path.size()), &hits);
}

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
  scanInto(chain, data, 0, result);
  resolveLinks(result);
  nameDeciders(result);
  return result;
}

namespace {
constexpr unsigned kMaxArchiveDepth = 4;
constexpr unsigned kMaxArchiveMembers = 100000;
} // namespace

namespace {

// A static library (`ar`): each member is an input of its own
// (lib.a!member.o). Malformed: not opened, read as raw bytes.
bool openStaticLibrary(const std::vector<std::string> &chain, llvm::MemoryBufferRef data,
                       unsigned, const MemberFn &member, const ProblemFn &problem) {
  llvm::Expected<std::unique_ptr<llvm::object::Archive>> ar = llvm::object::Archive::create(data);
  if (!ar) {
    problem(chain, "malformed archive (" + llvm::toString(ar.takeError()) +
                       "); scanned as raw bytes only");
    return false;
  }
  if ((*ar)->isThin()) {
    problem(chain, "thin archive: its members are files elsewhere and are not followed");
    return true;
  }
  llvm::Error err = llvm::Error::success();
  unsigned members = 0;
  for (const llvm::object::Archive::Child &child : (*ar)->children(err)) {
    if (++members > kMaxArchiveMembers) {
      problem(chain, "more than " + std::to_string(kMaxArchiveMembers) + " members; the rest skipped");
      break;
    }
    llvm::Expected<llvm::StringRef> name = child.getName();
    llvm::Expected<llvm::MemoryBufferRef> bytes = child.getMemoryBufferRef();
    if (!name || !bytes) {
      if (!name)
        llvm::consumeError(name.takeError());
      if (!bytes)
        llvm::consumeError(bytes.takeError());
      problem(chain, "malformed archive member #" + std::to_string(members) + "; skipped");
      continue;
    }
    // LLVM's reader can hand out a member that runs past the archive's end
    // (found by fuzz/fuzz_object): such a member is not read.
    llvm::StringRef whole = data.getBuffer(), part = bytes->getBuffer();
    if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) {
      problem(chain, "archive member #" + std::to_string(members) +
                         " extends past the end of the archive; skipped");
      continue;
    }
    std::vector<std::string> nested = chain;
    nested.push_back(name->str());
    member(nested, *bytes);
  }
  if (err)
    problem(chain, "malformed archive (" + llvm::toString(std::move(err)) +
                       "); members after the damage were not read");
  return true;
}

bool openBundle(const std::vector<std::string> &chain, llvm::MemoryBufferRef data, unsigned depth,
                const MemberFn &member, const ProblemFn &problem) {
  uint64_t total = 0;
  walkArchive(chain, "", data.getBuffer(), depth, ArchiveLimits{}, total, member, problem);
  return true;
}

bool openSquashfs(const std::vector<std::string> &chain, llvm::MemoryBufferRef data, unsigned,
                  const MemberFn &member, const ProblemFn &problem) {
  uint64_t total = 0;
  walkSquashfs(chain, data.getBuffer(), ArchiveLimits{}, total, member, problem);
  return true;
}

// A firmware image as Intel HEX / S-records: its data bytes are the input
// (same name; offsets are into the decoded bytes).
bool openHexImage(const std::vector<std::string> &chain, llvm::MemoryBufferRef data, unsigned,
                  const MemberFn &member, const ProblemFn &problem) {
  std::string why;
  std::string decoded = decodeHexImage(data.getBuffer(), 256u << 20, why);
  if (!why.empty())
    problem(chain, why);
  member(chain, llvm::MemoryBufferRef(decoded, data.getBufferIdentifier()));
  return true;
}

} // namespace

const std::vector<BinaryScanner::Container> &BinaryScanner::containers() {
  static const std::vector<Container> table = {
      {"squashfs", "SquashFS image", true,
       [](llvm::StringRef b, llvm::file_magic) { return looksLikeSquashfs(b); }, openSquashfs},
      {"archive", "archive", true,
       [](llvm::StringRef b, llvm::file_magic) { return looksLikeArchive(b.take_front(1 << 16)); },
       openBundle},
      {"hex", "hex image", false,
       [](llvm::StringRef b, llvm::file_magic) { return looksLikeHexImage(b.take_front(4096)); },
       openHexImage},
      {"ar", "static library", false,
       [](llvm::StringRef b, llvm::file_magic m) {
         return m == llvm::file_magic::archive && plausibleHeader(m, b);
       },
       openStaticLibrary},
  };
  return table;
}

// The binary twin of the source rule, for one imported legacy method.
Finding BinaryScanner::legacyImport(const std::vector<std::string> &chain, const Component &c,
                                    const Component::LegacySymbol &l,
                                    const std::string &how) const {
  Finding f;
  f.ruleId = "binary/imports-legacy-method";
  const RuleInfo *rule = kb_.rule(f.ruleId);
  f.severity = rule ? rule->severity : Severity::Error;
  f.component = c.name;
  f.location.chain = chain;
  f.message = patterns::expandTemplate(kb_.messageTemplate(f.ruleId),
                                       {{"api", l.name},
                                        {"component", c.name},
                                        {"protocol", std::string(protocolName(*l.parsed))},
                                        {"floor", std::string(protocolName(options_.floor))}});
  f.evidence = "imports " + l.name + how;
  f.fixHint = "call the version-flexible method and set a TLS 1.2 minimum, then rebuild";
  f.fingerprintBasis = c.id + '\0' + l.name;
  return f;
}

void BinaryScanner::scanInto(const std::vector<std::string> &chain, llvm::MemoryBufferRef data,
                             unsigned depth, BinaryResult &result) const {
  std::string display;
  for (const std::string &c : chain)
    display += (display.empty() ? "" : "!") + c;
  llvm::StringRef bytes = data.getBuffer();
  llvm::file_magic magic;
  std::string format = formatOf(bytes, magic);
  if (depth == 0)
    result.format = format;
  auto problem = [&](const std::string &message) {
    result.diagnostics.push_back({Diagnostic::Kind::Incomplete, display, message});
  };

  // Containers first (Bloaty's way: a table of openers tried in turn); what
  // they hold comes back here as inputs of their own.
  for (const Container &c : containers()) {
    if (!c.accepts(bytes, magic))
      continue;
    if (depth >= kMaxArchiveDepth) {
      problem(std::string(c.what) + " nested deeper than " + std::to_string(kMaxArchiveDepth) +
              " containers; not opened");
      return;
    }
    MemberFn onMember = [&](const std::vector<std::string> &nested, llvm::MemoryBufferRef member) {
      // Documentation, headers and changelogs (text) in a bundle are not
      // components of anything, unless a pack names the file (a JDK's
      // `release`) or it is a firmware image written as text.
      llvm::StringRef head = member.getBuffer().take_front(4096);
      llvm::file_magic m;
      if (!c.skipsText || formatOf(head, m) != "raw" || head.find('\0') != llvm::StringRef::npos ||
          looksLikeHexImage(head) || namedFile(nested.back()))
        scanInto(nested, member, depth + 1, result);
    };
    ProblemFn onProblem = [&](const std::vector<std::string> &where, const std::string &message) {
      std::string name;
      for (const std::string &w : where)
        name += (name.empty() ? "" : "!") + w;
      result.diagnostics.push_back({Diagnostic::Kind::Incomplete, name, message});
    };
    if (c.open(chain, data, depth, onMember, onProblem)) {
      if (depth == 0)
        result.format = c.format;
      return;
    }
    break; // not opened after all: the bytes are read as an object or raw
  }

  SymbolFacts facts;
  if (magic == llvm::file_magic::macho_universal_binary) {
    // Universal (fat) Mach-O: the symbols of every slice.
    auto fat = llvm::object::MachOUniversalBinary::create(data);
    if (!fat) {
      problem("malformed universal Mach-O file (" + llvm::toString(fat.takeError()) +
              "); scanned as raw bytes only");
    } else {
      for (const auto &slice : (*fat)->objects()) {
        auto obj = slice.getAsObjectFile();
        if (!obj) {
          problem("malformed slice " + slice.getArchFlagName() + " (" +
                  llvm::toString(obj.takeError()) + ")");
          continue;
        }
        std::string bad = readSymbols(**obj, facts);
        if (!bad.empty())
          problem("slice " + slice.getArchFlagName() + ": " + bad);
      }
    }
  } else if (format != "raw" && format != "ar") {
    llvm::Expected<std::unique_ptr<llvm::object::ObjectFile>> obj =
        llvm::object::ObjectFile::createObjectFile(data, magic);
    if (!obj) {
      problem("malformed " + format + " file (" + llvm::toString(obj.takeError()) +
              "); scanned as raw bytes only");
    } else {
      std::string bad = readSymbols(**obj, facts);
      if (!bad.empty())
        problem(bad);
    }
  }

  std::set<std::string> uses; // components whose link symbols it imports by name

  // The binary twin of the source rule: a program that imports a function
  // selecting one legacy protocol. Only linked images import: in an object
  // file or a static library an undefined symbol may be another member's
  // (OpenSSL's own ssleay32.lib, its .exp export file).
  for (const Compiled &comp : *compiled_) {
    if (!facts.image)
      break;
    for (const Component::LegacySymbol &l : comp.component->legacySymbols) {
      if (!facts.undefined.count(l.name) || !belowFloor(*l.parsed, options_.floor))
        continue;
      result.findings.push_back(legacyImport(chain, *comp.component, l, ""));
      result.components.push_back(nullptr);
    }
  }

  re2::StringPiece text(bytes.data(), bytes.size());
  // One pass of all version patterns; then only the ones that occur.
  std::vector<int> present;
  bool filtered = sets_->versions != nullptr;
  if (filtered)
    sets_->versions->Match(text, &present);
  std::set<int> occurs(present.begin(), present.end());
  // Files known by name: their version regexes, on the first 4 MiB.
  std::map<size_t, std::vector<size_t>> namedBy; // component -> file patterns
  if (sets_->paths && !chain.empty()) {
    std::vector<int> hits;
    const std::string &name = chain.back();
    sets_->paths->Match(re2::StringPiece(name.data(), name.size()), &hits);
    for (int h : hits)
      if (h >= 0 && static_cast<size_t>(h) < sets_->pathOwner.size())
        namedBy[sets_->pathOwner[h].first].push_back(sets_->pathOwner[h].second);
  }
  re2::StringPiece head(bytes.data(), std::min<size_t>(bytes.size(), 4u << 20));

  std::vector<std::pair<const Component *, Finding>> found;
  for (size_t ci = 0; ci < compiled_->size(); ++ci) {
    const Compiled &comp = (*compiled_)[ci];
    const Component &c = *comp.component;
    // The first match of each pattern is all a decision uses: keeping every
    // match let a crafted blob hold gigabytes of them.
    std::vector<TextMatch> matches;
    for (size_t i = 0; i < comp.versionRegexes.size(); ++i) {
      if (filtered && !occurs.count(comp.setIndex[i]))
        continue;
      re2::StringPiece groups[2];
      int n = std::min(2, comp.versionRegexes[i]->NumberOfCapturingGroups() + 1);
      if (!comp.versionRegexes[i]->Match(text, 0, text.size(), RE2::UNANCHORED, groups, n))
        continue;
      TextMatch m;
      if (n > 1)
        m.version = std::string(groups[1].data(), groups[1].size());
      m.text = std::string(groups[0].data(), std::min<size_t>(groups[0].size(), 200));
      m.offset = static_cast<uint64_t>(groups[0].data() - text.data());
      m.implementation = c.versionPatterns[i].strength == "implementation";
      matches.push_back(std::move(m));
    }
    const TextMatch *named = nullptr;
    TextMatch namedMatch;
    auto nb = namedBy.find(ci);
    if (nb != namedBy.end())
      for (size_t f : nb->second) {
        re2::StringPiece groups[2];
        if (!comp.fileRegexes[f]->Match(head, 0, head.size(), RE2::UNANCHORED, groups, 2))
          continue;
        namedMatch.version = std::string(groups[1].data(), groups[1].size());
        namedMatch.text = std::string(groups[0].data(), std::min<size_t>(groups[0].size(), 200));
        namedMatch.offset = static_cast<uint64_t>(groups[0].data() - head.data());
        named = &namedMatch;
        break;
      }
    unsigned definedHits = 0, importedHits = 0, linkHits = 0;
    for (const std::string &s : comp.symbols) {
      definedHits += facts.defined.count(s);
      importedHits += facts.undefined.count(s);
    }
    for (const std::string &s : comp.linkSymbols)
      linkHits += facts.undefined.count(s);
    if (comp.linkSymbols.empty())
      linkHits = importedHits;
    if (linkHits)
      uses.insert(c.id);
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
    // The version: an implementation match that has one, else a mention.
    const TextMatch *implText = nullptr, *versioned = nullptr;
    for (const TextMatch &m : matches)
      if (m.implementation && !implText)
        implText = &m;
    for (bool impl : {true, false})
      for (const TextMatch &m : matches)
        if (!versioned && m.implementation == impl && !m.version.empty())
          versioned = &m;

    bool minSymbols = !comp.symbols.empty() && definedHits >= c.minSymbols;
    bool embeds = minSymbols || implText || !definedNode.empty();
    bool links = !embeds && !named && linkHits >= 1;
    if (!embeds && !links && !named)
      continue; // at most a mention: a program that prints a version string
    bool required = true;
    for (const auto &re : comp.requires)
      required = required && RE2::PartialMatch(text, *re);
    if (!required)
      continue; // e.g. a Go program without crypto/tls

    Finding f;
    f.component = c.name;
    f.location.chain = chain;
    std::string how = named ? "ships" : embeds ? "embeds" : "links";
    bool lowerBound = false;
    if (named) {
      f.version = named->version;
      f.evidence = named->text;
      f.location.offset = named->offset;
    } else if (embeds && versioned) {
      f.version = versioned->version;
      f.evidence = versioned->text;
      f.location.offset = versioned->offset;
    } else {
      auto node = bestNode(embeds ? facts.versionDefs : facts.versionNeeds);
      if (!node.first.empty()) {
        f.version = node.first;
        lowerBound = true;
        f.evidence = std::string(embeds ? "defines" : "needs") + " ELF symbol version " +
                     node.second;
      } else if (implText) {
        f.evidence = implText->text;
        f.location.offset = implText->offset;
      }
    }
    judge(f, c, how, lowerBound);
    if (f.ruleId == "binary/component-legacy-default") {
      // The program chooses its protocols itself: no claim about defaults.
      for (const auto &re : comp.optIn) {
        re2::StringPiece hit;
        if (!re->Match(text, 0, text.size(), RE2::UNANCHORED, &hit, 1))
          continue;
        judge(f, c, how, lowerBound, /*optedIn=*/true); // inventory
        f.message += "; it sets its protocols itself (" +
                     std::string(hit.data(), std::min<size_t>(hit.size(), 60)) + ")";
        break;
      }
    }
    f.value = how + (definedHits ? ", " + std::to_string(definedHits) + " implementation symbol(s)"
                                 : std::string())
                  + (importedHits && !embeds ? ", " + std::to_string(importedHits) + " imported symbol(s)"
                                             : std::string());
    found.emplace_back(&c, std::move(f));
  }
  if ((facts.elf || facts.pe) && result.elfLinks.size() < 100000)
    result.elfLinks.push_back({chain, facts.needed, facts.runpaths, facts.soname, facts.pe,
                               facts.ordinalImports, facts.exportsByOrdinal, std::move(uses)});

  // A fork that shares its parent's symbols rules the parent out here.
  std::set<std::string> excluded;
  for (const auto &[c, f] : found)
    excluded.insert(c->excludes.begin(), c->excludes.end());
  for (auto &[c, f] : found)
    if (!excluded.count(c->id)) {
      result.components.push_back(c);
      result.findings.push_back(std::move(f));
    }
}

// Rule, severity, message, fix and identity of a component finding whose
// version (possibly empty) is set.
void BinaryScanner::judge(Finding &f, const Component &c, const std::string &how,
                          bool lowerBound, bool optedIn) const {
  std::string shownVersion = f.version.empty() ? "(version unknown)"
                                               : (lowerBound ? ">= " : "") + f.version;
  ComponentVerdict verdict = judgeComponent(c, f.version, lowerBound, options_.floor);
  if (optedIn && verdict.ruleId == "binary/component-legacy-default")
    verdict = {"binary/component-inventory", c.tls12Since, "", false};
  f.ruleId = verdict.ruleId;
  const RuleInfo *rule = kb_.rule(f.ruleId);
  f.severity = rule ? rule->severity : Severity::Note;
  f.message = patterns::expandTemplate(
      kb_.messageTemplate(f.ruleId),
      {{"how", how},
       {"component", c.name},
       {"version", shownVersion},
       {"since", verdict.since == "0" ? "its first release" : verdict.since}});
  f.fixHint.clear();
  if (verdict.ruleId == "binary/component-without-tls12")
    f.fixHint = c.fix + " (" + verdict.source + ")";
  else if (verdict.actionable)
    f.fixHint = "upgrade " + c.name + " to " + verdict.since + " or later: " + c.fix + " (" +
                verdict.source + ")";
  f.fingerprintBasis = c.id + '\0' + how + '\0' + f.version;
}

namespace {
// "./usr/lib/../lib/libssl.so.3" -> "usr/lib/libssl.so.3"
std::string memberPath(llvm::StringRef p) {
  llvm::SmallString<256> out(p);
  llvm::sys::path::remove_dots(out, /*remove_dot_dot=*/true, llvm::sys::path::Style::posix);
  llvm::StringRef r(out);
  while (r.consume_front("/") || r.consume_front("./")) {
  }
  return r.str();
}
std::string joined(const std::vector<std::string> &chain, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < chain.size(); ++i)
    out += (i ? "!" : "") + chain[i];
  return out;
}
} // namespace

// Inside one bundle, a program's DT_NEEDED (a PE file's imported DLL) names
// the library shipped beside it: RUNPATH/RPATH (with $ORIGIN) first, else
// the only file of that name (or soname) in the same container, else the
// only one in a lib directory.
// The program's "links" finding then carries that library's version:
// "bin/app links ./lib/libssl.so.1.0.0 = OpenSSL 1.0.0t, which has no TLS 1.2".
void BinaryScanner::resolveLinks(BinaryResult &r) const {
  if (r.elfLinks.size() < 2 || r.components.size() != r.findings.size())
    return;
  using Key = std::pair<std::string, std::string>; // container chain, member path or name
  std::map<Key, std::vector<size_t>> byName;
  std::map<Key, size_t> byPath;
  for (size_t i = 0; i < r.elfLinks.size(); ++i) {
    const auto &e = r.elfLinks[i];
    if (e.chain.size() < 2)
      continue; // a loose file: its neighbours are other inputs
    std::string prefix = joined(e.chain, e.chain.size() - 1), path = memberPath(e.chain.back());
    byPath[{prefix, path}] = i;
    std::string base = llvm::sys::path::filename(path, llvm::sys::path::Style::posix).str();
    if (e.pe)
      base = llvm::StringRef(base).lower(); // imports name DLLs case-insensitively
    byName[{prefix, base}].push_back(i);
    if (!e.soname.empty() && e.soname != base)
      byName[{prefix, e.soname}].push_back(i);
  }
  std::map<std::string, std::vector<size_t>> embedsAt; // display chain -> findings
  for (size_t j = 0; j < r.findings.size(); ++j)
    if (r.components[j] && llvm::StringRef(r.findings[j].value).starts_with("embeds"))
      embedsAt[r.findings[j].location.displayPath()].push_back(j);

  std::vector<std::pair<const Component *, Finding>> added;
  for (const auto &e : r.elfLinks) {
    if (e.chain.size() < 2 || e.needed.empty())
      continue;
    std::string prefix = joined(e.chain, e.chain.size() - 1), path = memberPath(e.chain.back());
    std::string dir = llvm::sys::path::parent_path(path, llvm::sys::path::Style::posix).str();
    for (const std::string &needed : e.needed) {
      auto it = byName.find({prefix, needed});
      if (it == byName.end())
        continue;
      long chosen = -1;
      for (std::string rp : e.runpaths) {
        for (const char *origin : {"${ORIGIN}", "$ORIGIN"}) {
          size_t at;
          while ((at = rp.find(origin)) != std::string::npos)
            rp.replace(at, std::strlen(origin), "/" + dir);
        }
        auto hit = byPath.find({prefix, memberPath(rp + "/" + needed)});
        if (hit != byPath.end()) {
          chosen = static_cast<long>(hit->second);
          break;
        }
      }
      if (chosen < 0 && it->second.size() == 1)
        chosen = static_cast<long>(it->second[0]);
      if (chosen < 0) {
        std::vector<size_t> inLib;
        for (size_t c : it->second) {
          std::string owned = memberPath(r.elfLinks[c].chain.back());
          llvm::StringRef p(owned);
          if (p.starts_with("lib") || p.contains("/lib/") || p.contains("/lib64/") ||
              p.contains("/lib32/"))
            inLib.push_back(c);
        }
        if (inLib.size() == 1)
          chosen = static_cast<long>(inLib[0]);
      }
      if (chosen < 0)
        continue; // ambiguous: not guessed
      const auto &lib = r.elfLinks[static_cast<size_t>(chosen)];
      if (lib.chain == e.chain)
        continue;
      // Imports by ordinal get their names from the DLL's export table; a
      // legacy method among them is the binary twin of the source rule.
      std::set<std::string> byOrdinal;
      for (const auto &[dll, ordinal] : e.ordinalImports) {
        if (dll != needed)
          continue;
        auto name = lib.exportsByOrdinal.find(ordinal);
        if (name == lib.exportsByOrdinal.end())
          continue;
        byOrdinal.insert(name->second);
        for (const Compiled &comp : *compiled_)
          for (const Component::LegacySymbol &l : comp.component->legacySymbols)
            if (l.name == name->second && belowFloor(*l.parsed, options_.floor))
              added.emplace_back(nullptr,
                                 legacyImport(e.chain, *comp.component, l,
                                              " (ordinal " + std::to_string(ordinal) + " of " +
                                                  lib.chain.back() + ")"));
      }
      auto at = embedsAt.find(joined(lib.chain, lib.chain.size()));
      if (at == embedsAt.end())
        continue;
      for (size_t j : at->second) {
        const Component *c = r.components[j];
        const Finding libFinding = r.findings[j];
        Finding *mine = nullptr;
        for (size_t k = 0; k < r.findings.size(); ++k)
          if (r.components[k] == c && r.findings[k].location.chain == e.chain)
            mine = &r.findings[k];
        if (mine && llvm::StringRef(mine->value).starts_with("embeds"))
          continue; // it has its own copy
        // A new "links" finding only for a program that uses the component's
        // link API (by name or by ordinal): an OpenSSL engine that needs
        // libcrypto is no TLS user.
        if (!mine && !e.uses.count(c->id)) {
          const std::vector<std::string> &api = c->linkSymbols.empty() ? c->symbols : c->linkSymbols;
          if (std::none_of(api.begin(), api.end(),
                           [&](const std::string &n) { return byOrdinal.count(n) > 0; }))
            continue;
        }
        Finding fresh;
        Finding &f = mine ? *mine : fresh;
        f.component = c->name;
        f.location.chain = e.chain;
        f.version = libFinding.version;
        // The library's version may itself be a lower bound (from the ELF
        // version nodes it defines): the program's is then one too.
        bool bound = llvm::StringRef(libFinding.evidence).starts_with("defines ELF symbol version");
        f.evidence = std::string(e.pe ? "imports " : "DT_NEEDED ") + needed + " -> " +
                     lib.chain.back() +
                     (libFinding.evidence.empty() ? "" : " (" + libFinding.evidence + ")");
        f.value = "links " + lib.chain.back();
        judge(f, *c, "links " + lib.chain.back() + " =", bound);
        if (!mine)
          added.emplace_back(c, std::move(fresh));
      }
    }
  }
  for (auto &[c, f] : added) {
    r.components.push_back(c);
    r.findings.push_back(std::move(f));
  }
}

void BinaryScanner::nameDeciders(BinaryResult &result) const {
  // An SDK's protocol is decided by what it runs on: name that component
  // when the same input holds it ("the protocol comes from OpenJDK 1.7.0_80
  // at jre/lib/amd64/server/libjvm.so").
  if (result.components.size() != result.findings.size())
    return;
  for (size_t i = 0; i < result.findings.size(); ++i) {
    const Component *c = result.components[i];
    if (!c || c->tlsFrom.empty())
      continue;
    std::string named;
    for (const std::string &id : c->tlsFrom)
      for (size_t j = 0; j < result.findings.size(); ++j) {
        const Component *d = result.components[j];
        if (!d || d->id != id || named.size() > 400)
          continue;
        const Finding &df = result.findings[j];
        std::string where = df.location.displayPath();
        bool bound = llvm::StringRef(df.evidence).contains(" ELF symbol version ");
        named += (named.empty() ? "" : "; ") + d->name + " " +
                 (df.version.empty() ? "(version unknown)" : (bound ? ">= " : "") + df.version) +
                 " at " + where;
      }
    Finding &f = result.findings[i];
    if (!named.empty()) {
      f.message += "; its TLS comes from " + named;
    } else {
      std::string names;
      for (const std::string &id : c->tlsFrom)
        for (const Component &k : kb_.components())
          if (k.id == id)
            names += (names.empty() ? "" : " or ") + k.name;
      f.message += "; its TLS comes from " + names + ", not found in this input";
    }
  }
}

} // namespace tlsfloor::binscan
