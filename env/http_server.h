// serve(): runs a Router on cpp-httplib's HTTP server on background threads,
// for `crmsim serve` and for tests that use real clients. Binds 127.0.0.1
// unless told otherwise; port 0 picks a free port, reported by port().
// TCP_NODELAY is on (without it every keep-alive response waits for a
// delayed ACK: ~300 instead of ~25,000 requests/s). Requests are handled
// one at a time by default (the fakes are not thread-safe), which is the
// "coarse lock per fake" of DESIGN.md; reading a request, and parsing its
// JSON body, happen before that lock, on a worker of the connection's own.
// Workers grow with the connections (a keep-alive or slow client holds one,
// never the others' turn) up to ServeOptions::workers_max, and idle ones
// retire. A request whose bytes do not all arrive within
// request_read_deadline is cut off, however slowly they trickle in (the
// connection loop is ours, reading through a stream that knows the
// deadline; cpp-httplib 0.11 only times out each read).
// Oversize requests and a handler's exception get the router's own error
// shape (413/414/431, 500), never an exception text. An answer marked
// Response::Delivery::kDrop is never written: after the lock is released the
// connection is held for its `hold` (until the client leaves or the server
// stops) and shut down, which is how faults on demand time out and lose
// answers.
// Known limitation of Debian 12's cpp-httplib (0.11): it percent-decodes
// header values on arrival, so a header carrying "%41" reaches the router as
// "A". No header the CRM APIs use carries '%'.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "env/result.h"
#include "env/router.h"
#include "env/time.h"

namespace crmsim::env {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  // Handle one request at a time, under one lock.
  bool serialize_requests = true;
  // The lock to serialize under; shared with whoever else touches what the
  // router serves (a fake's background delivery). Null: the server's own.
  std::shared_ptr<std::mutex> lock;
  // Larger request bodies are refused with 413 before they reach the router.
  // Neither CRM documents one for JSON calls; 16 MiB holds a 200-record
  // collection of long text areas, and parses in well under a second.
  size_t request_body_bytes_max = 16u << 20;
  // Connections served at once, each on its own worker thread; more wait to
  // be accepted. Workers idle for worker_idle_timeout retire.
  size_t workers_max = 256;
  Duration worker_idle_timeout = Duration::seconds(10);
  // From a connection's first byte (or the end of its previous request) to
  // the end of its request: past this it is closed, so that a client that
  // trickles bytes holds a worker for a bounded time.
  Duration request_read_deadline = Duration::seconds(10);
  // Requests served on one keep-alive connection before it is closed.
  size_t keep_alive_requests_max = 100'000;
  Duration keep_alive_idle_timeout = Duration::seconds(5);
  Duration read_timeout = Duration::seconds(5);
  Duration write_timeout = Duration::seconds(30);
};

class HttpServer {
 public:
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops the server.
  ~HttpServer();

  // The port it listens on (the one picked when ServeOptions::port was 0).
  int port() const;
  const std::string& host() const;
  // "http://127.0.0.1:PORT".
  std::string base_url() const;
  // Stops accepting, finishes in-flight requests and joins the threads.
  // Idle keep-alive connections and connections held by a fault are let go
  // within a polling slice (100 ms). Idempotent.
  void stop();

 private:
  friend Result<std::unique_ptr<HttpServer>> serve(const Router&, const ServeOptions&);
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Starts serving `router`, which must outlive the server. Error
// "bind_failed" when the address cannot be bound.
Result<std::unique_ptr<HttpServer>> serve(const Router& router, const ServeOptions& options = {});

}  // namespace crmsim::env
