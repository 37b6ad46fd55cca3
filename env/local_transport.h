// A Transport that hands each request straight to a Router in the same
// process: no sockets, no threads, no copies beyond the request itself. What
// the simulator and most tests use. The request passes through exactly the
// parsing it would get from HttpTransport + serve() (the router sees the same
// raw path, query, headers and body), so both answer alike; a property test
// holds them to that. An answer the router marks Response::Delivery::kDrop
// (a fault on demand) arrives as the transport error an HTTP client meets:
// kTimeout after a hold, kConnectionClosed for a lost answer.
#pragma once

#include "env/router.h"
#include "env/transport.h"

namespace crmsim::env {

class LocalTransport final : public Transport {
 public:
  // Does not own `router`, which must outlive this transport.
  explicit LocalTransport(const Router& router) : router_(router) {}
  Result<Response, TransportError> send(const Request& request) override;

 private:
  const Router& router_;
};

}  // namespace crmsim::env
