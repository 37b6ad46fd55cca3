// Digests and signatures, through OpenSSL's libcrypto: what a served
// HubSpot portal needs to sign its webhook requests as HubSpot does.
#pragma once

#include <string>
#include <string_view>

namespace crmsim::env {

// SHA-256 of `data`, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, in standard base64 (with padding).
std::string hmac_sha256_base64(std::string_view key, std::string_view data);

}  // namespace crmsim::env
