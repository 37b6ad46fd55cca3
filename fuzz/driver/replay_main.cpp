// A driver for the fuzz targets without libFuzzer, for `make test` (GCC's
// ASan+UBSan build): runs every corpus input, then a bounded number of
// inputs mutated from them by a seeded generator (byte flips, insertions,
// deletions, repeats, splices and tokens that hostile inputs are made of),
// within a time limit. Not coverage-guided: `make fuzz` runs the same
// targets under libFuzzer for that. Prints what it ran; a failing input is
// written to a file and its path printed before the target aborts.
//   replay_main [--mutations N] [--seed S] [--seconds T] [--max-len L] PATH...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "env/rng.h"
#include "fuzz/fuzz_target.h"

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Pieces hostile inputs are made of.
constexpr const char* kTokens[] = {"[",
                                   "{",
                                   "]",
                                   "}",
                                   "\"",
                                   "\\",
                                   "(",
                                   ")",
                                   " NOT ",
                                   " AND ",
                                   " OR ",
                                   "-1",
                                   "0",
                                   "2147483648",
                                   "1e999",
                                   "null",
                                   "true",
                                   "\xff",
                                   "\xc3",
                                   "%",
                                   "%00",
                                   "'",
                                   "SELECT Id FROM Lead WHERE ",
                                   "*",
                                   "&a",
                                   "*a",
                                   ": ",
                                   "\n  ",
                                   "- ",
                                   "LIMIT ",
                                   "OFFSET 99999999999",
                                   ",",
                                   "\"id\":",
                                   "\"inputs\":[",
                                   "\"properties\":{",
                                   "\"records\":[",
                                   "\"allOrNone\":true",
                                   "\"after\":\"",
                                   "\"filterGroups\":["};

std::string mutate(const std::string& base, const std::vector<std::string>& corpus,
                   crmsim::env::Rng& rng, size_t max_len) {
  std::string s = base;
  const int steps = static_cast<int>(rng.uniform_int(1, 4));
  for (int k = 0; k < steps; ++k) {
    const size_t at = s.empty() ? 0 : rng.index(s.size() + 1);
    switch (rng.uniform_int(0, 6)) {
      case 0:  // flip a byte
        if (!s.empty()) s[rng.index(s.size())] ^= static_cast<char>(1 << rng.uniform_int(0, 7));
        break;
      case 1:  // insert a random byte
        s.insert(at, 1, static_cast<char>(rng.uniform_int(0, 255)));
        break;
      case 2: {  // delete a range
        if (s.empty()) break;
        const size_t from = rng.index(s.size());
        s.erase(from, rng.index(std::min<size_t>(s.size() - from, 64)) + 1);
        break;
      }
      case 3: {  // repeat a range many times (depth, size)
        if (s.empty()) break;
        const size_t from = rng.index(s.size());
        const std::string piece = s.substr(from, rng.index(8) + 1);
        const size_t times = static_cast<size_t>(rng.uniform_int(2, 2000));
        std::string repeated;
        for (size_t t = 0; t < times && repeated.size() < max_len; ++t) repeated += piece;
        s.insert(at, repeated);
        break;
      }
      case 4: {  // splice another input's tail
        const std::string& other = corpus[rng.index(corpus.size())];
        if (other.empty()) break;
        s = s.substr(0, at) + other.substr(rng.index(other.size()));
        break;
      }
      default:  // a token
        s.insert(at, kTokens[rng.index(std::size(kTokens))]);
        break;
    }
  }
  if (s.size() > max_len) s.resize(max_len);
  return s;
}

void run(const std::string& input) {
  // Kept until the input passed: an abort leaves it for the replay.
  static const std::string crash_file = "fuzz-crash-input.bin";
  {
    std::ofstream out(crash_file, std::ios::binary | std::ios::trunc);
    out << input;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mutations = 2000, seed = 1, max_len = 64 * 1024;
  double seconds = 20;
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--mutations") {
      mutations = std::stoull(next());
    } else if (a == "--seed") {
      seed = std::stoull(next());
    } else if (a == "--seconds") {
      seconds = std::stod(next());
    } else if (a == "--max-len") {
      max_len = std::stoull(next());
    } else {
      paths.emplace_back(a);
    }
  }
  std::vector<std::string> corpus;
  for (const fs::path& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) corpus.push_back(read_file(f));
    } else if (fs::is_regular_file(p)) {
      corpus.push_back(read_file(p));
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  std::printf("an input that fails is left in %s/fuzz-crash-input.bin\n",
              fs::current_path().c_str());
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& input : corpus) run(input);
  crmsim::env::Rng rng(seed, "fuzz-mutations");
  uint64_t done = 0;
  for (; done < mutations; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds)
      break;
    run(mutate(corpus[rng.index(corpus.size())], corpus, rng, max_len));
  }
  std::remove("fuzz-crash-input.bin");
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu corpus inputs and %llu mutations (seed %llu) in %.1f s: no crash\n",
              corpus.size(), static_cast<unsigned long long>(done),
              static_cast<unsigned long long>(seed), took);
  return 0;
}
