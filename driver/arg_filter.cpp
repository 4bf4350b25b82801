#include "arg_filter.h"

#include <algorithm>
#include <array>

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/StringSaver.h"
#include "llvm/TargetParser/Triple.h"

namespace tlsfloor::driver {

namespace {

using llvm::StringRef;

// Flags kept with a value, joined (-DX, --sysroot=/x) or as the next argument.
// Their values only name macros, directories searched for headers (read
// only) or the language and target.
constexpr std::array kValueFlags = {
    "-D", "-U", "-I", "-isystem-after", "-isystem", "-iquote", "-idirafter", "-cxx-isystem",
    "-iframework", "-F", "-isysroot", "--sysroot", "-target", "--target", "-arch",
    "--gcc-toolchain", "-gcc-toolchain", "-x", "-include", "-imacros"};

// Flags whose next argument belongs to them (dropped together), so that a
// value is never read as a flag or a file of its own.
constexpr std::array kDropWithNext = {
    "-o", "-MF", "-MT", "-MQ", "-MJ", "-Xclang", "-Xpreprocessor", "-Xassembler", "-Xlinker",
    "-mllvm", "-mmlir", "-include-pch", "-ivfsoverlay", "--serialize-diagnostics", "-L", "-l",
    "-T", "-e", "-u", "-z", "-B", "--param", "-aux-info", "-resource-dir", "-working-directory",
    "-dependency-file", "-dependency-dot", "-header-include-file", "-main-file-name",
    "--config", "-imultilib", "-iwithprefix", "-iwithprefixbefore", "-iprefix",
    "-Xopenmp-target", "-Xcuda-fatbinary", "-Xcuda-ptxas", "-install_name", "-framework",
    "-module-dependency-dir", "-fmodule-file", "-fmodules-cache-path", "--driver-mode",
    "--config-system-dir", "--config-user-dir", "-ccc-install-dir", "-ccc-gcc-name"};

// Flags kept as they are.
constexpr std::array kPlainFlags = {
    "-pthread", "-ansi", "-nostdinc", "-nostdinc++", "-nostdlibinc", "-nobuiltininc", "-undef",
    "-trigraphs", "-m16", "-m32", "-m64", "-mx32", "-mthumb", "-marm", "-mbig-endian",
    "-mlittle-endian", "-EB", "-EL", "-msoft-float", "-mhard-float", "-mgeneral-regs-only",
    "-mstrict-align", "-mno-unaligned-access", "-munaligned-access", "-mms-bitfields",
    "-mrtd", "-municode", "-mthreads", "-mwindows", "-mconsole", "-mdll"};

// -m<name>=<value> kept (value without a path).
constexpr std::array kMachineValueFlags = {"-march=", "-mcpu=", "-mtune=", "-mfpu=",
                                           "-mfloat-abi=", "-mabi=", "-mcmodel=", "-mregparm="};
// -m<feature> / -mno-<feature> for instruction sets that define macros.
constexpr std::array kMachineFeatures = {
    "sse", "avx", "aes", "pclmul", "bmi", "popcnt", "fma", "f16c", "rdrnd", "rdseed", "sha",
    "cx16", "lzcnt", "movbe", "xsave", "vpclmulqdq", "gfni", "vaes", "adx", "crc", "mmx",
    "3dnow", "neon", "altivec", "vsx", "crypto"};

// -f<name>, -fno-<name>, -f<name>=<value>: language and ABI choices that
// change what parses or which macros are defined. Nothing here names a file.
constexpr std::array kLanguageFlags = {
    "exceptions", "cxx-exceptions", "rtti", "ms-extensions", "ms-compatibility",
    "ms-compatibility-version", "ms-volatile", "delayed-template-parsing", "declspec",
    "borland-extensions", "gnu89-inline", "gnu-keywords", "asm", "gnu-inline-asm",
    "short-wchar", "short-enums", "signed-char", "unsigned-char", "signed-wchar", "wchar-type",
    "char8_t", "freestanding", "hosted", "openmp", "openmp-simd", "blocks", "objc-arc",
    "coroutines", "sized-deallocation", "aligned-new", "aligned-allocation", "permissive",
    "dollars-in-identifiers", "pic", "PIC", "pie", "PIE", "wrapv", "strict-aliasing", "common",
    "visibility", "visibility-inlines-hidden", "threadsafe-statics", "operator-names",
    "access-control", "trigraphs", "digraphs", "math-errno", "fast-math", "finite-math-only",
    "unsafe-math-optimizations", "strict-enums", "lax-vector-conversions", "template-depth",
    "constexpr-depth", "constexpr-steps", "bracket-depth", "emulated-tls", "stack-protector",
    "stack-protector-strong", "stack-protector-all", "omit-frame-pointer", "gnuc-version",
    "pack-struct", "max-type-align", "input-charset", "exec-charset", "sanitize",
    "strict-overflow", "trapping-math", "honor-nans", "honor-infinities", "rounding-math",
    "signed-zeros", "zero-initialized-in-bss", "gnu-runtime", "next-runtime"};

// Languages -x may choose.
constexpr std::array kLanguages = {"c", "c++", "c-header", "c++-header", "objective-c",
                                   "objective-c++", "cpp-output", "c++-cpp-output"};

// Architectures a cross compiler's name may name, for --target.
constexpr std::array kCrossArchs = {"arm", "armeb", "thumb", "thumbeb", "aarch64",
                                    "aarch64_be", "mips", "mipsel", "mips64", "mips64el",
                                    "riscv32", "riscv64", "i386", "i486", "i586", "i686",
                                    "x86_64", "powerpc", "powerpc64", "powerpc64le", "ppc",
                                    "ppc64", "ppc64le", "sparc", "sparc64", "s390x", "avr",
                                    "msp430", "loongarch64", "m68k", "hexagon", "xtensa"};

template <size_t N> bool contains(const std::array<const char *, N> &set, StringRef s) {
  return std::any_of(set.begin(), set.end(), [&](const char *e) { return s == e; });
}

bool hasPath(StringRef value) { return value.contains('/') || value.contains('\\'); }

constexpr size_t kMaxResponseFile = 1u << 20;
constexpr size_t kMaxArgs = 100000;
constexpr int kMaxResponseDepth = 8;

// Expands @file arguments that name regular files inside the project;
// others are dropped.
void expand(const std::vector<std::string> &in, const FilterContext &ctx, int depth,
            std::vector<std::string> &out, std::vector<std::string> &dropped) {
  for (const std::string &a : in) {
    if (out.size() >= kMaxArgs) {
      dropped.push_back("(arguments past " + std::to_string(kMaxArgs) + ")");
      return;
    }
    if (a.size() < 2 || a[0] != '@') {
      out.push_back(a);
      continue;
    }
    std::string file = absoluteIn(ctx.directory, StringRef(a).drop_front());
    llvm::sys::fs::file_status st;
    if (depth >= kMaxResponseDepth || !insideRoots(file, ctx.projectRoots) ||
        llvm::sys::fs::status(file, st, /*follow=*/false) ||
        !llvm::sys::fs::is_regular_file(st) || st.getSize() > kMaxResponseFile) {
      dropped.push_back(a);
      continue;
    }
    auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
    if (!buf) {
      dropped.push_back(a);
      continue;
    }
    llvm::BumpPtrAllocator alloc;
    llvm::StringSaver saver(alloc);
    llvm::SmallVector<const char *, 64> toks;
    llvm::cl::TokenizeGNUCommandLine((*buf)->getBuffer(), saver, toks);
    std::vector<std::string> nested(toks.begin(), toks.end());
    expand(nested, ctx, depth + 1, out, dropped);
  }
}

// "arm-none-eabi-gcc" -> "arm-none-eabi" when the prefix names a known
// architecture; "" otherwise.
std::string crossTarget(StringRef compiler) {
  StringRef name = llvm::sys::path::filename(compiler);
  for (StringRef tool : {"-gcc", "-g++", "-cc", "-c++", "-clang", "-clang++", "-cpp"}) {
    size_t at = name.rfind(tool);
    if (at == StringRef::npos || at == 0)
      continue;
    StringRef rest = name.drop_front(at + tool.size());
    rest.consume_front("-"); // version suffix: arm-none-eabi-gcc-12.2.1
    if (!rest.empty() && !std::all_of(rest.begin(), rest.end(),
                                      [](char c) { return isdigit(c) || c == '.'; }))
      continue;
    StringRef triple = name.take_front(at);
    if (triple.count('-') < 1 || !contains(kCrossArchs, triple.split('-').first))
      return {};
    return triple.str();
  }
  return {};
}

bool isCxxCompiler(StringRef compiler) {
  StringRef name = llvm::sys::path::filename(compiler);
  return name.contains("++") || name.ends_with("CC") || name.contains("clang-cl");
}

} // namespace

std::string absoluteIn(const std::string &dir, StringRef path) {
  llvm::SmallString<256> p(path);
  if (!llvm::sys::path::is_absolute(p)) {
    llvm::SmallString<256> base(dir);
    llvm::sys::path::append(base, path);
    p = base;
  }
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

bool insideRoots(const std::string &path, const std::vector<std::string> &roots) {
  StringRef p(path);
  for (const std::string &root : roots) {
    StringRef r(root);
    r.consume_back("/");
    if (p.starts_with(r) && (p.size() == r.size() || p[r.size()] == '/'))
      return true;
  }
  return false;
}

FilteredCommand filterCommand(const std::vector<std::string> &raw, const std::string &source,
                              const FilterContext &ctx) {
  FilteredCommand out;
  if (raw.empty())
    return out;
  std::vector<std::string> args;
  expand(std::vector<std::string>(raw.begin() + 1, raw.end()), ctx, 0, args, out.dropped);
  out.args.push_back(isCxxCompiler(raw[0]) ? "clang++" : "clang");
  std::string absSource = absoluteIn(ctx.directory, source);
  bool hasTarget = false;
  for (size_t i = 0; i < args.size(); ++i) {
    StringRef a = args[i];
    bool hasNext = i + 1 < args.size();
    if (!a.starts_with("-") || a == "-") { // inputs: the source itself, objects, ...
      if (a != source && absoluteIn(ctx.directory, a) != absSource)
        out.dropped.push_back(a.str());
      continue;
    }
    // Flags with a value, joined or separate.
    bool matched = false;
    for (const char *flag : kValueFlags) {
      StringRef f(flag);
      if (!a.starts_with(f))
        continue;
      StringRef value = a.drop_front(f.size());
      bool separate = value.empty();
      if (!separate && f.starts_with("--")) {
        if (!value.consume_front("="))
          continue; // --sysrootX is another flag
      } else if (!separate && f.size() > 2 && f != "-isystem" && f != "-iquote" &&
                 f != "-idirafter" && f != "-iframework" && f != "-isysroot") {
        // (-x is 2 characters: -xc++ is the joined form and is handled here)
        continue; // -target, -arch, -include, -x... take their value separately
      }
      if (separate) {
        // A value that looks like a flag is not taken as one: compilers
        // disagree on which flags take a separate value, and "-gcc-toolchain
        // -MJx" must never pass -MJx on (found by fuzz/fuzz_compile_db).
        if (!hasNext || llvm::StringRef(args[i + 1]).starts_with("-")) {
          out.dropped.push_back(a.str());
          matched = true;
          break;
        }
        value = args[++i];
      }
      matched = true;
      bool keep = true;
      if (f == "-x")
        keep = contains(kLanguages, value);
      else if (f == "-include" || f == "-imacros")
        keep = insideRoots(absoluteIn(ctx.directory, value), ctx.projectRoots);
      if (keep) {
        if (f == "-target" || f == "--target")
          hasTarget = true;
        if (f.starts_with("--")) { // --target=x, --sysroot=x: the joined form
          out.args.push_back(f.str() + "=" + value.str());
        } else {
          out.args.push_back(f.str());
          out.args.push_back(value.str());
        }
      } else {
        out.dropped.push_back(f.str() + (separate ? " " : "") + value.str());
      }
      break;
    }
    if (matched)
      continue;
    if (contains(kDropWithNext, a)) {
      out.dropped.push_back(a.str() + (hasNext ? " " + args[i + 1] : ""));
      i += hasNext;
      continue;
    }
    bool keep = contains(kPlainFlags, a) || a.starts_with("-std=") ||
                (a.starts_with("-stdlib=") && !hasPath(a)) ||
                (a.size() == 3 && a.starts_with("-O")) || a == "-O";
    if (!keep && a.starts_with("-m") && !hasPath(a)) {
      for (const char *f : kMachineValueFlags)
        keep |= a.starts_with(f);
      StringRef feature = a.drop_front(2);
      feature.consume_front("no-");
      for (const char *f : kMachineFeatures)
        keep |= feature.starts_with(f) && !feature.contains('=');
    }
    if (!keep && a.starts_with("-f") && !hasPath(a)) {
      StringRef name = a.drop_front(2);
      name.consume_front("no-");
      name = name.split('=').first;
      keep = contains(kLanguageFlags, name) || name.starts_with("builtin");
    }
    if (keep)
      out.args.push_back(a.str());
    else
      out.dropped.push_back(a.str());
  }
  if (!hasTarget) {
    std::string triple = crossTarget(raw[0]);
    if (!triple.empty())
      out.args.push_back("--target=" + triple);
  }
  return out;
}

} // namespace tlsfloor::driver
