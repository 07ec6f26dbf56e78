// The broadcast gate of DESIGN §8 (txrelay.require_synchronous_standby): a signed attempt leaves
// for the chain only once a synchronous standby has flushed the WAL that records it. Otherwise a
// failover could promote a node that never heard of a transaction already on its way to the
// chain, and that node would give the nonce to another withdrawal - a double payment or a stuck
// sender. With synchronous replication working the commit itself already waited for the standby
// and the gate passes at once; it holds when there is no synchronous standby (Patroni's non-strict
// mode right after a promotion, a cancelled sync wait, a standby that fell away).
#pragma once

#include <string>

namespace txrelay::bgworker {

// True when the setting is off, or when a standby with sync_state 'sync' or 'quorum' has
// flushed the WAL up to now (so every attempt committed so far). Polls pg_stat_replication for
// up to txrelay.standby_wait_ms; on false `why` says what is missing.
bool AttemptsOnSynchronousStandby(std::string& why);

}  // namespace txrelay::bgworker
