#include "env/replay.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "env/json_body.h"

namespace crmsim::env {

using nlohmann::json;

std::string TapedSecrets::hex(size_t bytes) {
  if (replaying_) {
    if (next_ < draws_.size() && draws_[next_].size() == 2 * bytes) return draws_[next_++];
    overdrawn_ = true;
    return inner_->hex(bytes);
  }
  std::string drawn = inner_->hex(bytes);
  draws_.push_back(drawn);
  return drawn;
}

namespace {

class TapeForwarder final : public SecretSource {
 public:
  explicit TapeForwarder(std::shared_ptr<TapedSecrets> tape) : tape_(std::move(tape)) {}
  std::string hex(size_t bytes) override { return tape_->hex(bytes); }

 private:
  std::shared_ptr<TapedSecrets> tape_;
};

bool is_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

bool valid_snapshot_name(const std::string& name) {
  if (name.empty() || name.size() > WriteRecorder::kSnapshotNameMax) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<SecretSource> secrets_from(std::shared_ptr<TapedSecrets> tape) {
  return std::make_unique<TapeForwarder>(std::move(tape));
}

size_t LoggedWrite::bytes() const {
  size_t n = target.size() + body.size();
  for (const auto& [name, value] : headers) n += name.size() + value.size();
  for (const auto& d : draws) n += d.size();
  return n;
}

json write_to_json(const LoggedWrite& w) {
  json headers = json::array();
  for (const auto& [name, value] : w.headers) headers.push_back({name, value});
  json j = {{"at", w.at.ms_since_epoch()}, {"method", std::string(method_name(w.method))},
            {"target", w.target},          {"headers", headers},
            {"status", w.status},          {"draws", w.draws}};
  if (is_utf8(w.body)) {
    j["body"] = w.body;
  } else {
    j["body_hex"] = to_hex(w.body);
  }
  return j;
}

Result<LoggedWrite> write_from_json(const json& j, const std::string& where) {
  auto bad = [&where](const std::string& what) { return fail("bad_state", where + ": " + what); };
  if (!j.is_object()) return bad("expected an object");
  LoggedWrite w;
  if (!j.contains("at") || !j["at"].is_number_integer()) return bad("at: expected milliseconds");
  w.at = Timestamp::from_ms(j["at"].get<int64_t>());
  if (!j.contains("method") || !j["method"].is_string()) return bad("method: expected a method");
  auto method = parse_method(j["method"].get<std::string>());
  if (!method) return bad("method: expected a method");
  w.method = *method;
  if (!j.contains("target") || !j["target"].is_string() ||
      !j["target"].get<std::string>().starts_with("/"))
    return bad("target: expected a path");
  w.target = j["target"].get<std::string>();
  if (!j.contains("status") || !j["status"].is_number_integer())
    return bad("status: expected a number");
  w.status = j["status"].get<int>();
  if (j.contains("headers")) {
    if (!j["headers"].is_array()) return bad("headers: expected [[name, value]...]");
    for (const json& h : j["headers"]) {
      if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string())
        return bad("headers: expected [[name, value]...]");
      w.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    }
  }
  if (j.contains("body")) {
    if (!j["body"].is_string()) return bad("body: expected text");
    w.body = j["body"].get<std::string>();
  } else if (j.contains("body_hex")) {
    auto bytes =
        j["body_hex"].is_string() ? from_hex(j["body_hex"].get<std::string>()) : std::nullopt;
    if (!bytes) return bad("body_hex: expected lower-case hex");
    w.body = std::move(*bytes);
  }
  if (j.contains("draws")) {
    if (!j["draws"].is_array()) return bad("draws: expected a list of hex texts");
    for (const json& d : j["draws"]) {
      if (!d.is_string()) return bad("draws: expected a list of hex texts");
      w.draws.push_back(d.get<std::string>());
    }
  }
  return w;
}

void WriteRecorder::call_start() {
  tape_->start_recording();
  started_at_ = clock_.now();
}

void WriteRecorder::call_end(const Request& request, const Response& response) {
  if (replaying_ || overflowed_) return;
  if (request.method == Method::kGet || request.method == Method::kHead ||
      request.method == Method::kOptions)
    return;
  if (response.status < 200 || response.status > 299) return;
  auto w = std::make_shared<LoggedWrite>();
  w->at = started_at_;
  w->method = request.method;
  w->target = request.target();
  w->headers = request.headers.entries();
  w->body = request.body;
  w->status = response.status;
  w->draws = tape_->draws();
  bytes_ += w->bytes();
  if (bytes_ > kLogBytesMax) {
    overflowed_ = true;
    return;
  }
  writes_.push_back(std::move(w));
}

Status WriteRecorder::check_complete() const {
  if (!overflowed_) return Ok{};
  return fail("log_full", "the writes since the last reset passed " +
                              std::to_string(kLogBytesMax >> 20) +
                              " MiB; they can no longer be saved or snapshotted (POST "
                              "/__admin/reset starts afresh)");
}

void WriteRecorder::clear() {
  writes_.clear();
  bytes_ = 0;
  overflowed_ = false;
}

void WriteRecorder::adopt(Writes writes) {
  clear();
  for (const auto& w : writes) bytes_ += w->bytes();
  writes_ = std::move(writes);
}

Status WriteRecorder::replay(const Router& target, const Writes& writes) {
  replaying_ = true;
  Status result = Ok{};
  for (size_t i = 0; i < writes.size(); ++i) {
    const LoggedWrite& w = *writes[i];
    auto request = Request::make(w.method, w.target);
    if (!request.ok()) {
      result =
          fail("diverged", "write " + std::to_string(i) + " has a malformed target " + w.target);
      break;
    }
    for (const auto& [name, value] : w.headers) request->headers.add(name, value);
    request->body = w.body;
    clock_.pin(w.at);
    tape_->start_replaying(w.draws);
    const Response response = target.handle(std::move(request).value());
    const bool overdrawn = tape_->overdrawn();
    tape_->stop();
    if (response.status != w.status || overdrawn) {
      result =
          fail("diverged",
               "write " + std::to_string(i) + " (" + std::string(method_name(w.method)) + " " +
                   w.target + " at " + format_hubspot_datetime(w.at) + ") answered " +
                   std::to_string(response.status) + " on replay, " + std::to_string(w.status) +
                   " when it was made" + (overdrawn ? " (and drew other secrets)" : ""));
      break;
    }
  }
  clock_.unpin();
  replaying_ = false;
  return result;
}

Status WriteRecorder::snapshot(const std::string& name) {
  if (!valid_snapshot_name(name))
    return fail("bad_name", "a snapshot's name is 1 to " + std::to_string(kSnapshotNameMax) +
                                " letters, digits, '-', '_' or '.'");
  if (auto s = check_complete(); !s) return s;
  if (!snapshots_.contains(name) && snapshots_.size() >= kSnapshotsMax)
    return fail("too_many", "at most " + std::to_string(kSnapshotsMax) + " snapshots");
  snapshots_[name] = writes_;
  return Ok{};
}

Result<Writes> WriteRecorder::snapshot_writes(const std::string& name) const {
  auto it = snapshots_.find(name);
  if (it == snapshots_.end()) return fail("no_snapshot", "no snapshot named '" + name + "'");
  return it->second;
}

std::vector<std::pair<std::string, size_t>> WriteRecorder::snapshots() const {
  std::vector<std::pair<std::string, size_t>> out;
  for (const auto& [name, writes] : snapshots_) out.emplace_back(name, writes.size());
  return out;
}

void attach(WriteRecorder& recorder, AdminHooks& hooks, std::function<Status()> rebuild,
            std::function<Status(const Writes& writes)> restore) {
  auto name_of = [](const std::string& text) -> Result<std::string> {
    json body = parse_json_or_discarded(text);
    if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
        !body["name"].is_string())
      return fail("bad_body", "give {\"name\":\"...\"}");
    return body["name"].get<std::string>();
  };
  WriteRecorder* r = &recorder;
  hooks.call_start = [r] { r->call_start(); };
  hooks.call_end = [r](const Request& request, const Response& answer) {
    r->call_end(request, answer);
  };
  hooks.reset = [r, rebuild = std::move(rebuild)] {
    r->clear();
    return rebuild();
  };
  hooks.more.actions["snapshot"] = [r, name_of](const std::string& text) -> Result<std::string> {
    auto name = name_of(text);
    if (!name) return fail(name.error());
    if (auto s = r->snapshot(*name); !s) return fail(s.error());
    return json{{"name", *name}, {"writes", r->writes().size()}}.dump();
  };
  hooks.more.actions["restore"] =
      [r, name_of, restore = std::move(restore)](const std::string& text) -> Result<std::string> {
    auto name = name_of(text);
    if (!name) return fail(name.error());
    auto writes = r->snapshot_writes(*name);
    if (!writes) return fail(writes.error());
    if (auto s = restore(*writes); !s) return fail(s.error());
    return json{{"restored", *name}, {"writes", writes->size()}}.dump();
  };
  hooks.more.views["snapshots"] = [r] {
    json list = json::array();
    for (const auto& [name, n] : r->snapshots()) list.push_back({{"name", name}, {"writes", n}});
    return json{{"snapshots", list}, {"writes", r->writes().size()}}.dump();
  };
}

json writes_to_json(const Writes& writes) {
  json out = json::array();
  for (const auto& w : writes) out.push_back(write_to_json(*w));
  return out;
}

Result<Writes> writes_from_json(const json& list, const std::string& where) {
  if (!list.is_array()) return fail("bad_state", where + ": expected a list");
  Writes writes;
  for (size_t i = 0; i < list.size(); ++i) {
    auto w = write_from_json(list[i], where + "[" + std::to_string(i) + "]");
    if (!w) return fail(w.error());
    writes.push_back(std::make_shared<const LoggedWrite>(std::move(w).value()));
  }
  return writes;
}

}  // namespace crmsim::env
