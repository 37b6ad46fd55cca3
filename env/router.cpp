#include "env/router.h"

#include <algorithm>
#include <array>
#include <map>

#include <nlohmann/json.hpp>

#include "env/assert.h"

namespace crmsim::env {
namespace {

constexpr size_t kMethodCount = 7;

size_t method_index(Method m) { return static_cast<size_t>(m); }

struct Route {
  Handler handler;                       // null when not emulated
  std::vector<std::string> param_names;  // in path order, wildcard last
  std::string not_emulated;              // the 501's message when not emulated
};

constexpr std::array<Method, kMethodCount> kAllMethods = {
    Method::kGet, Method::kPost, Method::kPut, Method::kPatch,
    Method::kDelete, Method::kHead, Method::kOptions};

Response default_error(const Request& request, const RouteError& error) {
  const nlohmann::json body = {
      {"status", error.status}, {"message", error.message}, {"path", request.raw_path}};
  return Response::with_body(error.status, "application/json",
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::unique_ptr<Node> wildcard;
  std::array<std::unique_ptr<Route>, kMethodCount> routes;

  bool has_routes() const {
    return std::any_of(routes.begin(), routes.end(), [](const auto& r) { return r != nullptr; });
  }
};

namespace {

struct MatchState {
  Method method;
  std::vector<std::string> captured;
  const Route* route = nullptr;
  std::vector<std::string> route_values;
  bool path_matched = false;
  bool served_path_matched = false;  // a served route has this exact path
  std::array<bool, kMethodCount> allowed{};
  std::array<bool, kMethodCount> allowed_served{};
};

}  // namespace

Router::Router() : root_(std::make_unique<Node>()), shaper_(default_error) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

// The node for `pattern` under `root`, created as needed; the pattern's
// parameter names go to `param_names`.
static Router::Node& node_for(Router::Node& root, std::string_view pattern,
                              std::vector<std::string>& param_names) {
  CRMSIM_ASSERT(!pattern.empty() && pattern.front() == '/', "route pattern must start with '/'");
  Router::Node* node = &root;
  std::string_view rest = pattern.substr(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    CRMSIM_ASSERT(!segment.empty(), "empty segment in route pattern");
    std::unique_ptr<Router::Node>* next = nullptr;
    if (segment.front() == ':') {
      CRMSIM_ASSERT(segment.size() > 1, "unnamed ':' parameter in route pattern");
      param_names.emplace_back(segment.substr(1));
      next = &node->param;
    } else if (segment.front() == '*') {
      CRMSIM_ASSERT(segment.size() > 1, "unnamed '*' wildcard in route pattern");
      CRMSIM_ASSERT(rest.empty(), "a '*' wildcard must be the last segment");
      param_names.emplace_back(segment.substr(1));
      next = &node->wildcard;
    } else {
      auto it = node->literals.find(segment);
      if (it == node->literals.end()) {
        it = node->literals.emplace(std::string(segment), nullptr).first;
      }
      next = &it->second;
    }
    if (*next == nullptr) *next = std::make_unique<Router::Node>();
    node = next->get();
  }
  return *node;
}

void Router::add(Method method, std::string_view pattern, Handler handler) {
  CRMSIM_ASSERT(handler != nullptr, "route without a handler");
  auto route = std::make_unique<Route>();
  route->handler = std::move(handler);
  Node& node = node_for(*root_, pattern, route->param_names);
  auto& slot = node.routes[method_index(method)];
  CRMSIM_ASSERT(slot == nullptr, "route registered twice for the same method");
  slot = std::move(route);
  ++route_count_;
  infos_.push_back(RouteInfo{method, std::string(pattern), true, {}});
}

void Router::add_not_emulated(std::string_view pattern, std::string note,
                              std::vector<Method> methods) {
  CRMSIM_ASSERT(!note.empty(), "a route not emulated says what it is");
  if (methods.empty()) methods.assign(kAllMethods.begin(), kAllMethods.end());
  std::vector<std::string> names;
  Node& node = node_for(*root_, pattern, names);
  for (Method method : methods) {
    auto route = std::make_unique<Route>();
    route->param_names = names;
    route->not_emulated = std::string(method_name(method)) + " " + std::string(pattern) + " (" +
                          note + ") is not emulated by crmsim";
    auto& slot = node.routes[method_index(method)];
    CRMSIM_ASSERT(slot == nullptr, "route registered twice for the same method");
    slot = std::move(route);
    ++route_count_;
    infos_.push_back(RouteInfo{method, std::string(pattern), false, note});
  }
}

void Router::on_error(RouteErrorShaper shaper) {
  CRMSIM_ASSERT(shaper != nullptr, "null error shaper");
  shaper_ = std::move(shaper);
}

// Records what `node` offers for a path that ends there; true when it has a
// route for the requested method, which then becomes the match.
static bool take(const Router::Node& node, MatchState& s) {
  if (!node.has_routes()) return false;
  s.path_matched = true;
  for (size_t m = 0; m < kMethodCount; ++m) {
    if (!node.routes[m]) continue;
    s.allowed[m] = true;
    if (node.routes[m]->handler) s.served_path_matched = s.allowed_served[m] = true;
  }
  const auto& route = node.routes[method_index(s.method)];
  if (!route) return false;
  s.route = route.get();
  s.route_values = s.captured;
  return true;
}

// Depth-first in priority order (literal, parameter, wildcard); the first
// route for the requested method wins. Routes for other methods met on the
// way are remembered for the 405.
static bool match(const Router::Node& node, const std::vector<std::string>& segs, size_t i,
                  MatchState& s) {
  if (i == segs.size()) {
    if (take(node, s)) return true;
  } else {
    auto lit = node.literals.find(segs[i]);
    if (lit != node.literals.end() && match(*lit->second, segs, i + 1, s)) {
      return true;
    }
    if (node.param && !segs[i].empty()) {
      s.captured.push_back(segs[i]);
      const bool found = match(*node.param, segs, i + 1, s);
      s.captured.pop_back();
      if (found) return true;
    }
  }
  if (node.wildcard) {
    std::string rest;
    for (size_t k = i; k < segs.size(); ++k) {
      if (k > i) rest += '/';
      rest += segs[k];
    }
    s.captured.push_back(std::move(rest));
    const bool found = take(*node.wildcard, s);
    s.captured.pop_back();
    if (found) return true;
  }
  return false;
}

Response Router::error_response(const Request& request, const RouteError& error) const {
  return shaper_(request, error);
}

Response Router::handle(Request request) const {
  auto segments = request.segments();
  if (!segments.ok()) {
    return shaper_(request, RouteError{400, segments.error().message, {}});
  }
  const std::vector<std::string>& segs = segments.value();
  MatchState s;
  s.method = request.method;
  const bool matched = match(*root_, segs, 0, s);
  if (matched && !s.route->handler && !s.served_path_matched) {
    return shaper_(request,
                   RouteError{501, s.route->not_emulated, {}, RouteError::Cause::kNotEmulated});
  }
  if (matched && s.route->handler) {
    for (size_t k = 0; k < s.route_values.size(); ++k) {
      request.params.add(s.route->param_names[k], std::move(s.route_values[k]));
    }
    try {
      return s.route->handler(request);
    } catch (const nlohmann::json::exception& e) {
      // e.what() names nlohmann's own terms ("[json.exception.type_error.302]
      // type must be string, but is number"): keep its plain part.
      std::string what = e.what();
      if (const size_t close = what.find("] "); close != std::string::npos)
        what.erase(0, close + 2);
      return shaper_(request, RouteError{400,
                                         "a value in the body has the wrong type: " + what,
                                         {},
                                         RouteError::Cause::kBody});
    }
  }
  if (!s.path_matched) {
    return shaper_(request, RouteError{404, "no route for this path", {}});
  }
  RouteError error{405, "method not allowed for this path", {}};
  // A path served for other methods lists only those: the rest of its
  // family not being emulated does not make them allowed.
  const auto& allowed = s.served_path_matched ? s.allowed_served : s.allowed;
  std::string allow;
  for (size_t m = 0; m < kMethodCount; ++m) {
    if (!allowed[m]) continue;
    error.allowed.push_back(static_cast<Method>(m));
    if (!allow.empty()) allow += ", ";
    allow += method_name(static_cast<Method>(m));
  }
  Response response = shaper_(request, error);
  response.headers.set("Allow", std::move(allow));
  return response;
}

}  // namespace crmsim::env
