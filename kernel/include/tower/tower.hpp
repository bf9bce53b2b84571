// Tower's public C++ API in one include.
#ifndef TOWER_TOWER_HPP_
#define TOWER_TOWER_HPP_

#include "tower/backend.hpp"
#include "tower/db.hpp"
#include "tower/options.hpp"
#include "tower/plugin.hpp"
#include "tower/size.hpp"
#include "tower/status.hpp"

#endif  // TOWER_TOWER_HPP_
