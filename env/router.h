// Routes requests to handlers by method and path pattern, the way each fake
// (and the engine's webhook receiver) declares its REST surface. Patterns are
// "/services/data/:version/sobjects/:type/:id": literal segments, ":name"
// parameters (exactly one non-empty segment) and a final "*name" that takes
// the rest of the path (possibly empty). Segments are percent-decoded before
// matching, so "/contacts/a%40b.com" binds "a@b.com". At each position a
// literal beats a parameter, which beats a wildcard; a path that no pattern
// matches is 404, a path matched for other methods only is 405 with Allow,
// and a malformed escape is 400. A route the real API has and the fake does
// not serve is registered as not emulated and answers 501, naming itself, so
// that no client mistakes it for "record not found". Each fake shapes those
// answers into its own error body with on_error().
// Registration happens before serving; handle() is then const and may run on
// several threads if the handlers allow it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/http_message.h"

namespace crmsim::env {

using Handler = std::function<Response(const Request&)>;

// An answer the Router gives itself.
struct RouteError {
  // What was wrong: the path (400, 404, 405), the body (400: JSON of a type
  // the handler did not expect, caught at the router so that no client gets
  // a 500 for it), or the request's size (413 body, 414 URI, 431 headers:
  // refused by serve() before routing).
  // kNotEmulated: a route of the real API that the fake does not serve (501).
  enum class Cause { kRoute, kBody, kTooLarge, kNotEmulated };
  int status = 404;
  std::string message;
  std::vector<Method> allowed;  // for 405: the methods the path accepts
  Cause cause = Cause::kRoute;
};
using RouteErrorShaper = std::function<Response(const Request&, const RouteError&)>;

// One registered route, as the coverage listing reports it.
struct RouteInfo {
  Method method = Method::kGet;
  std::string pattern;
  bool emulated = true;
  std::string note;  // for a route not emulated: what it is in the real API
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers `handler` for `method` on `pattern`.
  // REQUIRES: the pattern starts with '/', its parameters are named, a
  // wildcard comes last, and (method, pattern) is not registered yet. These
  // are programming errors and abort.
  void add(Method method, std::string_view pattern, Handler handler);

  // Registers `pattern` as a route of the real API that is not emulated:
  // every method in `methods` (all of them when empty) answers 501 through
  // the error shaper with Cause::kNotEmulated, unless the path also matches
  // a served route for other methods, which stays a 405. `note` says what
  // the route is ("Bulk API 2.0 ingest jobs") and goes into the message.
  // REQUIRES: as for add().
  void add_not_emulated(std::string_view pattern, std::string note,
                        std::vector<Method> methods = {});

  // Shapes the router's own 400/404/405 answers (the default is a small
  // JSON body). The router sets the Allow header of a 405 itself.
  void on_error(RouteErrorShaper shaper);

  // Matches `request`, fills request.params and calls the handler. A JSON
  // type error escaping the handler (a client's value of the wrong type that
  // the handler read without checking) becomes a 400 of Cause::kBody; the
  // handler must have written nothing by then (fakes check before writing).
  Response handle(Request request) const;

  // The router's own shaped answer for `error`, for layers in front of it
  // that refuse a request before routing (e.g. serve() on a malformed query).
  Response error_response(const Request& request, const RouteError& error) const;

  // The number of (method, pattern) routes registered.
  size_t route_count() const { return route_count_; }
  // Every route in registration order.
  const std::vector<RouteInfo>& routes() const { return infos_; }

  // The route tree; opaque outside router.cpp.
  struct Node;

 private:
  std::unique_ptr<Node> root_;
  RouteErrorShaper shaper_;
  size_t route_count_ = 0;
  std::vector<RouteInfo> infos_;
};

}  // namespace crmsim::env
