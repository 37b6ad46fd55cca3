#include "env/http_server.h"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "env/json_body.h"

namespace crmsim::env {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// The connection this worker thread is serving (set by DeadlineServer), so
// that a handler can drop it unanswered (Response::Delivery::kDrop).
thread_local socket_t current_socket = INVALID_SOCKET;
// Whether this thread's current request reached the handler: httplib calls
// the error handler for every answer of 400 or more, ours included.
thread_local bool handled = false;

// Workers for connections: one per connection being served, started when a
// connection arrives and none is idle, up to a maximum; a worker idle for
// the idle timeout retires. (cpp-httplib's own pool is fixed at 8 workers,
// each held by a keep-alive or slow connection for as long as it lasts.)
// The state lives in a shared block that each worker holds, so that a
// worker finishing after shutdown() returned touches nothing freed.
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(size_t workers_max, std::chrono::milliseconds idle_timeout)
      : state_(std::make_shared<State>()) {
    CRMSIM_ASSERT(workers_max > 0, "a pool without workers");
    state_->workers_max = workers_max;
    state_->idle_timeout = idle_timeout;
  }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(state_->mutex);
    state_->jobs.push_back(std::move(fn));
    if (state_->jobs.size() > state_->idle && state_->workers < state_->workers_max) {
      ++state_->workers;
      std::thread([state = state_] { work(*state); }).detach();
    }
    state_->wake.notify_one();
  }

  // Runs every queued job, then waits for every worker to end.
  void shutdown() override {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    state_->wake.notify_all();
    state_->ended.wait(lock, [&] { return state_->workers == 0; });
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable ended;
    std::deque<std::function<void()>> jobs;
    size_t workers = 0;
    size_t idle = 0;
    size_t workers_max = 0;
    std::chrono::milliseconds idle_timeout{0};
    bool stopping = false;
  };

  static void work(State& s) {
    std::unique_lock lock(s.mutex);
    for (;;) {
      ++s.idle;
      const bool woken =
          s.wake.wait_for(lock, s.idle_timeout, [&] { return !s.jobs.empty() || s.stopping; });
      --s.idle;
      if (!s.jobs.empty()) {
        std::function<void()> job = std::move(s.jobs.front());
        s.jobs.pop_front();
        lock.unlock();
        job();
        lock.lock();
        continue;
      }
      if (s.stopping || !woken) break;
    }
    if (--s.workers == 0) s.ended.notify_all();
  }

  std::shared_ptr<State> state_;
};

// Fields cpp-httplib adds to every request's headers; not sent by a client.
bool is_pseudo_header(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

// A connection's bytes, read under a deadline for the whole request.
// cpp-httplib 0.11 only times out each read, so a client sending one byte
// every few seconds would hold its worker for ever; this stream refuses to
// read past the deadline that DeadlineServer sets for each request, however
// the bytes trickle in. Writes have their own per-write timeout.
//
// cpp-httplib reads a request's line and headers a byte at a time, so the
// stream reads ahead into the connection's buffer (one recv, not one poll
// and one recv per byte); what is read ahead of one request stays for the
// next on the same connection.
struct ReadAhead {
  static constexpr size_t kBytes = 16 * 1024;
  std::array<char, kBytes> data;
  size_t begin = 0;
  size_t end = 0;
  size_t buffered() const { return end - begin; }
};

class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, ReadAhead& ahead, std::chrono::milliseconds read_timeout,
                 std::chrono::milliseconds write_timeout, SteadyTime deadline)
      : fd_(fd),
        ahead_(ahead),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout),
        deadline_(deadline) {}

  bool is_readable() const override {
    return ahead_.buffered() > 0 || wait(POLLIN, read_wait());
  }
  bool is_writable() const override { return wait(POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (ahead_.buffered() == 0) {
      if (!wait(POLLIN, read_wait())) return -1;  // the deadline, or the read timeout, passed
      // A large read (a body) goes straight into the caller's memory.
      if (size >= ReadAhead::kBytes) return receive(ptr, size);
      const ssize_t n = receive(ahead_.data.data(), ReadAhead::kBytes);
      if (n <= 0) return n;
      ahead_.begin = 0;
      ahead_.end = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, ahead_.buffered());
    std::memcpy(ptr, ahead_.data.data() + ahead_.begin, n);
    ahead_.begin += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(getsockname, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  // How long a read may wait: the read timeout, cut short by the deadline.
  std::chrono::milliseconds read_wait() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline_ - std::chrono::steady_clock::now());
    return std::max(std::chrono::milliseconds(0), std::min(read_timeout_, left));
  }

  bool wait(short events, std::chrono::milliseconds timeout) const {
    pollfd p{fd_, events, 0};
    int r;
    do {
      r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }

  template <typename Name>
  void address_of(Name name, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip.clear();
    port = 0;
    if (name(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char host[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* in = reinterpret_cast<const sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
      port = ntohs(in->sin6_port);
    }
    ip = host;
  }

  ssize_t receive(char* ptr, size_t size) {
    ssize_t n;
    do {
      n = ::recv(fd_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  const int fd_;
  ReadAhead& ahead_;
  const std::chrono::milliseconds read_timeout_;
  const std::chrono::milliseconds write_timeout_;
  const SteadyTime deadline_;
};

// cpp-httplib's server with its connection loop replaced (the library lets
// a subclass override it and keeps process_request() for it): each request
// is read through a DeadlineStream, keep-alive connections wait for their
// next request at most the idle timeout, and a stopping server lets them go.
class DeadlineServer final : public httplib::Server {
 public:
  struct Limits {
    size_t keep_alive_requests_max = 0;
    std::chrono::milliseconds keep_alive_idle{0};
    std::chrono::milliseconds read_timeout{0};
    std::chrono::milliseconds write_timeout{0};
    std::chrono::milliseconds request_deadline{0};
  };
  void set_limits(const Limits& limits) { limits_ = limits; }
  // Lets idle keep-alive connections and held ones go at once, before
  // stop() waits for the workers.
  void begin_stop() { stopping_ = true; }
  bool serving() const { return is_running() && !stopping_; }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    auto ahead = std::make_unique<ReadAhead>();
    for (size_t served = 0; served < limits_.keep_alive_requests_max; ++served) {
      if (ahead->buffered() == 0 && !wait_for_request(sock)) break;
      // The request's clock starts with its first byte.
      DeadlineStream stream(sock, *ahead, limits_.read_timeout, limits_.write_timeout,
                            std::chrono::steady_clock::now() + limits_.request_deadline);
      const bool last = served + 1 == limits_.keep_alive_requests_max || !serving();
      bool closed = false;
      current_socket = sock;
      handled = false;
      ok = process_request(stream, last, closed, nullptr);
      if (!ok || closed || last) break;
    }
    current_socket = INVALID_SOCKET;
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  // Waits for a connection's next request, in slices so that a stopping
  // server does not wait out the idle timeout; false once it is idle past it.
  bool wait_for_request(socket_t sock) const {
    constexpr auto kSlice = std::chrono::milliseconds(100);
    const auto until = std::chrono::steady_clock::now() + limits_.keep_alive_idle;
    while (serving()) {
      pollfd p{sock, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(kSlice.count()));
      if (r > 0) return (p.revents & POLLIN) != 0;
      if (r < 0 && errno != EINTR) return false;
      if (std::chrono::steady_clock::now() >= until) return false;
    }
    return false;
  }

  Limits limits_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

struct HttpServer::Impl {
  const Router* router = nullptr;
  ServeOptions options;
  int port = 0;
  DeadlineServer server;
  std::shared_ptr<std::mutex> handle_mutex;
  std::thread thread;
  std::once_flag stopped;

  Response dispatch(const httplib::Request& in);
  // Holds the current connection for up to `hold` (until the client leaves
  // or the server stops), then shuts it down unanswered.
  void drop_connection(Duration hold);
};

void HttpServer::Impl::drop_connection(Duration hold) {
  const socket_t sock = current_socket;
  CRMSIM_ASSERT(sock != INVALID_SOCKET, "a dropped answer outside a connection");
  constexpr auto kSlice = std::chrono::milliseconds(50);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(hold.ms());
  while (server.serving() && std::chrono::steady_clock::now() < until) {
    pollfd p{sock, POLLRDHUP, 0};
    const int r = ::poll(&p, 1, static_cast<int>(kSlice.count()));
    if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) break;  // the client left
    if (r < 0 && errno != EINTR) break;
  }
  ::shutdown(sock, SHUT_RDWR);
}

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
  // Parsed here, before the lock: a large body costs its own worker only.
  preparse_json(request);
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
    impl_->server.begin_stop();
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

Result<std::unique_ptr<HttpServer>> serve(const Router& router, const ServeOptions& options) {
  auto impl = std::make_unique<HttpServer::Impl>();
  impl->router = &router;
  impl->options = options;
  impl->handle_mutex = options.lock ? options.lock : std::make_shared<std::mutex>();
  DeadlineServer& s = impl->server;
  s.set_limits({options.keep_alive_requests_max,
                std::chrono::milliseconds(options.keep_alive_idle_timeout.ms()),
                std::chrono::milliseconds(options.read_timeout.ms()),
                std::chrono::milliseconds(options.write_timeout.ms()),
                std::chrono::milliseconds(options.request_read_deadline.ms())});
  const size_t workers_max = options.workers_max;
  const auto idle_ms = std::chrono::milliseconds(options.worker_idle_timeout.ms());
  s.new_task_queue = [workers_max, idle_ms] { return new ElasticPool(workers_max, idle_ms); };
  s.set_tcp_nodelay(true);
  // Keep-alive and timeouts live in DeadlineServer's loop (set_limits above);
  // cpp-httplib's own settings for them would configure the loop it replaced.
  s.set_payload_max_length(options.request_body_bytes_max);
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
    handled = true;
    Response response = raw->dispatch(in);
    if (response.delivery == Response::Delivery::kDrop) {
      // After the lock is released: a held connection holds no one else.
      raw->drop_connection(response.hold);
      out.status = 500;  // never written: the socket is shut down
      return;
    }
    out.status = response.status;
    for (const auto& [name, value] : response.headers.entries()) {
      out.headers.emplace(name, value);
    }
    out.body = std::move(response.body);
  };
  // Called once each answer is written, whoever made it.
  s.set_logger([](const httplib::Request&, const httplib::Response&) { handled = false; });
  // What httplib refuses itself (413 payload, 414 URI, 400 unreadable):
  // the router's own error shape.
  s.set_error_handler(httplib::Server::HandlerWithResponse([raw](const httplib::Request& in,
                                                                 httplib::Response& out) {
    if (handled) return httplib::Server::HandlerResponse::Unhandled;
    Request request;
    request.raw_path = in.path.empty() ? "/" : in.path;
    RouteError error{out.status, "the request could not be read", {}, RouteError::Cause::kRoute};
    if (out.status == 413) {
      error = {413,
               "the request body is larger than " +
                   std::to_string(raw->options.request_body_bytes_max) + " bytes",
               {},
               RouteError::Cause::kTooLarge};
    } else if (out.status == 414 || out.status == 431) {
      error = {out.status,
               "the request's target or headers are too long",
               {},
               RouteError::Cause::kTooLarge};
    }
    Response response = raw->router->error_response(request, error);
    out.status = response.status;
    out.body = std::move(response.body);
    for (const auto& [name, value] : response.headers.entries()) out.set_header(name, value);
    return httplib::Server::HandlerResponse::Handled;
  }));
  // A handler that throws is a crmsim bug: a 500 in the router's shape,
  // with nothing of the exception in the answer (it goes to stderr).
  s.set_exception_handler(
      [raw](const httplib::Request& in, httplib::Response& out, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        std::fprintf(stderr, "crmsim: BUG: %s %s threw: %s\n", in.method.c_str(), in.path.c_str(),
                     what.c_str());
        Request request;
        request.raw_path = in.path.empty() ? "/" : in.path;
        Response response = raw->router->error_response(
            request, RouteError{500, "internal error", {}, RouteError::Cause::kRoute});
        out.status = 500;
        out.body = std::move(response.body);
        out.headers.clear();
        for (const auto& [name, value] : response.headers.entries()) out.set_header(name, value);
        handled = true;
      });
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
