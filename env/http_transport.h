// A Transport over real HTTP/1.1 (cpp-httplib): keep-alive, TCP_NODELAY,
// connect/read/write timeouts. For talking to `crmsim serve`, and for tests
// that hold the HTTP path to the same answers as LocalTransport. Plain http
// only. Thread-safe: concurrent send() calls are serialized on the one
// connection; use one transport per thread for parallel load.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "env/time.h"
#include "env/transport.h"

namespace crmsim::env {

struct HttpTransportOptions {
  Duration connect_timeout = Duration::seconds(5);
  Duration read_timeout = Duration::seconds(30);
  Duration write_timeout = Duration::seconds(30);
  bool keep_alive = true;
};

class HttpTransport final : public Transport {
 public:
  // A transport to `base_url`, "http://host:port" with no path. Error
  // "bad_url" for anything else. Connects lazily, on the first send().
  static Result<std::unique_ptr<HttpTransport>> create(std::string_view base_url,
                                                       const HttpTransportOptions& options = {});
  ~HttpTransport() override;

  // Sends the request's target as given (already percent-encoded; nothing
  // is re-encoded). A body without a Content-Type header goes out as
  // text/plain. A GET with a body is refused (kInvalidRequest): servers
  // ignore such a body.
  Result<Response, TransportError> send(const Request& request) override;

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crmsim::env
