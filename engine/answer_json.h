// Reading the JSON the CRMs send the engine with simdjson: their record
// answers (query pages, search pages, single records) and HubSpot's webhook
// batches. They are most of the bytes the engine reads: a 10,000-contact
// day reads 12 MB of HubSpot search pages alone, and nlohmann's parser
// spent about a tenth of the run building trees of them (about 80 MB/s).
// Smaller answers (errors, save results) stay with nlohmann, whose tree the
// rest of the engine writes requests with.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

namespace crmsim::engine {

// The largest answer read: a Salesforce query page holds at most 2,000
// records and a HubSpot page 200; this is far beyond either.
inline constexpr size_t kAnswerBytesMax = 256 << 20;

// Parses `text` (an answer or a webhook batch) with this thread's parser,
// reused from call to call. The
// element, and every view into it, is valid until the next parse on this
// thread. An error for text that is not JSON, is nested deeper than
// env::kJsonDepthMax or is longer than kAnswerBytesMax. A whole number
// beyond 64 bits reads as the double nlohmann made of it.
simdjson::simdjson_result<simdjson::dom::element> parse_crm_json(std::string_view text);

// The element as nlohmann's dump() writes it: strings quoted, numbers in
// nlohmann's shortest form, objects with their keys in order. What the
// engine kept of a value before this parser read its answers, so that
// values stay byte for byte what they were.
std::string dump_like_nlohmann(simdjson::dom::element value);

}  // namespace crmsim::engine
