#include "env/run_arena.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/mman.h>
#include <sys/types.h>

#if __has_include(<jemalloc/jemalloc.h>)
#include <jemalloc/jemalloc.h>
// Weak: a program linked without jemalloc has no mallctl, and then the
// arena is simply not there.
#pragma weak mallctl
#define CRMSIM_RUN_ARENA 1
#endif

namespace crmsim::env {

#ifdef CRMSIM_RUN_ARENA
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kPage = size_t{4} << 10;

// Maps `size` bytes aligned to `alignment` (and to 2 MiB when the stretch
// is that large, so that the kernel can back it with huge pages). jemalloc
// asks for large stretches and splits them itself.
void* map_stretch(extent_hooks_t*, void* new_addr, size_t size, size_t alignment, bool* zero,
                  bool* commit, unsigned) {
  if (new_addr != nullptr) return nullptr;  // growing in place is not offered
  const size_t align = std::max({alignment, kPage, size >= kHugePage ? kHugePage : kPage});
  if (size + align < size) return nullptr;
  void* p = mmap(nullptr, size + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + align - 1) & ~static_cast<uintptr_t>(align - 1);
  const uintptr_t end = start + size + align;
  if (aligned > start) munmap(p, aligned - start);
  if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  if (size >= kHugePage) (void)madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  *zero = true;
  *commit = true;
  return reinterpret_cast<void*>(aligned);
}

// Plain anonymous memory splits and merges without any call: false is
// jemalloc's "done".
bool split_stretch(extent_hooks_t*, void*, size_t, size_t, size_t, bool, unsigned) { return false; }
bool merge_stretches(extent_hooks_t*, void*, size_t, void*, size_t, bool, unsigned) {
  return false;
}

// No dalloc, decommit or purge: the arena keeps what it mapped for the
// next allocation (and the next run) instead of handing pages back.
extent_hooks_t kHooks = {map_stretch, nullptr, nullptr,       nullptr,        nullptr,
                         nullptr,     nullptr, split_stretch, merge_stretches};

// The arena's index, made once per process; 0 when there is none.
unsigned run_arena() {
  static const unsigned index = [] {
    if (mallctl == nullptr) return 0u;
    unsigned made = 0;
    size_t size = sizeof(made);
    extent_hooks_t* hooks = &kHooks;
    if (mallctl("arenas.create", &made, &size, &hooks, sizeof(hooks)) != 0) return 0u;
    // Nothing to hand back: no decay either (it would only look for pages
    // to purge and find the hooks declining).
    for (const char* what : {"dirty_decay_ms", "muzzy_decay_ms"}) {
      const std::string name = "arena." + std::to_string(made) + "." + what;
      ssize_t never = -1;
      (void)mallctl(name.c_str(), nullptr, nullptr, &never, sizeof(never));
    }
    return made;
  }();
  return index;
}

}  // namespace

RunArena::RunArena() {
  const unsigned arena = run_arena();
  if (arena == 0) return;
  size_t size = sizeof(previous_);
  unsigned wanted = arena;
  bound_ = mallctl("thread.arena", &previous_, &size, &wanted, sizeof(wanted)) == 0;
}

RunArena::~RunArena() {
  if (bound_) (void)mallctl("thread.arena", nullptr, nullptr, &previous_, sizeof(previous_));
}

#else

RunArena::RunArena() = default;
RunArena::~RunArena() = default;

#endif

}  // namespace crmsim::env
