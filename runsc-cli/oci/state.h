/* Container state store under --root (default /run/cvisor):
 *
 *   <root>/<id>/state.json   the container's state, replaced atomically
 *   <root>/<id>/lock         flock(2)ed by any command that changes the state
 *
 * Readers need no lock: state.json is only ever replaced by rename(2), so
 * they see either the old or the new file. Read-modify-write sequences hold
 * state_lock(). Creation is decided by mkdir(2) of the container directory,
 * so of two concurrent creates of one id exactly one wins.
 *
 * Functions return 0, or a negative errno with a one-line message in err
 * (-ENOENT: "container does not exist"). */
#ifndef CVISOR_OCI_STATE_H
#define CVISOR_OCI_STATE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#define STATE_ID_MAX 255

struct oci_state {
	char id[STATE_ID_MAX + 1];
	char status[16];            /* as recorded: created, running, paused, stopped */
	pid_t pid;                  /* the container's init (the sentry); 0 = none */
	unsigned long long pid_start; /* its start time (/proc/PID/stat field 22) */
	char *oci_version;
	char *bundle, *rootfs;
	char *created;              /* RFC3339Nano, UTC */
	char *owner;                /* user name (or uid) of the creator */
	json_t *annotations;        /* object, or NULL */
	json_t *extra;              /* the runtime's private object, stored as "cvisor" */
};

/* runc's rule: [A-Za-z0-9_+,.-]+, not "." or "..", at most 255 bytes. */
bool state_id_valid(const char *id);

/* Record a new container. Fills pid_start from pid, created (now) and owner
 * (the effective user) when unset. -EEXIST: "container with id exists: ID". */
int state_create(const char *root, struct oci_state *st, char *err, size_t errlen);
int state_load(const char *root, const char *id, struct oci_state *st, char *err, size_t errlen);
/* Replace state.json atomically; hold state_lock() around load+save. */
int state_save(const char *root, const struct oci_state *st, char *err, size_t errlen);
/* Remove <root>/<id> and everything in it (also a half-created one). */
int state_delete(const char *root, const char *id, char *err, size_t errlen);
/* The ids under root (sorted, those with a state.json); free with state_list_free. */
int state_list(const char *root, char ***ids, size_t *n, char *err, size_t errlen);
void state_list_free(char **ids, size_t n);

/* Take the container's lock (blocks). Returns the fd to pass to state_unlock,
 * or -ENOENT if the container is gone (also when deleted while waiting). */
int state_lock(const char *root, const char *id);
void state_unlock(int fd);

/* The status now: "stopped" once the recorded process is gone (or its pid
 * was reused: the start time differs); else the recorded status. */
const char *state_status(const struct oci_state *st);
/* The OCI state object runc prints (`state`, `list --format json`, hooks'
 * stdin): ociVersion, id, pid (0 when stopped), status, bundle, rootfs,
 * created, annotations (if any), owner. New reference. */
json_t *state_oci_json(const struct oci_state *st);
void state_free(struct oci_state *st);

/* Start time of pid in clock ticks since boot; 0 if it does not exist. */
unsigned long long state_proc_start(pid_t pid);

#endif
