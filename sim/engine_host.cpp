#include "sim/engine_host.h"

#include "env/assert.h"
#include "env/local_transport.h"
#include "sim/sim_transport.h"

namespace crmsim::sim {

EngineHost::EngineHost(engine::SyncConfig config, engine::EngineCredentials credentials,
                       std::string store)
    : config_(std::move(config)), credentials_(std::move(credentials)), store_(std::move(store)) {}

EngineHost::~EngineHost() = default;

void EngineHost::connect(engine::EnginePorts ports) {
  CRMSIM_ASSERT(engine_ == nullptr, "ports are set before the engine opens");
  ports_ = std::make_unique<engine::EnginePorts>(ports);
}

env::Status EngineHost::open() {
  CRMSIM_ASSERT(ports_ != nullptr, "connected before opened");
  engine_.reset();
  auto e = engine::SyncEngine::open(config_, *ports_, credentials_, store_);
  if (!e) return env::fail(e.error());
  engine_ = std::move(*e);
  if (resync_pending_) {
    engine_->resync_inclusion_list();
    resync_pending_ = false;
  }
  return env::Ok{};
}

void EngineHost::reconfigure(engine::SyncConfig config, bool resync_list) {
  between_steps([this, config = std::move(config), resync_list]() mutable {
    config_ = std::move(config);
    resync_pending_ = resync_pending_ || resync_list;
    engine_.reset();  // reopened on the same store at the next step
  });
}

EngineHost::Step EngineHost::step() {
  CRMSIM_ASSERT(engine_ != nullptr && !stepping_, "a step of an engine that is up");
  Step out;
  stepping_ = true;
  try {
    out.wake = engine_->step();
  } catch (const Crash& crash) {
    ++crashes_;
    out.crashed = true;
    out.crash_where = crash.where;
    engine_.reset();
  }
  stepping_ = false;
  // What waited at the door goes in now, in the order it came.
  std::vector<std::function<void()>> held;
  held.swap(held_);
  for (auto& delivery : held) delivery();
  return out;
}

void EngineHost::between_steps(std::function<void()> delivery) {
  if (stepping_) {
    held_.push_back(std::move(delivery));
    return;
  }
  delivery();
}

env::Result<env::Response, env::TransportError> EngineHost::Door::send(
    const env::Request& request) {
  // Nothing reaches the engine in the middle of its step.
  CRMSIM_ASSERT(!host_.stepping_, "webhooks are delivered between engine steps");
  if (host_.engine_ == nullptr) return env::Response::empty(503);
  env::LocalTransport local(host_.engine_->webhook_receiver());
  delivered = true;
  return local.send(request);
}

}  // namespace crmsim::sim
