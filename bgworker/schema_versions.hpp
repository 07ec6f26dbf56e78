// The schema versions (pg_extension.extversion) this library's workers run with: the version it
// is built for, and the release before it, because a server restarted on a new library runs the
// old schema until someone runs ALTER EXTENSION txrelay UPDATE. The workers' SQL must work on
// both (test/upgrade/upgrade.sh runs the workers across the update); on any other version they
// wait and say why. test/release/check_release.sh checks that EXTVERSION is listed.
#pragma once

namespace txrelay::bgworker {

inline constexpr const char* kSchemaVersions[] = {"0.1.0", "0.2.0"};

}  // namespace txrelay::bgworker
