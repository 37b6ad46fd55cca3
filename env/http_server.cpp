#include "env/http_server.h"

#include <mutex>
#include <thread>

#include <httplib.h>
#include <sys/socket.h>

namespace crmsim::env {
namespace {

// Fields cpp-httplib adds to every request's headers; not sent by a client.
bool is_pseudo_header(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

}  // namespace

struct HttpServer::Impl {
  const Router* router = nullptr;
  ServeOptions options;
  int port = 0;
  httplib::Server server;
  std::shared_ptr<std::mutex> handle_mutex;
  std::thread thread;
  std::once_flag stopped;

  Response dispatch(const httplib::Request& in);
};

Response HttpServer::Impl::dispatch(const httplib::Request& in) {
  Request request;
  request.raw_path = in.target.substr(0, in.target.find('?'));
  const auto method = parse_method(in.method);
  if (!method) {
    return router->error_response(request,
                                  RouteError{405, "method " + in.method + " is not supported", {}});
  }
  request.method = *method;
  for (const auto& [name, value] : in.headers) {
    if (!is_pseudo_header(name)) request.headers.add(name, value);
  }
  request.body = in.body;
  const size_t q = in.target.find('?');
  if (q != std::string::npos) {
    auto query = QueryParams::parse(std::string_view(in.target).substr(q + 1));
    if (!query.ok()) {
      return router->error_response(request, RouteError{400, query.error().message, {}});
    }
    request.query = std::move(query).value();
  }
  if (options.serialize_requests) {
    std::lock_guard lock(*handle_mutex);
    return router->handle(std::move(request));
  }
  return router->handle(std::move(request));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->port; }
const std::string& HttpServer::host() const { return impl_->options.host; }
std::string HttpServer::base_url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
}

void HttpServer::stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

Result<std::unique_ptr<HttpServer>> serve(const Router& router, const ServeOptions& options) {
  auto impl = std::make_unique<HttpServer::Impl>();
  impl->router = &router;
  impl->options = options;
  impl->handle_mutex = options.lock ? options.lock : std::make_shared<std::mutex>();
  httplib::Server& s = impl->server;
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(options.request_body_bytes_max);
  s.set_keep_alive_max_count(options.keep_alive_requests_max);
  s.set_keep_alive_timeout(options.keep_alive_idle_timeout.whole_seconds());
  s.set_read_timeout(std::chrono::milliseconds(options.read_timeout.ms()));
  s.set_write_timeout(std::chrono::milliseconds(options.write_timeout.ms()));
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would
  // let a second server bind a port already in use and share its traffic.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  HttpServer::Impl* raw = impl.get();
  // Routes are matched by our Router on the raw target; httplib only has to
  // read the request (body included, within the size limit) and hand it over.
  const auto handler = [raw](const httplib::Request& in, httplib::Response& out) {
    Response response = raw->dispatch(in);
    out.status = response.status;
    for (const auto& [name, value] : response.headers.entries()) {
      out.headers.emplace(name, value);
    }
    out.body = std::move(response.body);
  };
  const std::string any_path = R"([\s\S]*)";
  s.Get(any_path, handler);
  s.Post(any_path, handler);
  s.Put(any_path, handler);
  s.Patch(any_path, handler);
  s.Delete(any_path, handler);
  s.Options(any_path, handler);

  if (options.port == 0) {
    impl->port = s.bind_to_any_port(options.host);
  } else if (s.bind_to_port(options.host, options.port)) {
    impl->port = options.port;
  } else {
    impl->port = -1;
  }
  if (impl->port <= 0) {
    return fail("bind_failed",
                "cannot listen on " + options.host + ":" + std::to_string(options.port));
  }
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // stop() only reaches a server that is running, so wait until it is.
  constexpr int kStartWaitStepsMax = 5000;
  for (int i = 0; i < kStartWaitStepsMax && !s.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!s.is_running()) {
    impl->server.stop();
    impl->thread.join();
    return fail("bind_failed", "the server on " + options.host + ":" + std::to_string(impl->port) +
                                   " did not start");
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace crmsim::env
