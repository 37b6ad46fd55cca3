#include "env/digest.h"

#include <gtest/gtest.h>

namespace crmsim::env {
namespace {

TEST(DigestTest, Sha256AndHmacMatchTheirStandardVectors) {
  // FIPS 180-2, "abc".
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231, test case 1 (the MAC b0344c61...cff7, in base64).
  EXPECT_EQ(hmac_sha256_base64(std::string(20, '\x0b'), "Hi There"),
            "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=");
  // RFC 4231, test case 2: a key shorter than the block.
  EXPECT_EQ(hmac_sha256_base64("Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

}  // namespace
}  // namespace crmsim::env
