#include "compile_db.h"

#include "arg_filter.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/StringSaver.h"

namespace tlsfloor::driver {

namespace {
std::string absoluteIn(const std::string &dir, llvm::StringRef path) {
  llvm::SmallString<256> p(path);
  if (!llvm::sys::path::is_absolute(p)) {
    llvm::SmallString<256> base(dir);
    llvm::sys::path::append(base, path);
    p = base;
  }
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}
} // namespace

bool jsonDepthWithin(const std::string &text, unsigned limit) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

bool parseCompileDb(const std::string &text, const std::string &dbDir,
                    const std::vector<std::string> &projectRoots, CompileDb &db,
                    std::string &error) {
  if (!jsonDepthWithin(text, kMaxJsonDepth)) {
    error = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json) {
    error = "not valid JSON: " + llvm::toString(json.takeError());
    return false;
  }
  const llvm::json::Array *entries = json->getAsArray();
  if (!entries) {
    error = "not a JSON array of compile commands";
    return false;
  }
  for (const llvm::json::Value &v : *entries) {
    const llvm::json::Object *o = v.getAsObject();
    if (!o)
      continue;
    auto dir = o->getString("directory");
    auto file = o->getString("file");
    if (!dir || !file)
      continue;
    std::vector<std::string> raw;
    if (const llvm::json::Array *args = o->getArray("arguments")) {
      for (const llvm::json::Value &a : *args)
        if (auto s = a.getAsString())
          raw.push_back(s->str());
    } else if (auto command = o->getString("command")) {
      llvm::BumpPtrAllocator alloc;
      llvm::StringSaver saver(alloc);
      llvm::SmallVector<const char *, 64> toks;
      llvm::cl::TokenizeGNUCommandLine(*command, saver, toks);
      raw.assign(toks.begin(), toks.end());
    }
    if (raw.empty())
      continue;
    CompileEntry entry;
    entry.directory = absoluteIn(dbDir, *dir);
    FilterContext ctx{projectRoots, entry.directory};
    FilteredCommand filtered = filterCommand(raw, file->str(), ctx);
    entry.command = std::move(filtered.args);
    entry.dropped = std::move(filtered.dropped);
    db.emplace(absoluteIn(entry.directory, *file), std::move(entry)); // first entry wins
  }
  return true;
}

bool loadCompileDb(const std::string &dir, const std::vector<std::string> &projectRoots,
                   CompileDb &db, std::string &error) {
  llvm::SmallString<256> file(dir);
  llvm::sys::path::append(file, "compile_commands.json");
  llvm::sys::fs::file_status st;
  if (llvm::sys::fs::status(file, st, /*follow=*/true)) {
    error = "no compile_commands.json in " + dir;
    return false;
  }
  if (!llvm::sys::fs::is_regular_file(st)) {
    error = std::string(file) + " is not a regular file";
    return false;
  }
  if (st.getSize() > kMaxCompileDbBytes) {
    error = std::string(file) + " is larger than " + std::to_string(kMaxCompileDbBytes >> 20) +
            " MiB";
    return false;
  }
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
  if (!buf) {
    error = "cannot read " + std::string(file) + ": " + buf.getError().message();
    return false;
  }
  llvm::SmallString<256> absDir(dir);
  llvm::sys::fs::make_absolute(absDir);
  llvm::sys::path::remove_dots(absDir, true);
  std::string parseError;
  if (!parseCompileDb((*buf)->getBuffer().str(), std::string(absDir), projectRoots, db,
                      parseError)) {
    error = "cannot load " + std::string(file) + ": " + parseError;
    return false;
  }
  return true;
}

} // namespace tlsfloor::driver
