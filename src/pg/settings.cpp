#include <string_view>

#include "pg/guard.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "utils/guc.h"  // DefineCustom*Variable
}

namespace txrelay::pg {

namespace {
GucContext ContextOf(SettingScope scope) {
  switch (scope) {
    case SettingScope::kRestart:
      return PGC_POSTMASTER;
    case SettingScope::kReload:
      return PGC_SIGHUP;
    case SettingScope::kSession:
      return PGC_SUSET;
  }
  return PGC_SIGHUP;
}
int FlagsOf(const char* unit) {
  if (unit == nullptr) return 0;
  if (std::string_view(unit) == "ms") return GUC_UNIT_MS;
  if (std::string_view(unit) == "s") return GUC_UNIT_S;
  return 0;
}
}  // namespace

void DefineIntSetting(const char* name, const char* description, int* value, int default_value, int min_value,
                      int max_value, SettingScope scope, const char* unit) {
  const GucContext context = ContextOf(scope);
  const int flags = FlagsOf(unit);
  Call([=] {
    DefineCustomIntVariable(name, description, nullptr, value, default_value, min_value, max_value, context,
                            flags, nullptr, nullptr, nullptr);
  });
}

void DefineBoolSetting(const char* name, const char* description, bool* value, bool default_value,
                       SettingScope scope) {
  const GucContext context = ContextOf(scope);
  Call([=] {
    DefineCustomBoolVariable(name, description, nullptr, value, default_value, context, 0, nullptr, nullptr,
                             nullptr);
  });
}

void DefineStringSetting(const char* name, const char* description, char** value, const char* default_value,
                         SettingScope scope) {
  const GucContext context = ContextOf(scope);
  Call([=] {
    DefineCustomStringVariable(name, description, nullptr, value, default_value, context, 0, nullptr, nullptr,
                               nullptr);
  });
}

std::optional<std::string> CurrentSetting(const std::string& name) {
  const char* n = name.c_str();
  const char* value = Call([=] { return GetConfigOptionByName(n, nullptr, true); });
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void ReserveSettingPrefix() {
  Call([] { MarkGUCPrefixReserved("txrelay"); });
}

}  // namespace txrelay::pg
