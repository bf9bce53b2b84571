/* Tower plugin ABI: the mesh kind (ABI 1.5).
 *
 * A mesh plugin connects Tower nodes: it starts and supervises messaging
 * servers ("nodes": a cluster node, a gateway, a leaf) and opens client
 * connections to them or to servers it did not start. The reference plugin
 * is "nats" (mesh/nats), on NATS.c and nats-server.
 *
 * Like data types, a mesh plugin offers named operations ("publish",
 * "kv.put", "obj.get", "lock.try", ...) rather than one C function per
 * operation, so that adding an operation never changes the ABI and every
 * operation is reachable by name (from the C++ API, the CLI and towerd).
 * docs/mesh.md lists the operations of the nats plugin, their arguments and
 * their results.
 *
 *  - Options (of a node or a connection) are name/value text pairs, the same
 *    names as the [mesh] section of the TOML config. Unknown names are an
 *    error (TOWER_E_INVALID_ARGUMENT naming the option).
 *  - Arguments and results are tower_value (tower/sdk/datatype.h). A result
 *    of several fields is an array of alternating names and values.
 *  - Operations that deliver messages (subscribe, fetch, watch, request)
 *    hand each one to a tower_mesh_handler as a tower_mesh_msg borrowed for
 *    the duration of the callback.
 *
 * Every function is thread-safe unless noted. Functions return TOWER_OK or
 * a TOWER_E_* code and describe failures through `err` (which may be NULL).
 * Handles are owned by the host and released with the matching close call;
 * closing a connection first stops its subscriptions (their handlers are
 * not called after close returns).
 */
#ifndef TOWER_SDK_MESH_H_
#define TOWER_SDK_MESH_H_

#include "tower/sdk/abi.h"
#include "tower/sdk/datatype.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tower_mesh_node tower_mesh_node; /* a supervised server, plugin-owned */
typedef struct tower_mesh_conn tower_mesh_conn; /* a client connection, plugin-owned */
typedef struct tower_mesh_sub tower_mesh_sub;   /* a subscription or watch, plugin-owned */

/* One option: name and value as text. */
typedef struct tower_mesh_option {
  tower_slice name;
  tower_slice value;
} tower_mesh_option;

/* One message header (a name may repeat). */
typedef struct tower_mesh_header {
  tower_slice name;
  tower_slice value;
} tower_mesh_header;

/* A delivered message. Everything is borrowed for the callback only. */
typedef struct tower_mesh_msg {
  uint32_t struct_size;
  uint32_t flags; /* TOWER_MESH_MSG_* */
  tower_slice subject;
  tower_slice reply; /* empty when the sender wants no reply */
  tower_slice data;
  const tower_mesh_header* headers;
  size_t header_count;
  /* JetStream (0 / empty otherwise): the stream sequence, the consumer
   * sequence, the delivery count, the messages still pending, the stream's
   * timestamp in ns, the stream name. For a KV entry, `sequence` is the
   * revision and `subject` the key. */
  uint64_t sequence;
  uint64_t consumer_sequence;
  uint64_t delivered;
  uint64_t pending;
  int64_t timestamp_ns;
  tower_slice stream;
} tower_mesh_msg;

/* tower_mesh_msg.flags */
#define TOWER_MESH_MSG_JETSTREAM 1u /* acknowledge with the ack operations */
#define TOWER_MESH_MSG_KV_DELETE 2u /* a KV delete marker (watch) */
#define TOWER_MESH_MSG_KV_PURGE 4u  /* a KV purge marker (watch) */
#define TOWER_MESH_MSG_END 8u       /* watch: the initial values are done; no data */

/* Receives messages. on_msg returns 0 to go on, non-zero to stop (for a
 * synchronous delivery such as fetch; ignored for subscriptions). */
typedef struct tower_mesh_handler {
  void* ctx;
  int32_t (*on_msg)(void* ctx, const tower_mesh_msg* msg);
} tower_mesh_handler;

/* node_control operations */
#define TOWER_MESH_NODE_STOP 1u    /* graceful stop (SIGTERM, then SIGKILL) */
#define TOWER_MESH_NODE_KILL 2u    /* SIGKILL, no automatic restart (tests) */
#define TOWER_MESH_NODE_RESTART 3u /* start again after STOP or KILL, same ports */

typedef struct tower_mesh_api {
  uint32_t struct_size; /* sizeof(tower_mesh_api) in the plugin */
  uint32_t reserved0;
  /* Starts a node from its options and waits until it is ready (for a
   * JetStream cluster node, until a meta leader exists). */
  int32_t (*node_start)(const tower_mesh_option* options, size_t count, tower_mesh_node** out,
                        tower_sink* err);
  /* The node's facts as an array of alternating names and values (client
   * url, ports, pid, restarts, log path, ...). */
  int32_t (*node_info)(tower_mesh_node* node, tower_value_sink* out, tower_sink* err);
  int32_t (*node_control)(tower_mesh_node* node, uint32_t op, tower_sink* err);
  /* Stops the node (if running) and frees it. */
  void (*node_close)(tower_mesh_node* node);

  /* Opens a client connection. */
  int32_t (*connect)(const tower_mesh_option* options, size_t count, tower_mesh_conn** out,
                     tower_sink* err);
  /* Flushes, stops the connection's subscriptions and frees it. */
  void (*close)(tower_mesh_conn* conn);

  /* The operations this plugin offers, for listings: a NULL-terminated
   * array of names, with usage and summary lines at the same index. */
  const char* const* op_names;
  const char* const* op_usages;
  const char* const* op_summaries;

  /* Runs operation `op` (NUL-terminated). Messages it delivers (request's
   * reply, fetch, kv history, ...) go to `msgs`, which may be NULL for
   * operations that deliver none; its result goes to `out`.
   * TOWER_E_NOT_SUPPORTED when the plugin has no such operation. */
  int32_t (*call)(tower_mesh_conn* conn, const char* op, const tower_value* args, size_t count,
                  const tower_mesh_handler* msgs, tower_value_sink* out, tower_sink* err);
  /* Starts a lasting delivery (subscribe, queue_subscribe, push consumers,
   * kv watch): `handler` is called from the plugin's threads until
   * unsubscribe returns. handler->ctx must stay valid until then. */
  int32_t (*subscribe)(tower_mesh_conn* conn, const char* op, const tower_value* args, size_t count,
                       const tower_mesh_handler* handler, tower_mesh_sub** out, tower_sink* err);
  /* Stops the delivery and frees the subscription; no call to its handler
   * is running or will start once this returns. */
  void (*unsubscribe)(tower_mesh_sub* sub);
} tower_mesh_api;

#ifdef __cplusplus
}
#endif

#endif /* TOWER_SDK_MESH_H_ */
