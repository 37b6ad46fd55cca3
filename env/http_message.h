// HTTP requests and responses as plain values: what every Transport carries
// and every Router handles, whether the bytes crossed a socket or not.
// Header names compare case-insensitively; the path is kept as sent (still
// percent-encoded) and decoded on demand, one segment at a time, so that an
// encoded '/' (%2F) stays inside its segment.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env/query_params.h"
#include "env/result.h"
#include "env/text.h"
#include "env/time.h"

namespace crmsim::env {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions };

// "GET", "PATCH", ...
std::string_view method_name(Method m);
// Parses an upper-case method name; nullopt for anything else.
std::optional<Method> parse_method(std::string_view name);

// Header fields in order. Lookups ignore the case of names; set() replaces,
// add() appends (for fields that may repeat).
class Headers {
 public:
  void set(std::string_view name, std::string value);
  void add(std::string name, std::string value);
  void remove(std::string_view name);
  // The first value of `name`.
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// The named parameters a Router extracted from a matched pattern, decoded.
class PathParams {
 public:
  void add(std::string name, std::string value);
  // REQUIRES: the matched pattern names `name` (asking for another is a bug).
  std::string_view get(std::string_view name) const;
  std::optional<std::string_view> find(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// The body of a request already parsed as JSON (env/json_body.h).
struct ParsedJson;

struct Request {
  Method method = Method::kGet;
  // The path as sent, before any '?', still percent-encoded: "/a%40b.com".
  std::string raw_path = "/";
  QueryParams query;
  Headers headers;
  std::string body;
  // The body parsed as JSON by whoever carried the request, so that parsing
  // happens outside a fake's lock (env/json_body.h); null: parse on demand.
  std::shared_ptr<ParsedJson> parsed_json;
  // Filled by the Router from the pattern that matched.
  PathParams params;

  // A request for `target` ("/path?query"). Error "bad_target" when the
  // target does not start with '/' or its query has a malformed escape.
  static Result<Request> make(Method method, std::string_view target);

  // The target to send on the wire: raw_path, then '?' and the encoded query
  // when there is one.
  std::string target() const;
  // The whole path percent-decoded; nullopt when an escape is malformed.
  // Lossy for %2F; routing uses segments().
  std::optional<std::string> decoded_path() const;
  // The decoded segments of the path: "/a/b%2Fc/" gives {"a", "b/c"}. A
  // trailing '/' is not a segment; "//" makes an empty one. Error
  // "bad_path" for a malformed escape.
  Result<std::vector<std::string>> segments() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // How the answer leaves. kDrop: it never does; the connection is held
  // for `hold` (less if the client leaves first) and then closed, which a
  // client sees as a timeout or a lost answer. Set by faults on demand
  // (env/admin_routes.h); HttpServer and LocalTransport enact it.
  enum class Delivery { kSend, kDrop };
  Delivery delivery = Delivery::kSend;
  Duration hold;

  // A response with a body and its Content-Type.
  static Response with_body(int status, std::string_view content_type, std::string body);
  // A response without a body (204, 304, ...).
  static Response empty(int status);
};

}  // namespace crmsim::env
