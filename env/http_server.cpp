#include "env/http_server.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "env/json_body.h"

namespace crmsim::env {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

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

// "address:port" of a socket's peer; empty when it has none.
std::string peer_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  char host[64] = {};
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    port = ntohs(in->sin6_port);
  } else {
    return "";
  }
  return std::string(host) + ":" + std::to_string(port);
}

// The local port of a TCP socket; -1 for anything else.
int local_port_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return -1;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

// Cuts off connections that take longer than a deadline to deliver a whole
// request. cpp-httplib 0.11 only times out each read, so a client sending
// one byte every few seconds would hold its worker for ever; the server
// never hands out its sockets either. So a watchdog thread looks at this
// process's sockets on the server's port, knows each connection by its
// peer, and shuts down one that has neither finished a request nor been in
// the handler within the deadline (its worker's read then ends at once).
class ReadDeadline {
 public:
  ReadDeadline(int port, std::chrono::milliseconds deadline) : port_(port), deadline_(deadline) {
    thread_ = std::thread([this] { watch(); });
  }
  ~ReadDeadline() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ReadDeadline(const ReadDeadline&) = delete;
  ReadDeadline& operator=(const ReadDeadline&) = delete;

  // A request from `peer` reached the handler / was answered.
  void entered(const std::string& peer) {
    std::lock_guard lock(mutex_);
    ++connections_[peer].in_handler;
  }
  void left(const std::string& peer) {
    std::lock_guard lock(mutex_);
    Connection& c = connections_[peer];
    if (c.in_handler > 0) --c.in_handler;
    c.progress = std::chrono::steady_clock::now();
  }
  uint64_t cut_off() const {
    std::lock_guard lock(mutex_);
    return cut_off_;
  }

 private:
  struct Connection {
    SteadyTime progress = std::chrono::steady_clock::now();  // first seen or last answer
    int in_handler = 0;
    bool seen = false;  // in the latest scan
  };

  void watch() {
    constexpr auto kScanInterval = std::chrono::milliseconds(250);
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kScanInterval, [&] { return stopping_; })) {
      lock.unlock();
      std::vector<std::pair<int, std::string>> sockets = server_sockets();
      lock.lock();
      const SteadyTime now = std::chrono::steady_clock::now();
      for (auto& [peer, c] : connections_) c.seen = false;
      for (const auto& [fd, peer] : sockets) {
        Connection& c = connections_[peer];
        c.seen = true;
        if (c.in_handler == 0 && now - c.progress > deadline_) {
          // The same peer still on the same descriptor: cut it off.
          if (peer_of(fd) == peer) {
            ::shutdown(fd, SHUT_RDWR);
            ++cut_off_;
          }
          c.progress = now;
        }
      }
      std::erase_if(connections_,
                    [](const auto& e) { return !e.second.seen && e.second.in_handler == 0; });
    }
  }

  // The connected sockets of this process whose local port is the server's.
  std::vector<std::pair<int, std::string>> server_sockets() const {
    std::vector<std::pair<int, std::string>> out;
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return out;
    while (const dirent* entry = readdir(dir)) {
      char* end = nullptr;
      const long fd = std::strtol(entry->d_name, &end, 10);
      if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
      if (local_port_of(static_cast<int>(fd)) != port_) continue;
      std::string peer = peer_of(static_cast<int>(fd));
      if (!peer.empty()) out.emplace_back(static_cast<int>(fd), std::move(peer));
    }
    closedir(dir);
    return out;
  }

  const int port_;
  const std::chrono::milliseconds deadline_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Connection> connections_;
  uint64_t cut_off_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

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
  std::unique_ptr<ReadDeadline> deadline;
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
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    impl_->deadline.reset();
  });
}

Result<std::unique_ptr<HttpServer>> serve(const Router& router, const ServeOptions& options) {
  auto impl = std::make_unique<HttpServer::Impl>();
  impl->router = &router;
  impl->options = options;
  impl->handle_mutex = options.lock ? options.lock : std::make_shared<std::mutex>();
  httplib::Server& s = impl->server;
  const size_t workers_max = options.workers_max;
  const auto idle_ms = std::chrono::milliseconds(options.worker_idle_timeout.ms());
  s.new_task_queue = [workers_max, idle_ms] { return new ElasticPool(workers_max, idle_ms); };
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
  // Whether this thread's request reached the handler: httplib calls the
  // error handler for every answer of 400 or more, ours included.
  static thread_local bool handled = false;
  const auto handler = [raw](const httplib::Request& in, httplib::Response& out) {
    handled = true;
    const std::string peer = in.remote_addr + ":" + std::to_string(in.remote_port);
    if (raw->deadline) raw->deadline->entered(peer);
    struct Leave {
      HttpServer::Impl* impl;
      const std::string& peer;
      ~Leave() {
        if (impl->deadline) impl->deadline->left(peer);
      }
    } leave{raw, peer};
    Response response = raw->dispatch(in);
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
  impl->deadline = std::make_unique<ReadDeadline>(
      impl->port, std::chrono::milliseconds(options.request_read_deadline.ms()));
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
