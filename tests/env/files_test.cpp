#include "env/files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace crmsim::env {
namespace {

namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("crmsim-files-test-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(FilesTest, AnAtomicWriteReplacesTheWholeFileAndLeavesNoTemporary) {
  const std::string path = (dir / "state.json").string();
  ASSERT_TRUE(write_file_atomically(path, "first, and longer").ok());
  ASSERT_TRUE(write_file_atomically(path, "second").ok());
  EXPECT_EQ(read(path), "second");
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary left beside it";
}

TEST_F(FilesTest, FailuresNameThePathAndLeaveTheOldFile) {
  const std::string path = (dir / "no" / "such" / "file").string();
  auto written = write_file_atomically(path, "x");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, "io");
  EXPECT_NE(written.error().message.find("no/such"), std::string::npos);

  EXPECT_TRUE(remove_file((dir / "absent").string()).ok()) << "nothing to remove is fine";
  const std::string kept = (dir / "kept").string();
  ASSERT_TRUE(write_file_atomically(kept, "x").ok());
  EXPECT_TRUE(remove_file(kept).ok());
  EXPECT_FALSE(fs::exists(kept));
}

}  // namespace
}  // namespace crmsim::env
