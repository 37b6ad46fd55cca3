// What the REST fuzz targets share: an input is a request, written as
//   METHOD TARGET\n
//   Header: value\n ...   (optional)
//   \n
//   BODY
// so that a corpus file is readable and a crash reproduces from it. The
// target answers it through the fake's router (LocalTransport, no socket)
// and checks what every answer must be: a status below 500 and, unless it
// is bodiless, a body in the API's error shape or a JSON/XML document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "env/http_message.h"
#include "env/router.h"

namespace crmsim::fuzz {

// The request an input describes; nullopt when its first line is no
// "METHOD TARGET".
std::optional<env::Request> request_from(const uint8_t* data, size_t size);

// Aborts unless `response` is what a fake may answer any client.
void check_answer(const env::Request& request, const env::Response& response);

// Sends `request` to `router` through a LocalTransport, with `token` as its
// bearer unless the input brought an Authorization header, and checks the
// answer. A request the transport itself refuses (a GET with a body, which
// no HTTP client sends) is skipped.
void answer_and_check(const env::Router& router, env::Request request, const std::string& token);

}  // namespace crmsim::fuzz
