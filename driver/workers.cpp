#include "workers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>

#include "tlsfloor/findings/transport.h"

extern char **environ;

namespace tlsfloor::driver {

namespace {

using Clock = std::chrono::steady_clock;

struct Worker {
  pid_t pid = -1;
  int toChild = -1;   // jobs
  int fromChild = -1; // results
  std::string buffer; // partial result line
  long job = -1;      // index of the job it is working on, -1 = idle
  Clock::time_point deadline;
  unsigned budget = 0; // seconds, 0 = none
};


void closeFd(int &fd) {
  if (fd >= 0)
    close(fd);
  fd = -1;
}

bool writeAll(int fd, const std::string &data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool spawnWorker(const PoolOptions &options, const std::string &initLine, Worker &w,
                 std::string &error) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    close(in[0]);
    close(in[1]);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::string exe = options.executable;
  char arg1[] = "__worker";
  char *argv[] = {exe.data(), arg1, nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    error = "cannot start a worker (" + exe + "): " + std::strerror(rc);
    close(in[1]);
    close(out[0]);
    return false;
  }
  w = Worker{};
  w.pid = pid;
  w.toChild = in[1];
  w.fromChild = out[0];
  fcntl(w.fromChild, F_SETFL, fcntl(w.fromChild, F_GETFL) | O_NONBLOCK);
  if (!writeAll(w.toChild, initLine)) {
    error = "cannot start a worker: it exited at once";
    return false;
  }
  return true;
}

std::string describeDeath(int status, const PoolOptions &options) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == kWorkerOutOfMemory)
    return "exceeded the memory budget of " + std::to_string(options.memoryBytes >> 20) +
           " MiB (--memory-limit); input skipped";
  if (WIFSIGNALED(status))
    return "the analysis of this input crashed (signal " + std::to_string(WTERMSIG(status)) +
           ", e.g. nesting too deep to recurse); input skipped";
  return "the analysis of this input crashed (worker exit code " +
         std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "); input skipped";
}

// Parses one result line into `out`; false when it is not a valid result.
bool decodeResult(llvm::StringRef line, WorkResult &out) {
  llvm::Expected<llvm::json::Value> v = llvm::json::parse(line);
  if (!v) {
    llvm::consumeError(v.takeError());
    return false;
  }
  const llvm::json::Object *o = v->getAsObject();
  const llvm::json::Array *fs = o ? o->getArray("findings") : nullptr;
  const llvm::json::Array *ds = o ? o->getArray("diagnostics") : nullptr;
  if (!fs || !ds)
    return false;
  for (const llvm::json::Value &f : *fs) {
    Finding finding;
    if (!transport::decode(f, finding))
      return false;
    out.findings.push_back(std::move(finding));
  }
  for (const llvm::json::Value &d : *ds) {
    Diagnostic diag;
    if (!transport::decode(d, diag))
      return false;
    out.diagnostics.push_back(std::move(diag));
  }
  out.suppressed = static_cast<unsigned>(o->getInteger("suppressed").value_or(0));
  if (const llvm::json::Array *us = o->getArray("unresolved"))
    for (const llvm::json::Value &u : *us)
      if (auto s = u.getAsString())
        out.unresolved.push_back(s->str());
  return true;
}

std::string encodeJob(const WorkItem &item) {
  llvm::json::Array command;
  for (const std::string &a : item.command)
    command.push_back(transport::utf8(a));
  const char *kind = item.kind == WorkItem::Kind::Source   ? "source"
                     : item.kind == WorkItem::Kind::Config ? "config"
                                                           : "binary";
  llvm::json::Object job{{"kind", kind},
                         {"display", transport::utf8(item.display)},
                         {"path", transport::utf8(item.path)},
                         {"size", static_cast<int64_t>(item.size)},
                         {"command", std::move(command)},
                         {"directory", transport::utf8(item.directory)}};
  std::string line;
  llvm::raw_string_ostream os(line);
  os << llvm::json::Value(std::move(job)) << '\n';
  return line;
}

} // namespace

std::vector<WorkResult> runInWorkers(const std::vector<WorkItem> &items,
                                     const PoolOptions &options) {
  std::vector<WorkResult> results(items.size());
  if (items.empty())
    return results;
  signal(SIGPIPE, SIG_IGN); // a worker that died is noticed by its exit, not by a signal
  std::string initLine;
  {
    llvm::raw_string_ostream os(initLine);
    os << llvm::json::Value(llvm::json::Object(options.init)) << '\n';
  }
  size_t next = 0, done = 0;
  unsigned count = std::max(1u, std::min<unsigned>(options.workers, items.size()));
  std::vector<Worker> workers(count);
  auto fail = [&](size_t job, const std::string &message) {
    results[job].findings.clear();
    results[job].diagnostics = {{Diagnostic::Kind::Incomplete, items[job].display, message}};
    ++done;
  };
  auto reap = [&](Worker &w) {
    closeFd(w.toChild);
    closeFd(w.fromChild);
    int status = 0;
    if (w.pid > 0)
      while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
    w.pid = -1;
    return status;
  };
  // Gives `w` the next job, starting a worker first if needed.
  auto dispatch = [&](Worker &w) {
    while (next < items.size()) {
      if (w.pid < 0) {
        std::string error;
        if (!spawnWorker(options, initLine, w, error)) {
          reap(w);
          fail(next++, error);
          continue;
        }
      }
      size_t job = next++;
      if (!writeAll(w.toChild, encodeJob(items[job]))) {
        fail(job, describeDeath(reap(w), options));
        continue;
      }
      w.job = static_cast<long>(job);
      w.buffer.clear();
      w.budget = inputBudgetSeconds(items[job], options.timeoutSeconds);
      w.deadline = w.budget ? Clock::now() + std::chrono::seconds(w.budget)
                            : Clock::time_point::max();
      return;
    }
    w.job = -1;
  };
  for (Worker &w : workers)
    dispatch(w);

  while (done < items.size()) {
    std::vector<pollfd> fds;
    std::vector<Worker *> owners;
    Clock::time_point nearest = Clock::time_point::max();
    for (Worker &w : workers)
      if (w.job >= 0) {
        fds.push_back({w.fromChild, POLLIN, 0});
        owners.push_back(&w);
        nearest = std::min(nearest, w.deadline);
      }
    if (fds.empty())
      break; // nothing running and nothing left that could be started
    int timeout = -1;
    if (nearest != Clock::time_point::max()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(nearest - Clock::now());
      timeout = static_cast<int>(std::max<long long>(0, std::min<long long>(ms.count(), 60000)));
    }
    int ready = poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR)
      break;
    for (size_t i = 0; i < fds.size(); ++i) {
      Worker &w = *owners[i];
      size_t job = static_cast<size_t>(w.job);
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[65536];
        ssize_t n;
        while ((n = read(w.fromChild, buf, sizeof buf)) > 0)
          w.buffer.append(buf, static_cast<size_t>(n));
        size_t eol = w.buffer.find('\n');
        if (eol != std::string::npos) {
          if (!decodeResult(llvm::StringRef(w.buffer).take_front(eol), results[job])) {
            reap(w);
            fail(job, "internal error: a worker's result could not be read; input skipped");
          } else {
            ++done;
          }
          dispatch(w);
          continue;
        }
        if (n == 0) { // the worker closed its end: it died
          fail(job, describeDeath(reap(w), options));
          dispatch(w);
          continue;
        }
      }
      if (Clock::now() >= w.deadline) {
        kill(w.pid, SIGKILL);
        reap(w);
        fail(job, "exceeded the time budget of " + std::to_string(w.budget) +
                      " s (--timeout, plus 1 s per 8 MiB of a binary or bundle); input skipped");
        dispatch(w);
      }
    }
  }
  for (Worker &w : workers)
    if (w.pid > 0) {
      closeFd(w.toChild); // EOF: the worker exits
      reap(w);
    }
  return results;
}

unsigned inputBudgetSeconds(const WorkItem &item, unsigned timeout) {
  if (!timeout)
    return 0;
  uint64_t extra = item.kind == WorkItem::Kind::Binary ? item.size / (8u << 20) : 0;
  return static_cast<unsigned>(std::min<uint64_t>(timeout + extra, 24u * 3600));
}

} // namespace tlsfloor::driver
