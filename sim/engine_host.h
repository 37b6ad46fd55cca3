// Hosts the engine in a simulated run as a process would: opens it on its
// SQLite file, steps it, and when a transport throws sim::Crash out of a
// call, drops it and opens a new one on the same file at the next step.
// HubSpot's webhooks reach it through the host's door: while a step runs
// nothing is delivered (between_steps() holds the deliveries until the step
// returns, as a receiver waits for the engine's lock), and while the engine
// is down the door answers 503, so HubSpot retries later.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/sync_engine.h"
#include "env/transport.h"

namespace crmsim::sim {

class EngineHost {
 public:
  // `store`: the engine's SQLite file (created if missing).
  EngineHost(engine::SyncConfig config, engine::EngineCredentials credentials, std::string store);
  ~EngineHost();
  EngineHost(const EngineHost&) = delete;
  EngineHost& operator=(const EngineHost&) = delete;

  // Where HubSpot delivers webhooks.
  env::Transport& door() { return door_; }
  // Sets the ports the engine reaches the world through; REQUIRES: before
  // the first open().
  void connect(engine::EnginePorts ports);

  // Opens the engine on the store (again, after a crash). Errors from
  // SyncEngine::open.
  env::Status open();
  bool up() const { return engine_ != nullptr; }
  engine::SyncEngine& engine() { return *engine_; }

  struct Step {
    bool crashed = false;
    std::string crash_where;  // when crashed
    env::Timestamp wake;      // when not crashed
  };
  // One engine step; a crash drops the engine (REQUIRES: up()). Deliveries
  // held during the step run before it returns.
  Step step();
  // The connector's settings changed (an admin on its settings pages): the
  // engine is reopened on the same store with `config` once the step under
  // way has returned; `resync_list`: then the inclusion list's members are
  // resynced by hand.
  void reconfigure(engine::SyncConfig config, bool resync_list);
  // Runs `delivery` now, or once the step under way has returned.
  void between_steps(std::function<void()> delivery);
  bool stepping() const { return stepping_; }
  // Whether the door took a delivery since the last clear (the engine has
  // work before its next wake).
  bool delivered() const { return door_.delivered; }
  void clear_delivered() { door_.delivered = false; }
  uint64_t crashes() const { return crashes_; }

 private:
  class Door final : public env::Transport {
   public:
    explicit Door(EngineHost& host) : host_(host) {}
    env::Result<env::Response, env::TransportError> send(const env::Request& request) override;
    bool delivered = false;

   private:
    EngineHost& host_;
  };

  engine::SyncConfig config_;
  engine::EngineCredentials credentials_;
  std::string store_;
  std::unique_ptr<engine::EnginePorts> ports_;
  std::unique_ptr<engine::SyncEngine> engine_;
  Door door_{*this};
  bool stepping_ = false;
  std::vector<std::function<void()>> held_;
  uint64_t crashes_ = 0;
  bool resync_pending_ = false;
};

}  // namespace crmsim::sim
