#include "env/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace crmsim::env {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return fail("io", what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view contents) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", temporary);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status failed = io_error("cannot write", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return failed;
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  Status failed = synced ? Status(Ok{}) : io_error("cannot flush", temporary);
  if (::close(fd) != 0 && synced) failed = io_error("cannot close", temporary);
  if (!failed.ok()) {
    ::unlink(temporary.c_str());
    return failed;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    Status failed = io_error("cannot rename onto", path);
    ::unlink(temporary.c_str());
    return failed;
  }
  return Ok{};
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Ok{};
  return io_error("cannot remove", path);
}

}  // namespace crmsim::env
