#include "env/transport.h"

namespace crmsim::env {

std::string_view transport_error_kind_name(TransportError::Kind kind) {
  switch (kind) {
    case TransportError::Kind::kTimeout:
      return "timeout";
    case TransportError::Kind::kConnectionRefused:
      return "connection_refused";
    case TransportError::Kind::kConnectionClosed:
      return "connection_closed";
    case TransportError::Kind::kInvalidRequest:
      return "invalid_request";
  }
  return "unknown";
}

}  // namespace crmsim::env
