// The SOAP partner API: login, convertLead, getUserInfo,
// getServerTimestamp, logout, and the faults for everything else, read back
// with pugixml as a SOAP client reads them.
#include <pugixml.hpp>

#include <gtest/gtest.h>

#include "rest_fixture.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;

class SoapTest : public RestTest {
 protected:
  // An envelope as jsforce writes it: default namespaces on Header and Body.
  static std::string envelope(const std::string& session, const std::string& body) {
    std::string header;
    if (!session.empty()) header = "<SessionHeader><sessionId>" + session + "</sessionId></SessionHeader>";
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
           "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
           "<soapenv:Header xmlns=\"urn:partner.soap.sforce.com\">" +
           header +
           "</soapenv:Header><soapenv:Body xmlns=\"urn:partner.soap.sforce.com\">" + body +
           "</soapenv:Body></soapenv:Envelope>";
  }
  env::Response post(const std::string& xml, const std::string& path = "/services/Soap/u/59.0") {
    auto request = env::Request::make(Method::kPost, path).value();
    request.headers.set("Host", "127.0.0.1:9");
    request.headers.set("Content-Type", "text/xml");
    request.body = xml;
    return transport.send(request).value();
  }
  env::Response session_call(const std::string& body, const std::string& as = "") {
    return post(envelope(as.empty() ? token : as, body));
  }
  // The response parsed; fails the test when it is not XML.
  static pugi::xml_document parse(const env::Response& r) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(r.body.c_str())) << r.body;
    return doc;
  }
  static std::string at(const pugi::xml_document& doc, const char* xpath) {
    return doc.select_node(xpath).node().text().get();
  }
  std::string lead(const std::string& last) {
    auto id = org.create(org.admin_user_id(), "Lead",
                         {{"LastName", last}, {"Company", last + " Co"},
                          {"Email", last + "@x.io"}, {"LeadSource", "Web"}});
    EXPECT_TRUE(id.ok());
    return id.value();
  }
};

TEST_F(SoapTest, LoginAnswersWhatJsforceReads) {
  auto r = post(envelope("", "<login><username>admin@crmsim.example</username>"
                             "<password>admin</password></login>"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("Content-Type"), "text/xml;charset=UTF-8");
  auto doc = parse(r);
  EXPECT_EQ(at(doc, "//loginResponse/result/serverUrl").rfind(
                "http://127.0.0.1:9/services/Soap/u/59.0/", 0),
            0u);
  EXPECT_EQ(at(doc, "//result/userId"), org.admin_user_id());
  EXPECT_EQ(at(doc, "//userInfo/organizationId"), org.id());
  EXPECT_EQ(at(doc, "//userInfo/userName"), "admin@crmsim.example");
  // The session works for REST, and for SOAP at the serverUrl.
  const std::string session = at(doc, "//result/sessionId");
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", session).status, 200);
  const std::string server_url = at(doc, "//result/serverUrl");
  auto info = post(envelope(session, "<getUserInfo/>"),
                   server_url.substr(std::string("http://127.0.0.1:9").size()));
  EXPECT_EQ(info.status, 200) << info.body;
  // A serverUrl of another org is not this one.
  EXPECT_EQ(post(envelope(session, "<getUserInfo/>"), "/services/Soap/u/59.0/00D000000000001")
                .status,
            404);
}

TEST_F(SoapTest, AWrongPasswordIsALoginFault) {
  auto r = post(envelope("", "<login><username>admin@crmsim.example</username>"
                             "<password>nope</password></login>"));
  EXPECT_EQ(r.status, 500);
  auto doc = parse(r);
  EXPECT_EQ(at(doc, "//faultcode"), "sf:INVALID_LOGIN");
  EXPECT_EQ(at(doc, "//faultstring").rfind("INVALID_LOGIN: Invalid username", 0), 0u);
  EXPECT_EQ(at(doc, "//detail/sf:LoginFault/sf:exceptionCode"), "INVALID_LOGIN");
  // Escaped characters arrive unescaped: "a&b" is not "a&amp;b".
  ASSERT_TRUE(org.add_user(UserSpec{"amp@x.io", "amp@x.io", "", "Amp",
                                    org.profile_by_name("Standard User")->id, "", "a&b<c", true})
                  .ok());
  r = post(envelope("", "<login><username>amp@x.io</username>"
                        "<password>a&amp;b&lt;c</password></login>"));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(SoapTest, UnknownCallsAreFaultsNamingThem) {
  auto r = session_call("<frobnicate/>");
  EXPECT_EQ(r.status, 500);
  auto doc = parse(r);
  EXPECT_EQ(at(doc, "//faultcode"), "soapenv:Client");
  EXPECT_EQ(at(doc, "//faultstring"),
            "No operation available for request {urn:partner.soap.sforce.com}frobnicate");
  // The enterprise namespace is not the partner endpoint's.
  r = post(envelope(token, "<e:login xmlns:e=\"urn:enterprise.soap.sforce.com\"/>"));
  EXPECT_EQ(at(parse(r), "//faultstring"),
            "No operation available for request {urn:enterprise.soap.sforce.com}login");
  // A partner call crmsim does not serve says so, as a fault.
  r = session_call("<query><queryString>SELECT Id FROM Lead</queryString></query>");
  EXPECT_EQ(r.status, 501);
  doc = parse(r);
  EXPECT_EQ(at(doc, "//faultcode"), "sf:NOT_EMULATED");
  EXPECT_NE(at(doc, "//faultstring").find("query is not emulated by crmsim"), std::string::npos);
}

TEST_F(SoapTest, MalformedEnvelopesAreClientFaults) {
  for (const std::string& body : {std::string("<soapenv:Envelope"), std::string("not xml"),
                                 std::string(""), std::string("<a><b></a>")}) {
    auto r = post(body);
    EXPECT_EQ(r.status, 500) << body;
    EXPECT_EQ(at(parse(r), "//faultcode"), "soapenv:Client") << body;
  }
  auto r = post("<login><username>admin@crmsim.example</username><password>admin</password></login>");
  EXPECT_EQ(at(parse(r), "//faultcode"), "soapenv:VersionMismatch");
  r = post("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
           "<soapenv:Body/></soapenv:Envelope>");
  EXPECT_EQ(at(parse(r), "//faultstring"), "Missing operation in the SOAP Body");
  // An entity the document declares is not expanded into anything.
  r = post("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" +
           envelope("", "<login><username>&e;</username><password>admin</password></login>")
               .substr(38));
  EXPECT_EQ(r.status, 500);
}

TEST_F(SoapTest, SessionCallsNeedALiveSession) {
  for (const std::string& session : {std::string(""), std::string("00Dbogus")}) {
    auto r = post(envelope(session, "<getUserInfo/>"));
    EXPECT_EQ(r.status, 500);
    auto doc = parse(r);
    EXPECT_EQ(at(doc, "//faultcode"), "sf:INVALID_SESSION_ID");
    EXPECT_EQ(at(doc, "//detail/sf:UnexpectedErrorFault/sf:exceptionCode"), "INVALID_SESSION_ID");
  }
}

TEST_F(SoapTest, UserInfoTimestampAndLogout) {
  auto doc = parse(session_call("<getUserInfo/>"));
  EXPECT_EQ(at(doc, "//getUserInfoResponse/result/userId"), org.admin_user_id());
  EXPECT_EQ(at(doc, "//result/userEmail"), "admin@crmsim.example");
  EXPECT_EQ(doc.select_node("//result/roleId").node().attribute("xsi:nil").value(),
            std::string("true"));
  doc = parse(session_call("<getServerTimestamp/>"));
  EXPECT_EQ(at(doc, "//getServerTimestampResponse/result/timestamp"),
            "2024-05-20T12:00:00.000Z");
  const auto before = org.api_usage().used(clock.now());
  auto r = session_call("<logout/>");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(org.api_usage().used(clock.now()), before + 1) << "a SOAP call counts";
  EXPECT_EQ(org.api_usage().journal().entries().back().route, "/soap/logout");
  EXPECT_EQ(call(Method::kGet, v + "/limits").status, 401) << "the session ended";
}

TEST_F(SoapTest, ConvertLeadAnswersOneResultPerLead) {
  const std::string a = lead("Ann");
  const std::string b = lead("Bob");
  auto r = session_call(
      "<convertLead>"
      "<leadConverts><leadId>" + a + "</leadId><convertedStatus>Closed - Converted</convertedStatus>"
      "<doNotCreateOpportunity>false</doNotCreateOpportunity><opportunityName>Big</opportunityName>"
      "</leadConverts>"
      "<leadConverts><leadId>" + b.substr(0, 15) + "</leadId><convertedStatus>Closed - Converted"
      "</convertedStatus><doNotCreateOpportunity>true</doNotCreateOpportunity></leadConverts>"
      "<leadConverts><leadId>" + a + "</leadId><convertedStatus>Closed - Converted"
      "</convertedStatus></leadConverts>"
      "<leadConverts><convertedStatus>Closed - Converted</convertedStatus></leadConverts>"
      "<leadConverts><leadId>" + a + "</leadId><convertedStatus>Closed - Converted"
      "</convertedStatus><doNotCreateOpportunity>maybe</doNotCreateOpportunity></leadConverts>"
      "</convertLead>");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse(r);
  auto results = doc.select_nodes("//convertLeadResponse/result");
  ASSERT_EQ(results.size(), 5u);
  auto field = [&](size_t i, const char* name) {
    return std::string(results[i].node().child(name).text().get());
  };
  EXPECT_EQ(field(0, "success"), "true");
  EXPECT_EQ(field(0, "leadId"), a);
  const Record* account = org.find(field(0, "accountId"));
  const Record* contact = org.find(field(0, "contactId"));
  const Record* opportunity = org.find(field(0, "opportunityId"));
  ASSERT_TRUE(account && contact && opportunity) << r.body;
  EXPECT_EQ(account->get("Name").to_text(), "Ann Co");
  EXPECT_EQ(contact->get("Email").to_text(), "Ann@x.io");
  EXPECT_EQ(contact->get("AccountId").to_text(), account->id);
  EXPECT_EQ(opportunity->get("Name").to_text(), "Big");
  EXPECT_EQ(org.find(a)->get("IsConverted"), Value(true));
  EXPECT_EQ(org.find(a)->get("ConvertedOpportunityId").to_text(), opportunity->id);

  EXPECT_EQ(field(1, "success"), "true");
  EXPECT_EQ(field(1, "leadId"), b) << "the 18-character id";
  EXPECT_EQ(results[1].node().child("opportunityId").attribute("xsi:nil").value(),
            std::string("true"));

  // Refusals carry the API's Error shape, and leave the others converted.
  EXPECT_EQ(field(2, "success"), "false");
  EXPECT_EQ(std::string(results[2].node().child("errors").child("statusCode").text().get()),
            "CANNOT_UPDATE_CONVERTED_LEAD")
      << "the lead converted by the first element";
  EXPECT_EQ(std::string(results[3].node().child("errors").child("statusCode").text().get()),
            "REQUIRED_FIELD_MISSING");
  EXPECT_EQ(std::string(results[3].node().child("errors").child("fields").text().get()), "leadId");
  EXPECT_EQ(std::string(results[4].node().child("errors").child("statusCode").text().get()),
            "INVALID_TYPE");

  // One call, counted once, journaled with the records it converted.
  EXPECT_EQ(org.api_usage().journal().entries().back().route, "/soap/convertLead");
  EXPECT_EQ(org.api_usage().journal().entries().back().records, 2);
}

TEST_F(SoapTest, ConvertLeadRefusesAnUnknownStatus) {
  const std::string a = lead("Ann");
  auto doc = parse(session_call("<convertLead><leadConverts><leadId>" + a +
                                "</leadId><convertedStatus>Won</convertedStatus>"
                                "</leadConverts></convertLead>"));
  EXPECT_EQ(at(doc, "//result/errors/statusCode"), "INVALID_STATUS");
  EXPECT_EQ(at(doc, "//result/success"), "false");
  EXPECT_EQ(org.find(a)->get("IsConverted"), Value(false));
}

TEST_F(SoapTest, ConvertLeadMergesIntoAnAccountAndItsContact) {
  const std::string account =
      org.create(org.admin_user_id(), "Account", {{"Name", "Existing"}}).value();
  const std::string contact =
      org.create(org.admin_user_id(), "Contact",
                 {{"LastName", "Held"}, {"AccountId", account}, {"LeadSource", "Phone Inquiry"}})
          .value();
  const std::string other =
      org.create(org.admin_user_id(), "Account", {{"Name", "Other"}}).value();
  const std::string a = lead("Ann");
  const std::string b = lead("Bob");
  auto convert = [&](const std::string& id, const std::string& into_account, bool overwrite) {
    return parse(session_call(
        "<convertLead><leadConverts><leadId>" + id + "</leadId><accountId>" + into_account +
        "</accountId><contactId>" + contact +
        "</contactId><convertedStatus>Closed - Converted</convertedStatus>"
        "<doNotCreateOpportunity>true</doNotCreateOpportunity><overwriteLeadSource>" +
        (overwrite ? "true" : "false") + "</overwriteLeadSource></leadConverts></convertLead>"));
  };
  auto doc = convert(a, other, false);
  EXPECT_EQ(at(doc, "//result/errors/statusCode"), "INVALID_CROSS_REFERENCE_KEY")
      << "the contact is not the other account's";
  doc = convert(a, account, false);
  ASSERT_EQ(at(doc, "//result/success"), "true");
  EXPECT_EQ(at(doc, "//result/contactId"), contact);
  const Record* merged = org.find(contact);
  EXPECT_EQ(merged->get("LastName").to_text(), "Held") << "only blank fields are filled";
  EXPECT_EQ(merged->get("Email").to_text(), "Ann@x.io");
  EXPECT_EQ(merged->get("LeadSource").to_text(), "Phone Inquiry");
  EXPECT_EQ(org.find(account)->get("Name").to_text(), "Existing");
  doc = convert(b, account, true);
  ASSERT_EQ(at(doc, "//result/success"), "true");
  EXPECT_EQ(org.find(contact)->get("LeadSource").to_text(), "Web") << "overwriteLeadSource";
  EXPECT_EQ(org.find(contact)->get("Email").to_text(), "Ann@x.io");
}

TEST_F(SoapTest, ConvertLeadHonoursSharingAndOwnership) {
  const std::string user = integration_user_seeing_hot_leads();
  const std::string rep = standard_user("rep@x.io");
  const std::string cold =
      org.create(rep, "Lead", {{"LastName", "Cold"}, {"Company", "C"}, {"Rating", "Cold"}}).value();
  const std::string mine =
      org.create(rep, "Lead", {{"LastName", "Mine"}, {"Company", "M"}}).value();
  const std::string session = api.issue_token(user);
  auto doc = parse(session_call("<convertLead><leadConverts><leadId>" + cold +
                                    "</leadId><convertedStatus>Closed - Converted"
                                    "</convertedStatus></leadConverts></convertLead>",
                                session));
  EXPECT_EQ(at(doc, "//result/success"), "false") << "the integration user cannot see it";
  EXPECT_EQ(org.find(cold)->get("IsConverted"), Value(false));
  // The rep's own lead: the records it makes belong to the lead's owner.
  doc = parse(session_call("<convertLead><leadConverts><leadId>" + mine +
                               "</leadId><convertedStatus>Closed - Converted"
                               "</convertedStatus></leadConverts></convertLead>",
                           api.issue_token(rep)));
  ASSERT_EQ(at(doc, "//result/success"), "true") << doc.first_child().name();
  EXPECT_EQ(org.find(at(doc, "//result/accountId"))->get("OwnerId").to_text(), rep);
  EXPECT_EQ(org.find(at(doc, "//result/opportunityId"))->get("OwnerId").to_text(), rep);
}

TEST_F(SoapTest, ConvertLeadTakesAtMostAHundredLeads) {
  std::string body = "<convertLead>";
  for (size_t i = 0; i <= kConvertLeadsMax; ++i) {
    body += "<leadConverts><leadId>00Q000000000001</leadId></leadConverts>";
  }
  auto r = session_call(body + "</convertLead>");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(at(parse(r), "//faultcode"), "sf:EXCEEDED_ID_LIMIT");
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
