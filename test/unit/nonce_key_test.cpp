#include "core/nonce_key.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include "test_support.hpp"

TEST(NonceKey, ChainSenderAndNonceJoinedByColons) {
  EXPECT_EQ(txrelay::NonceKey(31337, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", 41),
            "31337:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266:41");
  EXPECT_EQ(txrelay::NonceKey(1, "0xab", 0), "1:0xab:0");
}

// The schema stores the nonce key as a generated column of nonce_reservations: the C++ spelling
// above must be the one it generates (a change of either format fails here).
TEST(NonceKey, IsTheGeneratedColumnOfTheSchema) {
  std::ifstream file(std::string(TXRELAY_SQL_DIR) + "/src/20_withdrawals.sql");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find("nonce_key      text        NOT NULL GENERATED ALWAYS AS "
                            "(chain_id::text || ':' || from_address || ':' || nonce::text) STORED"),
            std::string::npos);
}
