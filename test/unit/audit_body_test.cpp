#include "core/rpc/audit_body.hpp"

#include "test_support.hpp"

using txrelay::rpc::AuditBody;

TEST(AuditBody, KeepsSmallJsonAndSummarisesTheRest) {
  EXPECT_EQ(AuditBody(""), "");
  EXPECT_EQ(AuditBody(R"({"error":"rate limited"})"), R"({"error":"rate limited"})");
  EXPECT_EQ(AuditBody("<html>key s3cr3t</html>"), "not kept: 23 bytes, not JSON");
  const std::string big = "[\"" + std::string(2000, 'x') + "\"]";
  EXPECT_EQ(AuditBody(big), "not kept: 2004 bytes, JSON");
  EXPECT_EQ(AuditBody(std::string(10 * 1024 * 1024, 'x')), "not kept: 10485760 bytes, not JSON");
}
