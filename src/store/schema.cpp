#include "store/schema.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

bool TablePresent(const char* qualified_name) {
  static const pg::Statement kExists("SELECT to_regclass($1) IS NOT NULL AS present", {TEXTOID});
  return kExists.Run({pg::TextParam(qualified_name)}).front().Bool("present");
}

bool FunctionPresent(const char* signature) {
  static const pg::Statement kExists("SELECT to_regprocedure($1) IS NOT NULL AS present", {TEXTOID});
  return kExists.Run({pg::TextParam(signature)}).front().Bool("present");
}

}  // namespace txrelay::store
