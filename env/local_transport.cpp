#include "env/local_transport.h"

namespace crmsim::env {

Result<Response, TransportError> LocalTransport::send(const Request& request) {
  if (request.method == Method::kGet && !request.body.empty()) {
    // HttpTransport refuses this too: servers ignore a GET body.
    return fail(
        TransportError{TransportError::Kind::kInvalidRequest, "a GET request cannot carry a body"});
  }
  Request copy;
  copy.method = request.method;
  copy.raw_path = request.raw_path;
  copy.query = request.query;
  for (const auto& [name, value] : request.headers.entries()) {
    // As over HTTP: a field with an empty value does not arrive.
    if (!value.empty()) copy.headers.add(name, value);
  }
  copy.body = request.body;
  Response response = router_.handle(std::move(copy));
  if (response.delivery == Response::Delivery::kDrop) {
    // What a client over HTTP meets: a held connection times out, one
    // dropped at once closes without an answer.
    if (response.hold > Duration()) {
      return fail(TransportError{TransportError::Kind::kTimeout,
                                 "no answer: the server held the connection and dropped it"});
    }
    return fail(TransportError{TransportError::Kind::kConnectionClosed,
                               "the server closed the connection without answering"});
  }
  return response;
}

}  // namespace crmsim::env
