#include "compile_db.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

#include "llvm/Support/GlobPattern.h"

extern char **environ;

#include "arg_filter.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/StringSaver.h"

namespace tlsfloor::driver {

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
    entry.compiler = absoluteIn(entry.directory, raw[0]);
    if (!llvm::StringRef(raw[0]).contains('/'))
      entry.compiler = raw[0]; // found on PATH
    entry.cxx = !entry.command.empty() && entry.command[0] == "clang++";
    db.emplace(absoluteIn(entry.directory, *file), std::move(entry)); // first entry wins
  }
  return true;
}

void removeArguments(CompileDb &db, const std::vector<std::string> &patterns) {
  if (patterns.empty())
    return;
  for (auto &[file, entry] : db) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < entry.command.size(); ++i) {
      llvm::StringRef a(entry.command[i]);
      bool drop = i > 0 && std::any_of(patterns.begin(), patterns.end(), [&](const std::string &p) {
                    llvm::StringRef pat(p);
                    return pat.consume_back("*") ? a.starts_with(pat) : a == pat;
                  });
      if (drop)
        entry.dropped.push_back(a.str());
      else
        kept.push_back(a.str());
    }
    entry.command = std::move(kept);
  }
}

namespace {
// Runs `argv` with stdin from /dev/null, returns what it wrote on stdout and
// stderr (at most 1 MiB), or nothing after `seconds`.
std::optional<std::string> capture(const std::vector<std::string> &argv, unsigned seconds) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return std::nullopt;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  std::vector<char *> args;
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return std::nullopt;
  }
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  char buf[65536];
  bool timedOut = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0)
      break;
    if (text.size() < (1u << 20))
      text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timedOut)
    kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut)
    return std::nullopt;
  return text;
}
} // namespace

std::vector<std::string> queryDrivers(CompileDb &db, const std::vector<std::string> &globs) {
  std::vector<std::string> notes;
  if (globs.empty())
    return notes;
  std::vector<llvm::GlobPattern> patterns;
  for (const std::string &g : globs)
    if (auto p = llvm::GlobPattern::create(g))
      patterns.push_back(std::move(*p));
    else
      llvm::consumeError(p.takeError());
  // (compiler, C++?) -> flags to add
  std::map<std::pair<std::string, bool>, std::vector<std::string>> cache;
  for (auto &[file, entry] : db) {
    bool allowed = std::any_of(patterns.begin(), patterns.end(),
                               [&](const llvm::GlobPattern &p) { return p.match(entry.compiler); });
    if (!allowed)
      continue;
    auto key = std::make_pair(entry.compiler, entry.cxx);
    auto it = cache.find(key);
    if (it == cache.end()) {
      std::vector<std::string> flags;
      auto listing = capture({entry.compiler, "-E", "-v", "-x", entry.cxx ? "c++" : "c", "/dev/null"}, 10);
      auto machine = capture({entry.compiler, "-dumpmachine"}, 10);
      if (!listing) {
        notes.push_back(entry.compiler + ": could not be queried (not found, or no answer in 10 s)");
      } else {
        llvm::StringRef rest(*listing);
        bool inList = false;
        unsigned dirs = 0;
        while (!rest.empty()) {
          auto [line, tail] = rest.split('\n');
          rest = tail;
          if (line.starts_with("#include <...> search starts here:")) {
            inList = true;
            continue;
          }
          if (line.starts_with("End of search list."))
            break;
          llvm::StringRef dir = line.trim();
          if (inList && !dir.empty() && llvm::sys::fs::is_directory(dir)) {
            flags.push_back("-isystem");
            flags.push_back(dir.str());
            ++dirs;
          }
        }
        std::string triple = machine ? llvm::StringRef(*machine).trim().str() : std::string();
        if (!triple.empty() && triple.find(' ') == std::string::npos) {
          flags.push_back("--target=" + triple);
          flags.push_back("-nostdlibinc"); // the driver's own directories, not the host's
        }
        notes.push_back(entry.compiler + ": " + std::to_string(dirs) + " include directories" +
                        (triple.empty() ? std::string() : ", target " + triple));
      }
      it = cache.emplace(key, std::move(flags)).first;
    }
    if (it->second.empty())
      continue;
    // The driver's target replaces one inferred from the compiler's name.
    std::vector<std::string> cmd;
    for (const std::string &a : entry.command)
      if (!llvm::StringRef(a).starts_with("--target="))
        cmd.push_back(a);
    cmd.insert(cmd.end(), it->second.begin(), it->second.end());
    entry.command = std::move(cmd);
  }
  return notes;
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
