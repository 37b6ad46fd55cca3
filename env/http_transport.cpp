#include "env/http_transport.h"

#include <chrono>

#include <httplib.h>

namespace crmsim::env {
namespace {

std::chrono::milliseconds to_chrono(Duration d) { return std::chrono::milliseconds(d.ms()); }

}  // namespace

struct HttpTransport::Impl {
  Impl(const std::string& host, int port) : client(host, port) {}
  httplib::Client client;
  HttpTransportOptions options;
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

Result<std::unique_ptr<HttpTransport>> HttpTransport::create(std::string_view base_url,
                                                             const HttpTransportOptions& options) {
  auto bad = [&](const char* why) {
    return fail("bad_url", "invalid base URL '" + std::string(base_url) + "': " + why +
                               " (expected http://host:port)");
  };
  constexpr std::string_view kScheme = "http://";
  if (base_url.substr(0, kScheme.size()) != kScheme) return bad("not http://");
  std::string_view rest = base_url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("no host:port");
  const std::string host(rest.substr(0, colon));
  const std::string_view port_text = rest.substr(colon + 1);
  int port = 0;
  if (port_text.empty() || port_text.size() > 5) return bad("bad port");
  for (char c : port_text) {
    if (c < '0' || c > '9') return bad("bad port");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return bad("port out of range");
  if (host.find('/') != std::string::npos) return bad("a path is not allowed");

  auto impl = std::make_unique<Impl>(host, port);
  impl->options = options;
  httplib::Client& c = impl->client;
  c.set_keep_alive(options.keep_alive);
  c.set_tcp_nodelay(true);
  c.set_url_encode(false);  // targets arrive already encoded
  c.set_connection_timeout(to_chrono(options.connect_timeout));
  c.set_read_timeout(to_chrono(options.read_timeout));
  c.set_write_timeout(to_chrono(options.write_timeout));
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

Result<Response, TransportError> HttpTransport::send(const Request& request) {
  using Kind = TransportError::Kind;
  if (request.method == Method::kGet && !request.body.empty()) {
    return fail(TransportError{Kind::kInvalidRequest, "a GET request cannot carry a body"});
  }
  httplib::Request req;
  req.method = std::string(method_name(request.method));
  req.path = request.target();
  for (const auto& [name, value] : request.headers.entries()) {
    if (!value.empty()) req.headers.emplace(name, value);
  }
  req.body = request.body;
  if (!req.body.empty() && !request.headers.has("Content-Type")) {
    req.headers.emplace("Content-Type", "text/plain");
  }

  const auto started = std::chrono::steady_clock::now();
  httplib::Result result = impl_->client.send(req);
  if (!result) {
    const httplib::Error error = result.error();
    const auto elapsed = std::chrono::steady_clock::now() - started;
    const bool waited_out = elapsed >= to_chrono(impl_->options.read_timeout);
    std::string message = httplib::to_string(error);
    switch (error) {
      case httplib::Error::Connection:
        return fail(TransportError{Kind::kConnectionRefused, message});
      case httplib::Error::ConnectionTimeout:
        return fail(TransportError{Kind::kTimeout, message});
      case httplib::Error::Read:
        return fail(TransportError{waited_out ? Kind::kTimeout : Kind::kConnectionClosed, message});
      default:
        return fail(TransportError{Kind::kConnectionClosed, message});
    }
  }
  Response response;
  response.status = result->status;
  for (const auto& [name, value] : result->headers) {
    response.headers.add(name, value);
  }
  response.body = std::move(result->body);
  return response;
}

}  // namespace crmsim::env
