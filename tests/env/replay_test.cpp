#include "env/replay.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crmsim::env {
namespace {

using nlohmann::json;

// A tiny fake: POST /items makes an item named by a secret draw and
// stamped with the time; the 3rd item is refused (409) unless forced.
struct Items {
  std::vector<std::pair<std::string, int64_t>> made;
  SecretSource* secrets = nullptr;
  const Clock* clock = nullptr;
  Router router;

  Items() {
    router.add(Method::kPost, "/items", [this](const Request& r) {
      if (made.size() == 2 && r.body != "force")
        return Response::with_body(409, "text/plain", "no");
      made.emplace_back(secrets->hex(4), clock->now().ms_since_epoch());
      return Response::with_body(201, "text/plain", made.back().first);
    });
    router.add(Method::kGet, "/items", [this](const Request&) {
      return Response::with_body(200, "text/plain", std::to_string(made.size()));
    });
  }
};

Request post(const std::string& body) {
  auto r = Request::make(Method::kPost, "/items?x=1").value();
  r.headers.set("X-Who", "me");
  r.body = body;
  return r;
}

TEST(ReplayTest, WritesReplayAtTheirTimeWithTheirDraws) {
  ManualClock wall{Timestamp::from_ms(1'000)};
  PinnableClock clock(wall);
  auto tape = std::make_shared<TapedSecrets>(seeded_secrets(1));
  auto secrets = secrets_from(tape);
  WriteRecorder recorder(clock, tape);
  Items items;
  items.secrets = secrets.get();
  items.clock = &clock;
  auto call = [&](Request r) {
    recorder.call_start();
    Response a = items.router.handle(r);
    recorder.call_end(r, a);
    return a.status;
  };
  EXPECT_EQ(call(post("a")), 201);
  ASSERT_TRUE(wall.advance(Duration::seconds(5)).ok());
  EXPECT_EQ(call(Request::make(Method::kGet, "/items").value()), 200);
  EXPECT_EQ(call(post("b")), 201);
  EXPECT_EQ(call(post("c")), 409);
  EXPECT_EQ(call(post("force")), 201);
  ASSERT_EQ(recorder.writes().size(), 3u) << "reads and refusals are not logged";
  EXPECT_EQ(recorder.writes()[0]->target, "/items?x=1");
  EXPECT_EQ(recorder.writes()[0]->draws.size(), 1u);

  // Through the JSON form and back, onto a fresh fake.
  Writes loaded;
  for (const auto& w : recorder.writes()) {
    auto back = write_from_json(json::parse(write_to_json(*w).dump()), "w");
    ASSERT_TRUE(back.ok()) << back.error().message;
    loaded.push_back(std::make_shared<const LoggedWrite>(std::move(back).value()));
  }
  ASSERT_TRUE(wall.advance(Duration::hours(1)).ok());
  Items again;
  again.secrets = secrets.get();
  again.clock = &clock;
  ASSERT_TRUE(recorder.replay(again.router, loaded).ok());
  EXPECT_EQ(again.made, items.made) << "same names (draws) and same times";
  EXPECT_EQ(clock.now(), wall.now()) << "unpinned after the replay";

  // A fake that answers otherwise is refused, naming the write.
  Items other;
  other.secrets = secrets.get();
  other.clock = &clock;
  other.made.emplace_back("x", 0);
  other.made.emplace_back("y", 0);
  auto diverged = recorder.replay(other.router, loaded);
  ASSERT_FALSE(diverged.ok());
  EXPECT_EQ(diverged.error().code, "diverged");
  EXPECT_NE(diverged.error().message.find("write 0 (POST /items?x=1"), std::string::npos)
      << diverged.error().message;
}

TEST(ReplayTest, BodiesThatAreNotTextSurviveTheJsonForm) {
  LoggedWrite w;
  w.at = Timestamp::from_ms(5);
  w.method = Method::kPatch;
  w.target = "/a";
  w.body = std::string("\xff\x00\x01zip", 6);
  w.status = 204;
  const json j = write_to_json(w);
  EXPECT_TRUE(j.contains("body_hex"));
  auto back = write_from_json(json::parse(j.dump()), "w");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->body, w.body);
  EXPECT_EQ(back->method, Method::kPatch);
  EXPECT_NE(write_from_json(json{{"at", 1}, {"method", "GO"}, {"target", "/a"}, {"status", 1}},
                            "state.writes[3]")
                .error()
                .message.find("state.writes[3]: method"),
            std::string::npos);
  EXPECT_FALSE(
      write_from_json(json{{"at", 1}, {"method", "POST"}, {"target", "a"}, {"status", 1}}, "w")
          .ok());
}

TEST(ReplayTest, SnapshotsAreNamedBoundedAndShareTheLog) {
  ManualClock wall{Timestamp::from_ms(0)};
  PinnableClock clock(wall);
  auto tape = std::make_shared<TapedSecrets>(seeded_secrets(2));
  WriteRecorder recorder(clock, tape);
  const Request r = post("a");
  const Response created = Response::with_body(201, "text/plain", "");
  recorder.call_start();
  recorder.call_end(r, created);
  ASSERT_TRUE(recorder.snapshot("clean-1").ok());
  recorder.call_start();
  recorder.call_end(r, created);
  EXPECT_EQ(recorder.snapshot_writes("clean-1")->size(), 1u);
  EXPECT_EQ(recorder.writes().size(), 2u);
  EXPECT_EQ(recorder.snapshot("bad name").error().code, "bad_name");
  EXPECT_EQ(recorder.snapshot(std::string(65, 'a')).error().code, "bad_name");
  EXPECT_EQ(recorder.snapshot_writes("nope").error().code, "no_snapshot");
  for (size_t i = 1; i < WriteRecorder::kSnapshotsMax; ++i)
    ASSERT_TRUE(recorder.snapshot("s" + std::to_string(i)).ok());
  EXPECT_EQ(recorder.snapshot("one-too-many").error().code, "too_many");
  EXPECT_TRUE(recorder.snapshot("s1").ok()) << "taking a name again replaces it";

  // Past the log's size, the state is no longer whole: saving refuses.
  Request huge = post(std::string(WriteRecorder::kLogBytesMax, 'x'));
  recorder.call_start();
  recorder.call_end(huge, created);
  EXPECT_EQ(recorder.check_complete().error().code, "log_full");
  EXPECT_EQ(recorder.snapshot("later").error().code, "log_full");
  recorder.clear();
  EXPECT_TRUE(recorder.check_complete().ok()) << "a reset starts afresh";
}

}  // namespace
}  // namespace crmsim::env
