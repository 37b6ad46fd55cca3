// The entry point every fuzz target defines, as libFuzzer (and AFL++'s
// libFuzzer driver) call it. A target returns 0 and aborts (CRMSIM_ASSERT)
// on anything a client or a file must never cause: a crash, a hang past a
// limit, a 5xx from a fake, an answer that is not the API's error shape.
// See fuzz/README.md for how they are built and run.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
