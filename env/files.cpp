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
  // The rename itself reaches the disk with its directory.
  const size_t slash = path.rfind('/');
  const std::string directory =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return Ok{};
}

Result<std::optional<std::string>> read_file_if_exists(const std::string& path, size_t bytes_max) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail(io_error("cannot open", path).error());
  }
  std::string contents;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status failed = io_error("cannot read", path);
      ::close(fd);
      return fail(failed.error());
    }
    if (n == 0) break;
    if (contents.size() + static_cast<size_t>(n) > bytes_max) {
      ::close(fd);
      return fail("too_large", path + " is larger than " + std::to_string(bytes_max) + " bytes");
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(contents));
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Ok{};
  return io_error("cannot remove", path);
}

}  // namespace crmsim::env
