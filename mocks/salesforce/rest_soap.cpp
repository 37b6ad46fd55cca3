// The SOAP partner API (/services/Soap/u/NN.N), parsed and written with
// pugixml. The Body's first element names the operation; it is dispatched
// on its namespace-qualified name, as Salesforce's SOAP stack does:
//   login               no session; the LoginResult with serverUrl and userInfo
//   convertLead         LeadConvert[] (100 per call) -> LeadConvertResult[]
//   getUserInfo         GetUserInfoResult of the session's user
//   getServerTimestamp  the fake's clock
//   logout              ends the session
// Every call but login needs a live session in the Header's
// SessionHeader/sessionId, counts once against the org's allocation and is
// journaled as "/soap/<operation>". The other operations of the partner WSDL
// answer a fault naming them as not emulated (501); anything else, the
// fault Salesforce answers: "No operation available for request {ns}name".
// Faults are HTTP 500, as the SOAP 1.1 binding says and Salesforce answers.
#include <pugixml.hpp>

#include <optional>
#include <sstream>

#include "env/assert.h"
#include "env/time.h"
#include "mocks/salesforce/rest_kit.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using env::Request;
using env::Response;

constexpr std::string_view kEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kPartnerNs = "urn:partner.soap.sforce.com";
constexpr std::string_view kFaultNs = "urn:fault.partner.soap.sforce.com";
constexpr std::string_view kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";
constexpr std::string_view kXml = "text/xml;charset=UTF-8";

// The partner WSDL's operations that crmsim does not serve.
constexpr std::string_view kNotEmulatedOperations[] = {
    "create",          "update",           "upsert",         "delete",
    "undelete",        "merge",            "query",          "queryAll",
    "queryMore",       "retrieve",         "search",         "describeGlobal",
    "describeSObject", "describeSObjects", "describeLayout", "describeTabs",
    "emptyRecycleBin", "getUpdated",       "getDeleted",     "process",
    "resetPassword",   "setPassword",      "sendEmail",      "invalidateSessions",
    "findDuplicates",  "describeDataCategoryGroups",         "describeAvailableQuickActions",
    "describeCompactLayouts", "describeFlexiPages",          "describeSearchLayouts",
    "describeSoftphoneLayout", "describeAllTabs",            "describeApprovalLayout",
    "describeGlobalTheme",     "describeTheme",              "performQuickActions",
    "describeQuickActions",    "describeSearchScopeOrder",   "describePrimaryCompactLayouts",
    "describePathAssistants",  "describeNouns",              "describeVisualForce",
    "describeAppMenu",         "describeDataCategoryMappings", "describeSObjectListViews",
    "executeListView",         "changeOwnPassword",          "sendEmailMessage",
    "getServerTimestampAsync", "renderEmailTemplate",        "renderStoredEmailTemplate",
    "impersonateUser",         "deleteByExample",            "findDuplicatesByIds",
};

constexpr std::string_view kServedOperations[] = {"login", "convertLead", "getUserInfo",
                                                  "getServerTimestamp", "logout"};

std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The namespace an element's prefix (or its default namespace) is bound to
// where it stands.
std::string_view namespace_of(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  const std::string attribute =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(name.substr(0, colon));
  for (pugi::xml_node p = n; p; p = p.parent()) {
    if (pugi::xml_attribute a = p.attribute(attribute.c_str())) return a.value();
  }
  return {};
}

// The first element child named `local` in any namespace; null when none.
pugi::xml_node child(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element && local_name(c) == local) return c;
  }
  return {};
}

std::optional<std::string> child_text(const pugi::xml_node& n, std::string_view local) {
  pugi::xml_node c = child(n, local);
  if (!c) return std::nullopt;
  return std::string(c.text().get());
}

// XML Schema's whitespace collapse at the ends, as a typed value is read.
std::string trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::optional<bool> parse_xsd_boolean(std::string_view text) {
  const std::string t = trimmed(text);
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0") return false;
  return std::nullopt;
}

// A response envelope; `body` receives the Body's content.
class Envelope {
 public:
  explicit Envelope(bool fault) {
    pugi::xml_node decl = doc_.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    pugi::xml_node env = doc_.append_child("soapenv:Envelope");
    env.append_attribute("xmlns:soapenv") = std::string(kEnvelopeNs).c_str();
    if (fault) {
      env.append_attribute("xmlns:sf") = std::string(kFaultNs).c_str();
    } else {
      env.append_attribute("xmlns") = std::string(kPartnerNs).c_str();
    }
    env.append_attribute("xmlns:xsi") = std::string(kXsiNs).c_str();
    body_ = env.append_child("soapenv:Body");
  }
  pugi::xml_node body() { return body_; }
  Response to_response(int status) const {
    std::ostringstream out;
    doc_.save(out, "", pugi::format_raw);
    return Response::with_body(status, kXml, out.str());
  }

 private:
  pugi::xml_document doc_;
  pugi::xml_node body_;
};

void add_text(pugi::xml_node parent, const char* name, std::string_view value) {
  parent.append_child(name).text().set(std::string(value).c_str());
}

// A fault as Salesforce writes it. `code` is "sf:X" for the API's own
// exception codes (with their detail element) or "soapenv:Client".
Response fault(std::string_view code, std::string_view message, std::string_view detail_type = {},
               int status = 500) {
  Envelope envelope(true);
  pugi::xml_node f = envelope.body().append_child("soapenv:Fault");
  const bool api_code = code.starts_with("sf:");
  add_text(f, "faultcode", code);
  add_text(f, "faultstring",
           api_code ? std::string(code.substr(3)) + ": " + std::string(message) : message);
  if (api_code && !detail_type.empty()) {
    pugi::xml_node detail = f.append_child("detail").append_child(
        ("sf:" + std::string(detail_type)).c_str());
    detail.append_attribute("xsi:type") = ("sf:" + std::string(detail_type)).c_str();
    add_text(detail, "sf:exceptionCode", code.substr(3));
    add_text(detail, "sf:exceptionMessage", message);
  }
  return envelope.to_response(status);
}

Response invalid_session() {
  return fault("sf:INVALID_SESSION_ID",
               "Invalid Session ID found in SessionHeader: Illegal Session",
               "UnexpectedErrorFault");
}

std::string text_of(const Record& r, std::string_view field) { return r.get(field).to_text(); }

// GetUserInfoResult, for getUserInfo and for login's userInfo.
void write_user_info(pugi::xml_node out, const Org& org, const Record& user) {
  add_text(out, "accessibilityMode", "false");
  add_text(out, "currencySymbol", "$");
  add_text(out, "orgAttachmentFileSizeLimit", "5242880");
  add_text(out, "orgDefaultCurrencyIsoCode", "USD");
  add_text(out, "orgDisallowHtmlAttachments", "false");
  add_text(out, "orgHasPersonAccounts", "false");
  add_text(out, "organizationId", org.id());
  add_text(out, "organizationMultiCurrency", "false");
  add_text(out, "organizationName", "crmsim");
  add_text(out, "profileId", text_of(user, "ProfileId"));
  const std::string role = text_of(user, "UserRoleId");
  if (role.empty()) {
    out.append_child("roleId").append_attribute("xsi:nil") = "true";
  } else {
    add_text(out, "roleId", role);
  }
  add_text(out, "sessionSecondsValid", "7200");
  add_text(out, "userDefaultCurrencyIsoCode", "USD");
  add_text(out, "userEmail", text_of(user, "Email"));
  add_text(out, "userFullName", text_of(user, "Name"));
  add_text(out, "userId", user.id);
  add_text(out, "userLanguage", "en_US");
  add_text(out, "userLocale", "en_US");
  add_text(out, "userName", text_of(user, "Username"));
  add_text(out, "userTimeZone", "GMT");
  add_text(out, "userType", "Standard");
  add_text(out, "userUiSkin", "Theme3");
}

// The Lead Status values a conversion may set: the picklist's values.
bool is_lead_status(const Org& org, std::string_view status) {
  const ObjectDef* lead = org.schema().object("Lead");
  const FieldDef* field = lead == nullptr ? nullptr : lead->field("Status");
  if (field == nullptr || field->picklist_values.empty()) return !status.empty();
  for (const auto& v : field->picklist_values) {
    if (v == status) return true;
  }
  return false;
}

}  // namespace

std::vector<SoapOperation> soap_partner_operations() {
  std::vector<SoapOperation> out;
  for (std::string_view op : kServedOperations) out.push_back({op, true});
  for (std::string_view op : kNotEmulatedOperations) out.push_back({op, false});
  return out;
}

void RestApi::install_soap_routes() {
  auto handler = [this](const Request& r) { return soap(r); };
  // jsforce posts to /services/Soap/u/NN.N; clients that follow the
  // serverUrl a login returns post to /services/Soap/u/NN.N/{orgId}.
  router_.add(Method::kPost, "/services/Soap/u/:version", handler);
  router_.add(Method::kPost, "/services/Soap/u/:version/:org", handler);
}

Response RestApi::soap(const Request& r) {
  const std::string version_text = std::string(r.params.get("version"));
  auto version = parse_version("v" + version_text);
  if (!version) return not_found();
  if (auto org = r.params.find("org")) {
    if (*org != org_.id() && *org != std::string_view(org_.id()).substr(0, 15)) return not_found();
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(r.body.data(), r.body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return fault("soapenv:Client", "Unable to parse the request: " +
                                        std::string(parsed.description()) + " at offset " +
                                        std::to_string(parsed.offset));
  }
  pugi::xml_node envelope = doc.document_element();
  if (local_name(envelope) != "Envelope" || namespace_of(envelope) != kEnvelopeNs) {
    return fault("soapenv:VersionMismatch",
                 "Wrong SOAP version or namespace: the root element must be the SOAP 1.1 Envelope");
  }
  pugi::xml_node body = child(envelope, "Body");
  pugi::xml_node call;
  for (pugi::xml_node c : body.children()) {
    if (c.type() == pugi::node_element) {
      call = c;
      break;
    }
  }
  if (!call) return fault("soapenv:Client", "Missing operation in the SOAP Body");
  const std::string_view ns = namespace_of(call);
  const std::string op(local_name(call));
  const std::string qualified = "{" + std::string(ns) + "}" + op;
  if (ns != kPartnerNs) return fault("soapenv:Client", "No operation available for request " + qualified);
  if (op == "login") return soap_login(r, call, *version);
  const bool served = std::find(std::begin(kServedOperations), std::end(kServedOperations), op) !=
                      std::end(kServedOperations);
  const bool known = std::find(std::begin(kNotEmulatedOperations),
                               std::end(kNotEmulatedOperations), op) != std::end(kNotEmulatedOperations);
  if (!served && !known) {
    return fault("soapenv:Client", "No operation available for request " + qualified);
  }

  // A session call: the SessionHeader's session, counted and journaled.
  const std::string token = child_text(child(child(envelope, "Header"), "SessionHeader"),
                                       "sessionId")
                                .value_or("");
  const Session* session = live_session(trimmed(token));
  if (session == nullptr) return invalid_session();
  const std::string user_id = session->user_id;
  const std::string route = "/soap/" + op;
  ApiUsage& usage = org_.api_usage();
  const env::Timestamp now = org_.clock().now();
  bulk_.advance(now);
  if (!usage.try_count(now)) {
    usage.record(env::JournalEntry::call(now, user_id, "POST", route, 500, 0, /*over_limit=*/true));
    return fault("sf:REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", "ApiFault");
  }
  int64_t records = 0;
  Response response = [&]() -> Response {
    if (!served) {
      return fault("sf:NOT_EMULATED",
                   "the partner SOAP call " + op +
                       " is not emulated by crmsim (docs/api-coverage.md); its REST "
                       "counterpart may be",
                   "ApiFault", 501);
    }
    Org::ChangeSet changes(org_);
    Response answer = soap_call(op, call, user_id, token, records);
    changes.commit();
    return answer;
  }();
  usage.record(env::JournalEntry::call(now, user_id, "POST", route, response.status, records));
  return response;
}

Response RestApi::soap_login(const Request& r, const pugi::xml_node& call,
                             const std::string& version) {
  const std::string invalid = "Invalid username, password, security token; or user locked out.";
  auto username = child_text(call, "username");
  auto password = child_text(call, "password");
  if (!username || !password) return fault("sf:INVALID_LOGIN", invalid, "LoginFault");
  auto user = org_.authenticate(*username, *password);
  if (!user) {
    const bool inactive = org_.inactive_login(*username, *password);
    return inactive ? fault("sf:INVALID_LOGIN", "Invalid username, password, security token; or "
                                                "user locked out. (the user is inactive)",
                            "LoginFault")
                    : fault("sf:INVALID_LOGIN", invalid, "LoginFault");
  }
  const std::string base = instance_url(r);
  const std::string token = issue_token(*user);
  const Record* u = org_.find(*user);
  const std::string org15 = org_.id().substr(0, 15);
  Envelope envelope(false);
  pugi::xml_node result = envelope.body().append_child("loginResponse").append_child("result");
  add_text(result, "metadataServerUrl", base + "/services/Soap/m/" + version + "/" + org15);
  add_text(result, "passwordExpired", "false");
  add_text(result, "sandbox", "false");
  add_text(result, "serverUrl", base + "/services/Soap/u/" + version + "/" + org15);
  add_text(result, "sessionId", token);
  add_text(result, "userId", *user);
  write_user_info(result.append_child("userInfo"), org_, *u);
  return envelope.to_response(200);
}

Response RestApi::soap_call(const std::string& op, const pugi::xml_node& call,
                            const std::string& user_id, const std::string& token,
                            int64_t& records) {
  Envelope envelope(false);
  pugi::xml_node out = envelope.body().append_child((op + "Response").c_str());
  if (op == "getUserInfo") {
    write_user_info(out.append_child("result"), org_, *org_.find(user_id));
    return envelope.to_response(200);
  }
  if (op == "getServerTimestamp") {
    // xsd:dateTime in UTC, as the SOAP API writes it ("...000Z"), which
    // is HubSpot's REST form too.
    add_text(out.append_child("result"), "timestamp",
             env::format_hubspot_datetime(org_.clock().now()));
    return envelope.to_response(200);
  }
  if (op == "logout") {
    sessions_.erase(trimmed(token));
    return envelope.to_response(200);
  }
  CRMSIM_ASSERT(op == "convertLead", "every served operation is handled");
  std::vector<pugi::xml_node> converts;
  for (pugi::xml_node c : call.children()) {
    if (c.type() == pugi::node_element && local_name(c) == "leadConverts") converts.push_back(c);
  }
  if (converts.size() > kConvertLeadsMax) {
    return fault("sf:EXCEEDED_ID_LIMIT",
                 "record limit reached. cannot submit more than " +
                     std::to_string(kConvertLeadsMax) + " records into this call",
                 "ApiFault");
  }
  // Each lead converts whole or not at all; one refused leaves the others.
  for (const pugi::xml_node& item : converts) {
    LeadConversion c;
    c.lead_id = trimmed(child_text(item, "leadId").value_or(""));
    c.account_id = trimmed(child_text(item, "accountId").value_or(""));
    c.contact_id = trimmed(child_text(item, "contactId").value_or(""));
    c.owner_id = trimmed(child_text(item, "ownerId").value_or(""));
    c.converted_status = child_text(item, "convertedStatus").value_or("");
    c.opportunity_name = child_text(item, "opportunityName").value_or("");
    std::optional<ApiError> refusal;
    auto flag = [&](std::string_view name, bool fallback) {
      auto text = child_text(item, name);
      if (!text || trimmed(*text).empty()) return fallback;
      auto value = parse_xsd_boolean(*text);
      if (!value && !refusal) {
        refusal = ApiError{400, "INVALID_TYPE", "'" + *text + "' is not a valid value for the type xsd:boolean", {std::string(name)}};
      }
      return value.value_or(fallback);
    };
    c.create_opportunity = !flag("doNotCreateOpportunity", false);
    c.overwrite_lead_source = flag("overwriteLeadSource", false);
    (void)flag("sendNotificationEmail", false);
    if (!refusal && c.lead_id.empty()) {
      refusal = ApiError{400, "REQUIRED_FIELD_MISSING", "Required field is missing: leadId", {"leadId"}};
    }
    if (!refusal && c.converted_status.empty()) {
      refusal = ApiError{400, "REQUIRED_FIELD_MISSING",
                         "Required field is missing: convertedStatus", {"convertedStatus"}};
    }
    if (!refusal && !is_lead_status(org_, c.converted_status)) {
      refusal = ApiError{400, "INVALID_STATUS", "invalid convertedStatus: " + c.converted_status,
                         {"convertedStatus"}};
    }
    if (!refusal && !c.create_opportunity && !c.opportunity_name.empty()) {
      refusal = ApiError{400, "FIELD_INTEGRITY_EXCEPTION",
                         "opportunityName must be blank when doNotCreateOpportunity is true",
                         {"opportunityName"}};
    }
    if (!refusal && c.owner_id.empty()) {
      // The new records belong to the lead's owner unless ownerId says.
      auto lead = org_.read(user_id, "Lead", c.lead_id);
      if (lead.ok()) {
        const std::string owner = text_of(*lead.value(), "OwnerId");
        const Record* owner_record = org_.find(owner);
        if (owner_record != nullptr && owner_record->object->name == "User") c.owner_id = owner;
      }
    }
    pugi::xml_node result = out.append_child("result");
    std::optional<ConversionResult> done;
    if (!refusal) {
      auto converted = org_.convert_lead(user_id, c);
      if (converted.ok()) {
        done = converted.value();
      } else {
        refusal = converted.error();
      }
    }
    auto id_or_nil = [&](const char* name, const std::string& id) {
      if (id.empty()) {
        result.append_child(name).append_attribute("xsi:nil") = "true";
      } else {
        add_text(result, name, id);
      }
    };
    id_or_nil("accountId", done ? done->account_id : "");
    id_or_nil("contactId", done ? done->contact_id : "");
    if (refusal) {
      pugi::xml_node e = result.append_child("errors");
      for (const std::string& f : refusal->fields) add_text(e, "fields", f);
      add_text(e, "message", refusal->message);
      add_text(e, "statusCode", refusal->error_code);
    }
    id_or_nil("leadId", done ? done->lead_id : c.lead_id);
    id_or_nil("opportunityId", done ? done->opportunity_id : "");
    add_text(result, "success", done ? "true" : "false");
    if (done) ++records;
  }
  return envelope.to_response(200);
}

}  // namespace crmsim::mocks::salesforce
