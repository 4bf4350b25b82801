// What an isolated worker may do: read files, nothing else. Applied by each
// worker process to itself before it reads any input (docs/security.md).
#pragma once

#include <cstdint>
#include <string>

namespace tlsfloor::driver {

// Irreversibly restricts this process: no file may be created, written,
// truncated, renamed or removed, no program executed, no TCP connection made
// (Landlock, where the kernel has it), no core file written and no file grown
// (rlimits, everywhere). Returns a one-line description of what was applied.
std::string enterSandbox();

// Caps this process's address space at its current size plus `extraBytes`
// (0 = no cap). Allocation past it fails, and the worker reports the input as
// over its memory budget.
void limitAddressSpace(uint64_t extraBytes);

} // namespace tlsfloor::driver
