// Configuration parameters (GUCs) under the reserved prefix "txrelay.".
#pragma once

#include <optional>
#include <string>

namespace txrelay::pg {

enum class SettingScope {
  kRestart,  // postgresql.conf, read at server start
  kReload,   // postgresql.conf, re-read on SIGHUP (pg_reload_conf())
  kSession,  // postgresql.conf, SIGHUP, or SET by a superuser for one session (alert thresholds)
};

void DefineIntSetting(const char* name, const char* description, int* value, int default_value, int min_value,
                      int max_value, SettingScope scope, const char* unit = nullptr);
void DefineBoolSetting(const char* name, const char* description, bool* value, bool default_value,
                       SettingScope scope);
void DefineStringSetting(const char* name, const char* description, char** value, const char* default_value,
                         SettingScope scope);
// The current value of a setting as SHOW prints it (with its unit); nullopt if it is not defined.
std::optional<std::string> CurrentSetting(const std::string& name);

// After all txrelay.* settings are defined: unknown txrelay.* names become errors.
void ReserveSettingPrefix();

}  // namespace txrelay::pg
