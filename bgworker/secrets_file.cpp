#include "bgworker/secrets_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "bgworker/worker_settings.hpp"
#include "core/error.hpp"

namespace txrelay::bgworker {

namespace {

struct Loaded {
  std::string path;
  struct stat st {};
  SecretValues values;
  bool valid = false;
};

[[noreturn]] void Unusable(const std::string& path, const std::string& why) {
  throw Error("F0000", "txrelay.secrets_file " + path + " " + why);
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_mode == b.st_mode && a.st_uid == b.st_uid;
}

// A secret file must be the server's alone, as PostgreSQL demands of its own key files.
void CheckFile(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) Unusable(path, "is not a regular file");
  if (st.st_uid != geteuid()) Unusable(path, "is not owned by the server's user");
  if ((st.st_mode & 077) != 0) Unusable(path, "is readable or writable by group or others (chmod 0600)");
  if (static_cast<std::size_t>(st.st_size) > kMaxSecretsFileBytes) Unusable(path, "is larger than 64 KiB");
}

const SecretValues& CurrentSecrets() {
  static Loaded loaded;
  const std::string path = settings.secrets_file ? settings.secrets_file : "";
  if (path.empty()) Unusable("(unset)", "is needed: a URL names a secret");
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) Unusable(path, "cannot be read");
  if (loaded.valid && loaded.path == path && SameFile(loaded.st, st)) return loaded.values;
  loaded.valid = false;
  CheckFile(path, st);
  std::ifstream in(path, std::ios::binary);
  if (!in) Unusable(path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  loaded.values = ParseSecretsFile(text.str());
  loaded.path = path;
  loaded.st = st;
  loaded.valid = true;
  return loaded.values;
}

}  // namespace

std::string ResolveSecretRefs(const std::string& url) {
  if (url.find("${") == std::string::npos) return url;
  return ExpandSecretRefs(url, CurrentSecrets());
}

}  // namespace txrelay::bgworker
