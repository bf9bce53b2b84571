// Db's private parts shared by db.cc and commands.cc.
#ifndef TOWER_KERNEL_DB_INTERNAL_HPP_
#define TOWER_KERNEL_DB_INTERNAL_HPP_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tower/db.hpp"
#include "tower/sdk/datatype.h"

namespace tower {

// The current UTC time as RFC 3339 to the second ("2026-11-26T06:30:00Z").
std::string NowRfc3339();

struct Db::DatatypeState {
  PluginPtr plugin;
  const tower_datatype_api* api = nullptr;
  // Per local type: its database type id, 0 = none yet. Set once under
  // Db::types_mu_, read lock-free.
  std::unique_ptr<std::atomic<uint8_t>[]> db_ids;
};

struct Db::Command {
  const tower_command_def* def;
  DatatypeState* dt;
  CommandInfo info;
};

}  // namespace tower

#endif  // TOWER_KERNEL_DB_INTERNAL_HPP_
