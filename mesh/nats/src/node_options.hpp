// Text options of the nats plugin (the [mesh] section of the TOML config and
// the option builders of tower/mesh.hpp produce them): the parsers for their
// values, and the node options turned into a NodeConfig + SupervisorOptions.
// docs/mesh.md lists every option.
#ifndef TOWER_MESH_NATS_NODE_OPTIONS_HPP_
#define TOWER_MESH_NATS_NODE_OPTIONS_HPP_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "conn.hpp"
#include "node_config.hpp"
#include "supervisor.hpp"
#include "tower/sdk/plugin.hpp"

namespace tower::mesh::nats {

// The node options (docs/mesh.md, "Node options") as a server
// configuration and supervision settings. InvalidArgument names an unknown
// option (listing the known ones) or a malformed value.
tower::sdk::Error ParseNodeOptions(const OptionMap& options, NodeConfig* config,
                                   SupervisorOptions* supervision);

}  // namespace tower::mesh::nats

#endif  // TOWER_MESH_NATS_NODE_OPTIONS_HPP_
