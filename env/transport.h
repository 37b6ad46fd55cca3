// The Transport port: how the engine (and every client of a fake) reaches an
// HTTP API. send() either returns the server's Response, whatever its
// status, or a TransportError when no response arrived. A timeout says
// nothing about whether the server applied the request: callers that write
// must be ready for both (the simulator's "lost response" fault is exactly
// that). Implementations: LocalTransport (in-process, no sockets),
// HttpTransport (real HTTP), and the simulator's SimTransport (latency and
// faults around another Transport).
#pragma once

#include <string>
#include <string_view>

#include "env/http_message.h"
#include "env/result.h"

namespace crmsim::env {

struct TransportError {
  enum class Kind {
    kTimeout,            // no response in time; the request may have been applied
    kConnectionRefused,  // nothing listening; the request was not applied
    kConnectionClosed,   // the peer closed the connection mid-exchange
    kInvalidRequest,     // the request cannot be sent (e.g. a GET with a body)
  };
  Kind kind = Kind::kTimeout;
  std::string message;
};

std::string_view transport_error_kind_name(TransportError::Kind kind);

class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  // Sends `request` and waits for its response. The request's raw_path,
  // query, headers and body reach the server as given, except header fields
  // with an empty value, which are dropped (cpp-httplib's server drops them,
  // so every transport does); `params` is ignored (the router fills it).
  virtual Result<Response, TransportError> send(const Request& request) = 0;
};

// Forwards every call to another Transport; subclasses override what they
// change (as LevelDB's EnvWrapper). Does not own the target.
class TransportWrapper : public Transport {
 public:
  explicit TransportWrapper(Transport& target) : target_(target) {}
  Result<Response, TransportError> send(const Request& request) override {
    return target_.send(request);
  }
  Transport& target() { return target_; }

 private:
  Transport& target_;
};

}  // namespace crmsim::env
