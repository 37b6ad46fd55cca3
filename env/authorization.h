// What a request's Authorization header carries, read one way for every
// route that takes a credential: the fakes' REST APIs (Bearer; Salesforce
// also OAuth), the principal the recorder files calls under, and the admin
// routes' token.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace crmsim::env {

// The credential of "<scheme> <credential>", the scheme one of `schemes`
// matched case-insensitively (RFC 9110 11.1), blanks around it trimmed;
// "" when the header is absent or names another scheme.
std::string authorization_credential(std::optional<std::string_view> header,
                                     std::initializer_list<std::string_view> schemes = {"Bearer"});

// Whether two secrets are equal, in a time that depends only on their
// lengths, not on where they first differ.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace crmsim::env
