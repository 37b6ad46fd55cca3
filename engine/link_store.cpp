#include "engine/link_store.h"

#include <sqlite3.h>

#include "env/assert.h"

namespace crmsim::engine {

using env::fail;

// A prepared statement, reset after each use. A failing step on a store the
// engine owns is an I/O failure it cannot reason about: it aborts loudly
// (the store is the engine's truth; carrying on would corrupt it).
class LinkStore::Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    CRMSIM_ASSERT(rc == SQLITE_OK, sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    CRMSIM_ASSERT(rc == SQLITE_DONE, sqlite3_errmsg(db_));
    return false;
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  Statement& bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  // Valid until the next step or reset.
  std::string_view blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string_view()
                        : std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

namespace {

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS links(
  kind TEXT NOT NULL,
  hs_id INTEGER NOT NULL,
  sf_object TEXT NOT NULL,
  sf_id TEXT NOT NULL UNIQUE,
  PRIMARY KEY(kind, hs_id));
CREATE INDEX IF NOT EXISTS links_by_object ON links(sf_object);
CREATE TABLE IF NOT EXISTS synced(
  kind TEXT NOT NULL,
  hs_id INTEGER NOT NULL,
  pairs BLOB NOT NULL,
  PRIMARY KEY(kind, hs_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermarks(
  name TEXT PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  ids TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox(
  hs_id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  reason TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  first_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_by_age ON inbox(first_ms, hs_id);
CREATE TABLE IF NOT EXISTS intents(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  hs_id INTEGER NOT NULL,
  sf_object TEXT NOT NULL,
  sf_id TEXT NOT NULL,
  email TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS failures(
  key TEXT PRIMARY KEY,
  direction TEXT NOT NULL,
  family TEXT NOT NULL,
  message TEXT NOT NULL,
  retries INTEGER NOT NULL,
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  next_retry_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS failures_due ON failures(next_retry_ms, key);
CREATE TABLE IF NOT EXISTS owed(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sf_object TEXT NOT NULL,
  sf_id TEXT NOT NULL UNIQUE);
CREATE INDEX IF NOT EXISTS owed_by_object ON owed(sf_object, seq);
CREATE TABLE IF NOT EXISTS calls(minute INTEGER PRIMARY KEY, calls INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS list_members(hs_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS pending_roles(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  opportunity_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  UNIQUE(opportunity_id, contact_id));
DROP TABLE IF EXISTS lifecycle_waiting;
CREATE TABLE IF NOT EXISTS lifecycle_pending(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  contact_id TEXT NOT NULL UNIQUE,
  hs_id INTEGER NOT NULL);
)sql";

// Synced values of one record in one row: each property and its value as
// a netstring ("5:email,13:a@example.com,"), properties in name order.
void append_netstring(std::string& out, std::string_view text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
  out += ',';
}

std::string encode_pairs(const std::map<std::string, std::string>& pairs) {
  std::string out;
  for (const auto& [p, v] : pairs) {
    append_netstring(out, p);
    append_netstring(out, v);
  }
  return out;
}

// False when `text` is not a netstring at the start of `rest`.
bool take_netstring(std::string_view& rest, std::string_view& text) {
  size_t length = 0, i = 0;
  for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
    if (length > rest.size()) return false;
    length = length * 10 + static_cast<size_t>(rest[i] - '0');
  }
  if (i == 0 || i >= rest.size() || rest[i] != ':') return false;
  ++i;
  if (length > rest.size() - i || rest.size() - i - length < 1 || rest[i + length] != ',')
    return false;
  text = rest.substr(i, length);
  rest.remove_prefix(i + length + 1);
  return true;
}

bool decode_pairs(std::string_view blob, std::map<std::string, std::string>& out) {
  while (!blob.empty()) {
    std::string_view p, v;
    if (!take_netstring(blob, p) || !take_netstring(blob, v)) return false;
    out.emplace_hint(out.end(), std::string(p), std::string(v));
  }
  return true;
}

std::string join_ids(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

std::set<std::string> split_ids(const std::string& text) {
  std::set<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.insert(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

int LinkStore::open_connection(const std::string& path, sqlite3** db) {
  static const bool configured = [] {
    // Refused (SQLITE_MISUSE) when SQLite is already initialized, by a
    // library or a test before us: statistics then stay on, nothing else.
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  // URI names too: the simulator keeps its store in memory ("file:/...?vfs=memdb").
  return sqlite3_open_v2(
      path.c_str(), db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
}

env::Result<std::unique_ptr<LinkStore>> LinkStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = open_connection(path, &db);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return env::fail("store", path + ": " + message);
  }
  char* error = nullptr;
  // WAL with synchronous=NORMAL: a committed step survives a process crash
  // (what the engine's recovery relies on); only a power loss may drop the
  // last few commits. One engine owns its store: the exclusive lock spares
  // two file-lock calls per transaction, and a second engine on the same
  // file is refused (SQLITE_BUSY) instead of corrupting the sync.
  // An in-memory store (SQLite's memdb, which the simulator keeps open for
  // a run) has no file to lose on a power cut: its journal stays in memory
  // too, so that a commit copies no pages into a log and back. A commit
  // still outlives the connection and an open transaction still rolls back
  // when the connection closes, which is all a simulated crash needs.
  const bool in_memory = path.find("vfs=memdb") != std::string::npos;
  rc = sqlite3_exec(db,
                    in_memory ? "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=MEMORY; "
                                "PRAGMA synchronous=OFF;"
                              : "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; "
                                "PRAGMA synchronous=NORMAL;",
                    nullptr, nullptr, &error);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, kSchema, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : "schema";
    sqlite3_free(error);
    sqlite3_close(db);
    return env::fail("store", path + ": " + message);
  }
  std::unique_ptr<LinkStore> store(new LinkStore(db));
  store->on_open();
  return store;
}

// What the store keeps in memory (whether any failure is stored, how many
// records wait in the inbox); and stores written before synced values
// were kept one row per record had a row per property (synced_values):
// they move into `synced`, in one transaction, the first time such a
// store is opened.
void LinkStore::on_open() {
  auto& any_failure = statement("SELECT 1 FROM failures LIMIT 1");
  failures_stored_ = any_failure.step();
  any_failure.reset();
  auto& inbox = statement("SELECT COUNT(*) FROM inbox");
  inbox.step();
  inbox_items_ = static_cast<size_t>(inbox.integer(0));
  inbox.reset();
  auto& exists =
      statement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'synced_values'");
  const bool old = exists.step();
  exists.reset();
  if (!old) return;
  begin();
  auto& rows = statement(
      "SELECT kind, hs_id, property, value FROM synced_values ORDER BY kind, hs_id, property");
  auto& put = statement("INSERT OR REPLACE INTO synced(kind, hs_id, pairs) VALUES(?, ?, ?)");
  std::string kind;
  int64_t hs_id = 0;
  std::map<std::string, std::string> pairs;
  auto flush = [&] {
    if (pairs.empty()) return;
    put.bind(1, kind).bind(2, hs_id).bind_blob(3, encode_pairs(pairs)).run();
    pairs.clear();
  };
  while (rows.step()) {
    std::string row_kind = rows.text(0);
    const int64_t row_id = rows.integer(1);
    if (row_kind != kind || row_id != hs_id) {
      flush();
      kind = std::move(row_kind);
      hs_id = row_id;
    }
    pairs[rows.text(2)] = rows.text(3);
  }
  rows.reset();
  flush();
  statements_.clear();  // the statements that read the old table go with it
  statement("DROP TABLE synced_values").run();
  commit();
}

LinkStore::LinkStore(sqlite3* db) : db_(db) {}

LinkStore::~LinkStore() {
  // An open transaction at destruction is a crash in the middle of a step:
  // it rolls back, as it would in a real crash.
  statements_.clear();
  sqlite3_close(db_);
}

LinkStore::Statement& LinkStore::statement(const char* sql) const {
  auto& s = statements_[sql];
  if (!s) s = std::make_unique<Statement>(db_, sql);
  return *s;
}

// Prepared once, like every other statement: a step commits thousands of
// times, and sqlite3_exec would compile "COMMIT" each time.
void LinkStore::begin() {
  if (depth_++ == 0) statement("BEGIN IMMEDIATE").run();
}

void LinkStore::commit() {
  CRMSIM_ASSERT(depth_ > 0, "commit() without begin()");
  if (--depth_ == 0) statement("COMMIT").run();
}

// ---- links

std::string_view link_kind(std::string_view sf_object) {
  if (sf_object == "Account") return kCompanyLinks;
  if (sf_object == "Opportunity") return kDealLinks;
  return kContactLinks;
}

void LinkStore::make_room() const {
  if (++cached_ <= kCachedMax) return;
  by_hubspot_.clear();
  by_salesforce_.clear();
  synced_.clear();
  cached_ = 1;
}

const std::optional<Link>* LinkStore::cached_link(std::string_view kind, uint64_t hs_id) const {
  const auto k = by_hubspot_.find(kind);
  if (k == by_hubspot_.end()) return nullptr;
  const auto it = k->second.find(hs_id);
  if (it == k->second.end()) return nullptr;
  if (!it->second) return &it->second;
  // Confirmed by the Salesforce id's entry naming this record back.
  const auto back = by_salesforce_.find(it->second->sf_id);
  if (back == by_salesforce_.end() || back->second.second != hs_id || back->second.first != kind)
    return nullptr;
  return &it->second;
}

void LinkStore::cache_link(std::string_view kind, uint64_t hs_id,
                           const std::optional<Link>& link) const {
  make_room();
  auto k = by_hubspot_.find(kind);
  if (k == by_hubspot_.end()) k = by_hubspot_.emplace(std::string(kind), 0).first;
  k->second.insert_or_assign(hs_id, link);
  if (link) by_salesforce_.insert_or_assign(link->sf_id, std::pair(std::string(kind), hs_id));
}

std::optional<Link> LinkStore::link_by_hubspot(uint64_t hs_id, std::string_view kind) const {
  if (const auto* cached = cached_link(kind, hs_id)) return *cached;
  auto& s = statement("SELECT sf_object, sf_id FROM links WHERE kind = ? AND hs_id = ?");
  s.bind(1, kind).bind(2, static_cast<int64_t>(hs_id));
  std::optional<Link> out;
  if (s.step()) out = Link{hs_id, s.text(0), s.text(1), std::string(kind)};
  s.reset();
  cache_link(kind, hs_id, out);
  return out;
}

std::optional<Link> LinkStore::link_by_salesforce(std::string_view sf_id) const {
  if (const auto it = by_salesforce_.find(sf_id); it != by_salesforce_.end()) {
    const auto& [kind, hs_id] = it->second;
    if (hs_id == 0) return std::nullopt;
    const auto* cached = cached_link(kind, hs_id);
    if (cached != nullptr && *cached && (*cached)->sf_id == sf_id) return *cached;
  }
  auto& s = statement("SELECT hs_id, sf_object, kind FROM links WHERE sf_id = ?");
  s.bind(1, sf_id);
  std::optional<Link> out;
  if (s.step())
    out = Link{static_cast<uint64_t>(s.integer(0)), s.text(1), std::string(sf_id), s.text(2)};
  s.reset();
  if (out) {
    cache_link(out->kind, out->hs_id, out);
  } else {
    make_room();
    by_salesforce_.insert_or_assign(std::string(sf_id), std::pair(std::string(), uint64_t{0}));
  }
  return out;
}

void LinkStore::put_link(const Link& link) {
  CRMSIM_ASSERT(link.hs_id != 0 && !link.sf_id.empty(), "a link joins two records");
  const std::string_view kind = link.kind.empty() ? link_kind(link.sf_object) : link.kind;
  // REPLACE deletes every row the new one conflicts with: this record's
  // old link (the primary key) and another record's link to the same
  // Salesforce record (sf_id is unique).
  statement("INSERT OR REPLACE INTO links(kind, hs_id, sf_object, sf_id) VALUES(?, ?, ?, ?)")
      .bind(1, kind)
      .bind(2, static_cast<int64_t>(link.hs_id))
      .bind(3, link.sf_object)
      .bind(4, link.sf_id)
      .run();
  cache_link(kind, link.hs_id, Link{link.hs_id, link.sf_object, link.sf_id, std::string(kind)});
}

void LinkStore::remove_link(uint64_t hs_id, std::string_view kind) {
  statement("DELETE FROM links WHERE kind = ? AND hs_id = ?")
      .bind(1, kind)
      .bind(2, static_cast<int64_t>(hs_id))
      .run();
  cache_link(kind, hs_id, std::nullopt);
}

size_t LinkStore::link_count() const {
  auto& s = statement("SELECT COUNT(*) FROM links WHERE kind = 'contact'");
  s.step();
  auto n = static_cast<size_t>(s.integer(0));
  s.reset();
  return n;
}

bool LinkStore::any_contact_link() const {
  auto& s = statement("SELECT 1 FROM links WHERE kind = 'contact' LIMIT 1");
  const bool any = s.step();
  s.reset();
  return any;
}

bool LinkStore::any_link(std::string_view sf_object) const {
  auto& s = statement("SELECT 1 FROM links WHERE sf_object = ? LIMIT 1");
  s.bind(1, sf_object);
  const bool any = s.step();
  s.reset();
  return any;
}

size_t LinkStore::link_count(std::string_view sf_object) const {
  auto& s = statement("SELECT COUNT(*) FROM links WHERE sf_object = ?");
  s.bind(1, sf_object);
  s.step();
  auto n = static_cast<size_t>(s.integer(0));
  s.reset();
  return n;
}

std::vector<Link> LinkStore::links() const {
  auto& s = statement("SELECT hs_id, sf_object, sf_id, kind FROM links ORDER BY kind, hs_id");
  std::vector<Link> out;
  while (s.step())
    out.push_back({static_cast<uint64_t>(s.integer(0)), s.text(1), s.text(2), s.text(3)});
  s.reset();
  return out;
}

// ---- synced values

std::map<std::string, std::string> LinkStore::synced_values(uint64_t hs_id,
                                                            std::string_view kind) const {
  if (const auto k = synced_.find(kind); k != synced_.end())
    if (const auto it = k->second.find(hs_id); it != k->second.end()) return it->second;
  auto& s = statement("SELECT pairs FROM synced WHERE kind = ? AND hs_id = ?");
  s.bind(1, kind).bind(2, static_cast<int64_t>(hs_id));
  std::map<std::string, std::string> out;
  if (s.step()) {
    const std::string_view blob = s.blob(0);
    const bool ok = decode_pairs(blob, out);
    CRMSIM_ASSERT(ok, "store: an unreadable synced-values row");
  }
  s.reset();
  cache_synced(kind, hs_id, out);
  return out;
}

void LinkStore::cache_synced(std::string_view kind, uint64_t hs_id,
                             std::map<std::string, std::string> values) const {
  make_room();
  auto k = synced_.find(kind);
  if (k == synced_.end()) k = synced_.emplace(std::string(kind), 0).first;
  k->second.insert_or_assign(hs_id, std::move(values));
}

void LinkStore::put_synced_value(uint64_t hs_id, const std::string& property,
                                 const std::string& value, std::string_view kind) {
  put_synced_values(hs_id, {{property, value}}, kind);
}

void LinkStore::put_synced_values(uint64_t hs_id, const std::map<std::string, std::string>& values,
                                  std::string_view kind) {
  if (values.empty()) return;
  begin();
  std::map<std::string, std::string> all = synced_values(hs_id, kind);
  for (const auto& [p, v] : values) all[p] = v;
  const std::string blob = encode_pairs(all);
  statement("INSERT OR REPLACE INTO synced(kind, hs_id, pairs) VALUES(?, ?, ?)")
      .bind(1, kind)
      .bind(2, static_cast<int64_t>(hs_id))
      .bind_blob(3, blob)
      .run();
  commit();
  cache_synced(kind, hs_id, std::move(all));
}

void LinkStore::clear_synced_values(uint64_t hs_id, std::string_view kind) {
  statement("DELETE FROM synced WHERE kind = ? AND hs_id = ?")
      .bind(1, kind)
      .bind(2, static_cast<int64_t>(hs_id))
      .run();
  cache_synced(kind, hs_id, {});
}

// ---- watermarks and meta

std::optional<Watermark> LinkStore::watermark(std::string_view name) const {
  auto& s = statement("SELECT at_ms, ids FROM watermarks WHERE name = ?");
  s.bind(1, name);
  std::optional<Watermark> out;
  if (s.step()) out = Watermark{env::Timestamp::from_ms(s.integer(0)), split_ids(s.text(1))};
  s.reset();
  return out;
}

void LinkStore::put_watermark(std::string_view name, const Watermark& mark) {
  statement("INSERT OR REPLACE INTO watermarks(name, at_ms, ids) VALUES(?, ?, ?)")
      .bind(1, name)
      .bind(2, mark.at.ms_since_epoch())
      .bind(3, join_ids(mark.ids_at))
      .run();
}

std::optional<std::string> LinkStore::meta(std::string_view key) const {
  auto& s = statement("SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  std::optional<std::string> out;
  if (s.step()) out = s.text(0);
  s.reset();
  return out;
}

void LinkStore::put_meta(std::string_view key, std::string_view value) {
  statement("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
      .bind(1, key)
      .bind(2, value)
      .run();
}

// ---- inbox

env::Status LinkStore::inbox_add(uint64_t hs_id, std::string_view reason, env::Timestamp at) {
  // A record new to the inbox (version 1) is taken back out if it was one
  // too many; an event about a record already waiting raises its version.
  // (Two plain statements: an upsert with RETURNING costs SQLite a
  // temporary table per event, and webhooks bring thousands a minute.)
  begin();
  statement(
      "INSERT OR IGNORE INTO inbox(hs_id, version, reason, received_ms, first_ms) "
      "VALUES(?1, 1, ?2, ?3, ?3)")
      .bind(1, static_cast<int64_t>(hs_id))
      .bind(2, reason)
      .bind(3, at.ms_since_epoch())
      .run();
  const bool added = sqlite3_changes(db_) == 1;
  if (!added)
    statement(
        "UPDATE inbox SET version = version + 1, reason = ?2, received_ms = ?3 WHERE hs_id = ?1")
        .bind(1, static_cast<int64_t>(hs_id))
        .bind(2, reason)
        .bind(3, at.ms_since_epoch())
        .run();
  if (added) ++inbox_items_;
  const bool full = added && inbox_items_ > kInboxItemsMax;
  if (full) {
    statement("DELETE FROM inbox WHERE hs_id = ?").bind(1, static_cast<int64_t>(hs_id)).run();
    --inbox_items_;
  }
  commit();
  if (full)
    return env::fail("inbox_full",
                     "the inbox holds " + std::to_string(kInboxItemsMax) + " records already");
  return env::Ok{};
}

std::vector<InboxItem> LinkStore::inbox_peek(size_t max_items) const {
  auto& s = statement(
      "SELECT hs_id, version, reason, received_ms FROM inbox ORDER BY first_ms, hs_id LIMIT ?");
  s.bind(1, static_cast<int64_t>(max_items));
  std::vector<InboxItem> out;
  while (s.step())
    out.push_back({static_cast<uint64_t>(s.integer(0)), s.integer(1), s.text(2),
                   env::Timestamp::from_ms(s.integer(3))});
  s.reset();
  return out;
}

void LinkStore::inbox_remove(uint64_t hs_id, int64_t version) {
  statement("DELETE FROM inbox WHERE hs_id = ? AND version = ?")
      .bind(1, static_cast<int64_t>(hs_id))
      .bind(2, version)
      .run();
  inbox_items_ -= static_cast<size_t>(sqlite3_changes(db_));
}

size_t LinkStore::inbox_size() const { return inbox_items_; }

// ---- intents

int64_t LinkStore::add_intent(const Intent& intent) {
  statement(
      "INSERT INTO intents(kind, hs_id, sf_object, sf_id, email, created_ms) "
      "VALUES(?, ?, ?, ?, ?, ?)")
      .bind(1, intent.kind.text())
      .bind(2, static_cast<int64_t>(intent.hs_id))
      .bind(3, intent.sf_object)
      .bind(4, intent.sf_id)
      .bind(5, intent.lookup)
      .bind(6, intent.created_at.ms_since_epoch())
      .run();
  return sqlite3_last_insert_rowid(db_);
}

void LinkStore::remove_intent(int64_t id) {
  statement("DELETE FROM intents WHERE id = ?").bind(1, id).run();
}

std::vector<Intent> LinkStore::intents() const {
  auto& s = statement(
      "SELECT id, kind, hs_id, sf_object, sf_id, email, created_ms FROM intents ORDER BY id");
  std::vector<Intent> out;
  while (s.step()) {
    // A kind no version of the engine wrote is left out (and stays in the
    // file for a person to look at).
    auto kind = IntentKind::parse(s.text(1));
    if (!kind) continue;
    out.push_back({s.integer(0), std::move(*kind), static_cast<uint64_t>(s.integer(2)), s.text(3),
                   s.text(4), s.text(5), env::Timestamp::from_ms(s.integer(6))});
  }
  s.reset();
  return out;
}

// ---- failures

void LinkStore::put_failure(const SyncFailure& f) {
  failures_stored_ = true;
  statement(
      "INSERT OR REPLACE INTO failures(key, direction, family, message, retries, first_ms, "
      "last_ms, next_retry_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, f.key)
      .bind(2, f.direction)
      .bind(3, f.family)
      .bind(4, f.message)
      .bind(5, f.retries)
      .bind(6, f.first_at.ms_since_epoch())
      .bind(7, f.last_at.ms_since_epoch())
      .bind(8, f.next_retry_at.ms_since_epoch())
      .run();
}

void LinkStore::clear_failure(std::string_view key) {
  // Most records clear a failure they never had: with none stored since
  // the store opened, there is nothing to delete.
  if (!failures_stored_) return;
  statement("DELETE FROM failures WHERE key = ?").bind(1, key).run();
}

void LinkStore::put_owed(std::string_view sf_object, std::string_view sf_id) {
  // Past the limit the oldest is dropped: its record still syncs on its
  // next change made by someone else.
  if (owed_size() >= kOwedMax) statement("DELETE FROM owed WHERE seq = (SELECT MIN(seq) FROM owed)").run();
  statement("INSERT OR IGNORE INTO owed(sf_object, sf_id) VALUES(?, ?)")
      .bind(1, sf_object)
      .bind(2, sf_id)
      .run();
}

void LinkStore::clear_owed(std::string_view sf_id) {
  statement("DELETE FROM owed WHERE sf_id = ?").bind(1, sf_id).run();
}

std::vector<std::string> LinkStore::owed(std::string_view sf_object, size_t max_items) const {
  auto& s = statement("SELECT sf_id FROM owed WHERE sf_object = ? ORDER BY seq LIMIT ?");
  s.bind(1, sf_object).bind(2, static_cast<int64_t>(max_items));
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  s.reset();
  return out;
}

size_t LinkStore::owed_size() const {
  auto& s = statement("SELECT COUNT(*) FROM owed");
  size_t n = 0;
  if (s.step()) n = static_cast<size_t>(s.integer(0));
  s.reset();
  return n;
}

namespace {
// One row of the failures table (the statement's type is private to
// LinkStore, hence the template).
template <typename S>
SyncFailure failure_row(const S& s) {
  return SyncFailure{s.text(0),
                     s.text(1),
                     s.text(2),
                     s.text(3),
                     s.integer(4),
                     env::Timestamp::from_ms(s.integer(5)),
                     env::Timestamp::from_ms(s.integer(6)),
                     env::Timestamp::from_ms(s.integer(7))};
}
}  // namespace

std::optional<SyncFailure> LinkStore::failure(std::string_view key) const {
  auto& s = statement(
      "SELECT key, direction, family, message, retries, first_ms, last_ms, next_retry_ms "
      "FROM failures WHERE key = ?");
  s.bind(1, key);
  std::optional<SyncFailure> out;
  if (s.step()) out = failure_row(s);
  s.reset();
  return out;
}

std::vector<SyncFailure> LinkStore::failures_due(env::Timestamp now, size_t max_items) const {
  auto& s = statement(
      "SELECT key, direction, family, message, retries, first_ms, last_ms, next_retry_ms "
      "FROM failures WHERE next_retry_ms <= ? ORDER BY next_retry_ms, key LIMIT ?");
  s.bind(1, now.ms_since_epoch()).bind(2, static_cast<int64_t>(max_items));
  std::vector<SyncFailure> out;
  while (s.step()) out.push_back(failure_row(s));
  s.reset();
  return out;
}

std::vector<SyncFailure> LinkStore::failures() const {
  auto& s = statement(
      "SELECT key, direction, family, message, retries, first_ms, last_ms, next_retry_ms "
      "FROM failures ORDER BY key");
  std::vector<SyncFailure> out;
  while (s.step()) out.push_back(failure_row(s));
  s.reset();
  return out;
}

// ---- calls

void LinkStore::add_calls(int64_t minute, int64_t calls) {
  statement(
      "INSERT INTO calls(minute, calls) VALUES(?1, ?2) "
      "ON CONFLICT(minute) DO UPDATE SET calls = calls + ?2")
      .bind(1, minute)
      .bind(2, calls)
      .run();
}

std::vector<std::pair<int64_t, int64_t>> LinkStore::calls_since(int64_t since_minute) {
  statement("DELETE FROM calls WHERE minute < ?").bind(1, since_minute).run();
  auto& s = statement("SELECT minute, calls FROM calls ORDER BY minute");
  std::vector<std::pair<int64_t, int64_t>> out;
  while (s.step()) out.emplace_back(s.integer(0), s.integer(1));
  s.reset();
  return out;
}

// ---- list members

std::set<uint64_t> LinkStore::list_members() const {
  auto& s = statement("SELECT hs_id FROM list_members");
  std::set<uint64_t> out;
  while (s.step()) out.insert(static_cast<uint64_t>(s.integer(0)));
  s.reset();
  return out;
}

void LinkStore::add_list_member(uint64_t hs_id) {
  statement("INSERT OR IGNORE INTO list_members(hs_id) VALUES(?)")
      .bind(1, static_cast<int64_t>(hs_id))
      .run();
}

void LinkStore::remove_list_member(uint64_t hs_id) {
  statement("DELETE FROM list_members WHERE hs_id = ?").bind(1, static_cast<int64_t>(hs_id)).run();
}

void LinkStore::add_pending_role(const std::string& opportunity_id, const std::string& contact_id) {
  statement("INSERT OR IGNORE INTO pending_roles(opportunity_id, contact_id) VALUES(?, ?)")
      .bind(1, opportunity_id)
      .bind(2, contact_id)
      .run();
  // The oldest go first when there are too many.
  statement(
      "DELETE FROM pending_roles WHERE seq <= (SELECT MAX(seq) FROM pending_roles) - ?")
      .bind(1, static_cast<int64_t>(kPendingRolesMax))
      .run();
}

std::vector<std::pair<std::string, std::string>> LinkStore::pending_roles() const {
  auto& s = statement("SELECT opportunity_id, contact_id FROM pending_roles ORDER BY seq");
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  s.reset();
  return out;
}

void LinkStore::remove_pending_role(const std::string& opportunity_id,
                                    const std::string& contact_id) {
  statement("DELETE FROM pending_roles WHERE opportunity_id = ? AND contact_id = ?")
      .bind(1, opportunity_id)
      .bind(2, contact_id)
      .run();
}

void LinkStore::add_lifecycle_waiting(const std::string& contact_id, uint64_t stale_hs_id) {
  statement("INSERT OR REPLACE INTO lifecycle_pending(contact_id, hs_id) VALUES(?, ?)")
      .bind(1, contact_id)
      .bind(2, static_cast<int64_t>(stale_hs_id))
      .run();
  statement(
      "DELETE FROM lifecycle_pending WHERE seq <= (SELECT MAX(seq) FROM lifecycle_pending) - ?")
      .bind(1, static_cast<int64_t>(kLifecycleWaitingMax))
      .run();
}

std::vector<std::pair<std::string, uint64_t>> LinkStore::lifecycle_waiting() const {
  auto& s = statement("SELECT contact_id, hs_id FROM lifecycle_pending ORDER BY seq");
  std::vector<std::pair<std::string, uint64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), static_cast<uint64_t>(s.integer(1)));
  s.reset();
  return out;
}

void LinkStore::remove_lifecycle_waiting(const std::string& contact_id) {
  statement("DELETE FROM lifecycle_pending WHERE contact_id = ?").bind(1, contact_id).run();
}

}  // namespace crmsim::engine
