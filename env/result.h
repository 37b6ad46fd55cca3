// Result values for module edges: a function that can fail on bad input or a
// failed call returns Result<T> (a value or an Error) instead of throwing.
// `Status` is a Result with no value. Reading the wrong side is a bug and
// aborts.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "env/assert.h"

namespace crmsim::env {

// A failure: a short machine-readable `code` ("bad_duration", "queue_full")
// and a message for people.
struct Error {
  std::string code;
  std::string message;
};

// Wraps an error so that Result<T, E> can be built from it even when T and E
// are the same type.
template <typename E>
struct Failure {
  E error;
};

inline Failure<Error> fail(std::string code, std::string message) {
  return Failure<Error>{Error{std::move(code), std::move(message)}};
}
template <typename E>
Failure<E> fail(E error) {
  return Failure<E>{std::move(error)};
}

template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Failure<E> failure)                                         // NOLINT
      : v_(std::in_place_index<1>, std::move(failure.error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & {
    CRMSIM_ASSERT(ok(), "value() of a failed Result");
    return std::get<0>(v_);
  }
  const T& value() const& {
    CRMSIM_ASSERT(ok(), "value() of a failed Result");
    return std::get<0>(v_);
  }
  T&& value() && {
    CRMSIM_ASSERT(ok(), "value() of a failed Result");
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok().
  const E& error() const {
    CRMSIM_ASSERT(!ok(), "error() of a successful Result");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace crmsim::env
