/* Tower plugin ABI: the data-type kind (ABI 1.1; find_crypto since 1.2; items
 * of collections since 1.4).
 *
 * A data-type plugin declares value types (by name, with an encoding
 * version) and commands (by name, e.g. "int.add"). The kernel assigns each
 * type a per-database id, locks the command's keys, calls the command with
 * a command context, and commits everything the command staged as one
 * atomic backend batch when it returns TOWER_OK (nothing when it fails).
 *
 * Values cross the boundary as tower_value: a tagged union whose byte
 * fields are slices valid only during the call.
 */
#ifndef TOWER_SDK_DATATYPE_H_
#define TOWER_SDK_DATATYPE_H_

#include "tower/sdk/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- values (the Go original's PrimitiveData) ---- */
#define TOWER_VALUE_NULL 0u
#define TOWER_VALUE_STRING 1u    /* bytes: UTF-8 text */
#define TOWER_VALUE_INT 2u       /* i: int64 */
#define TOWER_VALUE_FLOAT 3u     /* f: float64 */
#define TOWER_VALUE_BOOL 4u      /* i: 0 or 1 */
#define TOWER_VALUE_BINARY 5u    /* bytes */
#define TOWER_VALUE_TIMESTAMP 6u /* i: nanoseconds since the Unix epoch */
#define TOWER_VALUE_DURATION 7u  /* i: nanoseconds */
#define TOWER_VALUE_UUID 8u      /* bytes: 16 */
#define TOWER_VALUE_BIGINT 9u    /* bytes: sign (0 = +, 1 = -) then big-endian magnitude */
#define TOWER_VALUE_DECIMAL 10u  /* bytes: coefficient as BIGINT; aux: scale */
#define TOWER_VALUE_TIME 11u     /* i: seconds since the epoch (UTC); nanos; aux: zone offset, s */
#define TOWER_VALUE_ARRAY 12u    /* results only: see tower_value_sink.push */

typedef struct tower_value {
  uint32_t type; /* TOWER_VALUE_* */
  int32_t aux;   /* DECIMAL scale, TIME zone offset in seconds */
  int64_t i;
  double f;
  tower_slice bytes;
  uint32_t nanos; /* TIME: 0..999,999,999 */
  uint32_t reserved;
} tower_value;

/* A command's result. set() gives a single value; push() appends to an
 * array result (a command that pushes nothing but calls set with
 * TOWER_VALUE_ARRAY returns an empty array). The host copies the value. */
typedef struct tower_value_sink {
  void* ctx;
  void (*set)(void* ctx, const tower_value* value);
  void (*push)(void* ctx, const tower_value* value);
} tower_value_sink;

/* ---- the command context: what a command may do, offered by the host ---- */
typedef struct tower_cmd_ctx tower_cmd_ctx; /* opaque, host-owned */

/* read_value's `type` argument: any type (the found type is reported). */
#define TOWER_ANY_TYPE 0xFFFFFFFFu
/* read_value's *found_type when the value belongs to another plugin. */
#define TOWER_FOREIGN_TYPE 0xFFFFFFFEu

/* tower_cmd_api.write_value flags */
#define TOWER_WRITE_KEEP_TTL 1u /* keep the key's expiry (read-modify-write) */

/* tower_cmd_api.item_scan flags (ABI 1.4) */
#define TOWER_SCAN_REVERSE 1u /* descending subkeys */

/* Receives items from item_scan, in order; visit returns nonzero to stop.
 * The slices are valid only during the call. (ABI 1.4) */
typedef struct tower_item_visitor {
  void* ctx;
  int32_t (*visit)(void* ctx, tower_slice subkey, tower_slice value);
} tower_item_visitor;

typedef struct tower_cmd_api {
  uint32_t struct_size;
  uint32_t reserved;
  /* Reads the value of a (locked) key as this command sees it: staged
   * writes of the same command first, then the store. `type` is the index
   * of one of the plugin's own types, or TOWER_ANY_TYPE. NOT_FOUND when the
   * key is absent or expired; TYPE_MISMATCH (with a message naming the key,
   * the type found and the type wanted) when it holds another type. On
   * success *found_type is the plugin's type index (or TOWER_FOREIGN_TYPE)
   * and *encoding the value's encoding version; payload receives the bytes.
   */
  int32_t (*read_value)(tower_cmd_ctx* ctx, tower_slice key, uint32_t type, uint32_t* found_type,
                        uint32_t* encoding, tower_sink* payload, tower_sink* err);
  /* Stages key := value of the plugin's type index `type`, encoded with the
   * type's current encoding version. Without TOWER_WRITE_KEEP_TTL any
   * expiry of the key is cleared (like Redis SET). */
  int32_t (*write_value)(tower_cmd_ctx* ctx, tower_slice key, uint32_t type, tower_slice payload,
                         uint32_t flags, tower_sink* err);
  /* Stages the removal of a key of any type. */
  int32_t (*delete_value)(tower_cmd_ctx* ctx, tower_slice key, tower_sink* err);
  /* Limits a command must respect: the largest payload for big numbers. */
  uint64_t (*max_number_bytes)(tower_cmd_ctx* ctx);
  /* The current time, nanoseconds since the Unix epoch (injectable). */
  int64_t (*now_ns)(tower_cmd_ctx* ctx);
  /* Fills buf with cryptographically secure random bytes. */
  int32_t (*random_bytes)(tower_cmd_ctx* ctx, char* buf, size_t size, tower_sink* err);
  /* ---- ABI 1.2 (check with TOWER_HAS_FIELD(tower_cmd_api, struct_size, field)) ----
   * Finds the algorithm `name` of crypto family `family` (TOWER_CRYPTO_* in
   * tower/sdk/crypto.h) in the provider the kernel chose for it (a config
   * pin, else the first loaded provider that has it) and stores its
   * definition (a tower_aead_def*, tower_password_def*, tower_kdf_def* or
   * tower_hash_def*, valid while the database is open) in *def. With family
   * TOWER_CRYPTO_PASSWORD_ENCODED, `name` is a stored password hash and the
   * password definition whose prefix it carries is returned. NOT_SUPPORTED,
   * naming the algorithm and the loaded providers, when none offers it. */
  int32_t (*find_crypto)(tower_cmd_ctx* ctx, uint32_t family, tower_slice name, const void** def,
                         tower_sink* err);
  /* Like read_value, without a copy: *payload points into host memory that
   * stays valid until this command's next read_value, read_value_view,
   * write_value, write_value_reserve or delete_value call (or its end). */
  int32_t (*read_value_view)(tower_cmd_ctx* ctx, tower_slice key, uint32_t type,
                             uint32_t* found_type, uint32_t* encoding, tower_slice* payload,
                             tower_sink* err);
  /* Like write_value for a payload of `size` bytes that the command writes
   * itself, without a copy: *buffer points at the staged payload (zeroed)
   * and stays valid until this command's next read_value, read_value_view,
   * write_value, write_value_reserve or delete_value call (or its end). */
  int32_t (*write_value_reserve)(tower_cmd_ctx* ctx, tower_slice key, uint32_t type, size_t size,
                                 uint32_t flags, char** buffer, tower_sink* err);
  /* ---- ABI 1.4: items of collections ----
   * A collection (a list, a map, a set, ...) keeps its elements as items:
   * (subkey, value) pairs stored beside its key, sorted bytewise by subkey,
   * any number of them, each read and written on its own. Items belong to
   * the key's current value: they need the key to hold a value of one of
   * this plugin's types (stored, or staged by this command), else
   * NOT_FOUND. A write_value of the same type keeps them; deleting the key,
   * writing a value of another type, its expiry or item_clear drops them
   * all at once (O(1): they are removed in the background). Item writes are
   * staged and commit in the command's one atomic batch; item reads see the
   * command's own staged item writes. Commands that use items set
   * TOWER_CMD_ITEMS so that even a read-only one locks its keys and reads
   * one version of a value and its items. Subkeys are 0..65,536 bytes. */
  int32_t (*item_get)(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_sink* value,
                      tower_sink* err); /* NOT_FOUND when absent */
  int32_t (*item_put)(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey, tower_slice value,
                      tower_sink* err);
  int32_t (*item_delete)(tower_cmd_ctx* ctx, tower_slice key, tower_slice subkey,
                         tower_sink* err); /* no error when absent */
  /* Visits the items with lower <= subkey < upper (a bound whose data is
   * NULL is open) in ascending order, or descending with
   * TOWER_SCAN_REVERSE, until visit returns nonzero. */
  int32_t (*item_scan)(tower_cmd_ctx* ctx, tower_slice key, tower_slice lower, tower_slice upper,
                       uint32_t flags, const tower_item_visitor* visitor, tower_sink* err);
  /* Drops every item of the key and keeps its value. */
  int32_t (*item_clear)(tower_cmd_ctx* ctx, tower_slice key, tower_sink* err);
} tower_cmd_api;

/* ---- declarations ---- */
typedef struct tower_type_def {
  const char* name;  /* unique across plugins, e.g. "int" */
  uint32_t encoding; /* the encoding version this plugin writes, 1..255 */
  uint32_t reserved;
} tower_type_def;

/* tower_command_def.flags */
#define TOWER_CMD_READ_ONLY 1u /* takes shared locks, stages nothing */
#define TOWER_CMD_WRITE 2u
#define TOWER_CMD_ITEMS 4u /* ABI 1.4: uses item_* calls (see tower_cmd_api) */

typedef int32_t (*tower_command_fn)(void* user, const tower_cmd_api* api, tower_cmd_ctx* ctx,
                                    const tower_value* args, size_t nargs, tower_value_sink* out,
                                    tower_sink* err);

typedef struct tower_command_def {
  uint32_t struct_size;
  uint32_t flags;      /* TOWER_CMD_* */
  const char* name;    /* "type.operation", [a-z0-9_.]+ */
  const char* usage;   /* "KEY DELTA:int", for help and usage errors */
  const char* summary; /* one line */
  /* Which arguments are keys (strings or binaries), Redis-style: first,
   * last (-1 = the last argument) and step; first = -1 means none. */
  int32_t first_key, last_key, key_step;
  /* Argument counts, keys included; max_args = -1 means no limit. */
  int32_t min_args, max_args;
  tower_command_fn execute;
  void* user; /* passed back to execute */
} tower_command_def;

typedef struct tower_datatype_api {
  uint32_t struct_size;
  uint32_t reserved;
  size_t type_count;
  const tower_type_def* types;
  size_t command_count;
  const tower_command_def* commands;
} tower_datatype_api;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TOWER_SDK_DATATYPE_H_ */
