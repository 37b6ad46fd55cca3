#include "env/authorization.h"

#include <gtest/gtest.h>

namespace crmsim::env {
namespace {

TEST(Authorization, TheCredentialOfAKnownSchemeCaseInsensitively) {
  EXPECT_EQ(authorization_credential("Bearer abc"), "abc");
  EXPECT_EQ(authorization_credential("bearer abc"), "abc") << "schemes are case-insensitive";
  EXPECT_EQ(authorization_credential("  BEARER \t abc  "), "abc");
  EXPECT_EQ(authorization_credential("OAuth abc"), "") << "not a scheme this route takes";
  EXPECT_EQ(authorization_credential("OAuth abc", {"Bearer", "OAuth"}), "abc");
  EXPECT_EQ(authorization_credential("Basic dXNlcjpwdw=="), "");
  EXPECT_EQ(authorization_credential("Bearer"), "") << "no credential";
  EXPECT_EQ(authorization_credential("Bearerabc"), "");
  EXPECT_EQ(authorization_credential(std::nullopt), "");
}

TEST(Authorization, SameSecretComparesWholly) {
  EXPECT_TRUE(same_secret("s3cret", "s3cret"));
  EXPECT_FALSE(same_secret("s3cret", "s3creT"));
  EXPECT_FALSE(same_secret("s3cret", "s3cre"));
  EXPECT_FALSE(same_secret("", "x"));
  EXPECT_TRUE(same_secret("", ""));
}

}  // namespace
}  // namespace crmsim::env
