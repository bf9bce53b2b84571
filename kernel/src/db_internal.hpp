// Db's private parts shared by db.cc and commands.cc.
#ifndef TOWER_KERNEL_DB_INTERNAL_HPP_
#define TOWER_KERNEL_DB_INTERNAL_HPP_

#include <vector>

#include "tower/db.hpp"
#include "tower/sdk/datatype.h"

namespace tower {

struct Db::DatatypeState {
  PluginPtr plugin;
  const tower_datatype_api* api = nullptr;
  std::vector<uint8_t> db_ids;  // per local type; 0 = no id yet (types_mu_)
};

struct Db::Command {
  const tower_command_def* def;
  DatatypeState* dt;
  CommandInfo info;
};

}  // namespace tower

#endif  // TOWER_KERNEL_DB_INTERNAL_HPP_
