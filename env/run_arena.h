// Where a simulation's memory comes from. A 10,000-contact day allocates
// about 140 MB in small pieces (records, JSON, strings), frees much of it
// and allocates again, and on a virtual machine each page it touches for
// the first time is a costly fault: with 4 KiB pages and jemalloc handing
// idle pages back to the kernel after ten seconds, faults and TLB misses
// were a fifth of the run (perf: the kernel's page-fault path at 7%, user
// time 1.45 s against 1.2 s on huge pages). A RunArena binds the calling
// thread to one jemalloc arena, shared by every run of the process, whose
// memory is mapped in 2 MiB-aligned stretches marked for transparent huge
// pages and kept for the next run instead of handed back. Allocations made
// elsewhere (the HTTP server, other threads) are untouched.
//
// Without jemalloc (a sanitizer build, a test binary, a machine without
// it) a RunArena does nothing and the run is the same, only slower: the
// arena decides where bytes live, never what a run does.
#pragma once

namespace crmsim::env {

class RunArena {
 public:
  // Binds the calling thread to the arena (made on first use).
  RunArena();
  // Binds it back to the arena it had.
  ~RunArena();
  RunArena(const RunArena&) = delete;
  RunArena& operator=(const RunArena&) = delete;
  // Whether the thread is on the huge-page arena.
  bool bound() const { return bound_; }

 private:
  unsigned previous_ = 0;
  bool bound_ = false;
};

}  // namespace crmsim::env
