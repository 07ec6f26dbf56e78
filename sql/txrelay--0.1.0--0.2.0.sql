-- txrelay 0.1.0 -> 0.2.0. Every schema change made in sql/src/ since 0.1.0 is made here too, so
-- that an updated database equals a fresh install of 0.2.0 (test/upgrade/upgrade.sh proves it).
-- None yet: 0.2.0 so far only split the install script into its source set.

\echo Use "ALTER EXTENSION txrelay UPDATE TO '0.2.0'" to load this file. \quit
