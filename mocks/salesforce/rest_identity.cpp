// OAuth identity and record counts: the identity URL a login returns
// (/id/{orgId}/{userId}), OpenID Connect's /services/oauth2/userinfo, token
// revocation (/services/oauth2/revoke), and /limits/recordCount. As
// Salesforce answers them: an unusable token is a 403 "Bad_OAuth_Token" on
// the identity routes, a revocation of an unknown token a 400
// unsupported_token_type, and record counts an ordinary counted data call.
#include <set>

#include "env/query_params.h"
#include "env/time.h"
#include "mocks/salesforce/rest_kit.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

Response plain(int status, std::string_view text) {
  return Response::with_body(status, "text/plain;charset=UTF-8", std::string(text));
}

std::string text_of(const Record& r, std::string_view field) { return r.get(field).to_text(); }

// The URLs the identity service lists; "{version}" stays for the client
// to fill, as Salesforce writes it.
json identity_urls(const std::string& base, const std::string& org_id, const std::string& user) {
  const std::string data = base + "/services/data/v{version}/";
  return {{"enterprise", base + "/services/Soap/c/{version}/" + org_id.substr(0, 15)},
          {"metadata", base + "/services/Soap/m/{version}/" + org_id.substr(0, 15)},
          {"partner", base + "/services/Soap/u/{version}/" + org_id.substr(0, 15)},
          {"rest", data},
          {"sobjects", data + "sobjects/"},
          {"search", data + "search/"},
          {"query", data + "query/"},
          {"recent", data + "recent/"},
          {"tooling_soap", base + "/services/Soap/T/{version}/" + org_id.substr(0, 15)},
          {"tooling_rest", data + "tooling/"},
          {"profile", base + "/" + user},
          {"feeds", data + "chatter/feeds"},
          {"groups", data + "chatter/groups"},
          {"users", data + "chatter/users"},
          {"feed_items", data + "chatter/feed-items"},
          {"feed_elements", data + "chatter/feed-elements"},
          {"custom_domain", base}};
}

// What the identity URL and userinfo both say of a user, under the same
// names; each answer adds its own (OpenID Connect renames the rest).
json shared_user_fields(const Record& user, const std::string& base, const std::string& org_id) {
  return {{"user_id", user.id},
          {"organization_id", org_id},
          {"email", text_of(user, "Email")},
          {"email_verified", true},
          {"photos", {{"picture", base + "/profilephoto/005/F"},
                      {"thumbnail", base + "/profilephoto/005/T"}}},
          {"urls", identity_urls(base, org_id, user.id)},
          {"active", user.get("IsActive") == Value(true)},
          {"user_type", "STANDARD"},
          {"language", "en_US"},
          {"locale", "en_US"},
          {"utcOffset", 0},
          {"is_app_installed", true}};
}

}  // namespace

void RestApi::install_identity_routes() {
  // The user a request's token is a live session of; nullptr otherwise.
  // jsforce sends the token as ?oauth_token= on the identity URL, as
  // Salesforce accepts it there.
  auto user_of = [this](const Request& r) -> const Record* {
    std::string token = token_of(r);
    if (token.empty()) token = std::string(r.query.get("oauth_token").value_or(""));
    const Session* s = live_session(token);
    return s == nullptr ? nullptr : org_.find(s->user_id);
  };

  router_.add(Method::kGet, "/id/:orgId/:userId", [this, user_of](const Request& r) {
    const Record* caller = user_of(r);
    if (caller == nullptr) return plain(403, "Bad_OAuth_Token");
    // A token reads its own org's identities, and only existing users'.
    const std::string org_id(r.params.get("orgId"));
    const std::string user_id(r.params.get("userId"));
    const Record* user = org_.find(user_id);
    if (org_id != org_.id() || user == nullptr || user->object == nullptr ||
        user->object->name != "User") {
      return plain(404, "Bad_Id");
    }
    const std::string base = instance_url(r);
    json out = shared_user_fields(*user, base, org_.id());
    out.update({{"id", base + "/id/" + org_.id() + "/" + user_id},
                {"asserted_user", user_id == caller->id},
                {"username", text_of(*user, "Username")},
                {"nick_name", text_of(*user, "Alias")},
                {"display_name", text_of(*user, "Name")},
                {"first_name", text_of(*user, "FirstName")},
                {"last_name", text_of(*user, "LastName")},
                {"timezone", "GMT"},
                {"mobile_phone", nullptr},
                {"mobile_phone_verified", false},
                {"status", {{"created_date", nullptr}, {"body", nullptr}}},
                {"last_modified_date", text_of(*user, "LastModifiedDate")}});
    return json_response(200, out);
  });

  router_.add(Method::kGet, "/services/oauth2/userinfo", [this, user_of](const Request& r) {
    const Record* user = user_of(r);
    if (user == nullptr) return plain(403, "Bad_OAuth_Token");
    const std::string base = instance_url(r);
    json out = shared_user_fields(*user, base, org_.id());
    out.update({{"sub", base + "/id/" + org_.id() + "/" + user->id},
                {"preferred_username", text_of(*user, "Username")},
                {"nickname", text_of(*user, "Alias")},
                {"name", text_of(*user, "Name")},
                {"given_name", text_of(*user, "FirstName")},
                {"family_name", text_of(*user, "LastName")},
                {"zoneinfo", "GMT"},
                {"profile", base + "/" + user->id},
                {"picture", base + "/profilephoto/005/F"},
                {"address", json::object()},
                {"updated_at", text_of(*user, "LastModifiedDate")}});
    return json_response(200, out);
  });

  // Revocation takes the token in a form body (POST) or the query (GET).
  auto revoke = [this](const Request& r) {
    std::string token;
    if (r.method == Method::kPost) {
      auto form = env::QueryParams::parse(r.body);
      if (form.ok()) token = std::string(form->get("token").value_or(""));
    } else {
      token = std::string(r.query.get("token").value_or(""));
    }
    if (sessions_.erase(token) == 0) {
      return json_response(400, {{"error", "unsupported_token_type"},
                                 {"error_description", "this token type is not supported"}});
    }
    return Response::empty(200);
  };
  router_.add(Method::kPost, "/services/oauth2/revoke", revoke);
  router_.add(Method::kGet, "/services/oauth2/revoke", revoke);

  router_.add(Method::kGet, "/services/data/:version/limits/recordCount", [this](const Request& q) {
    return data_call(q, "/limits/recordCount", [this](Context& c) {
      std::vector<const ObjectDef*> objects;
      if (auto names = c.request.query.get_list("sObjects"); !names.empty()) {
        std::set<std::string> seen;
        for (const std::string& name : names) {
          const ObjectDef* o = org_.schema().object(name);
          if (o != nullptr && seen.insert(o->name).second) objects.push_back(o);
        }
      } else {
        objects = org_.schema().objects();
      }
      json counts = json::array();
      for (const ObjectDef* o : objects) {
        int64_t n = 0;
        for (const auto& [id, r] : org_.records(*o)) n += r.deleted ? 0 : 1;
        // Asked for by name, an object is listed even when empty.
        if (n > 0 || c.request.query.has("sObjects"))
          counts.push_back({{"count", n}, {"name", o->name}});
      }
      return json_response(200, {{"sObjects", counts}});
    });
  });
}

}  // namespace crmsim::mocks::salesforce
