/* The default config.json written by `cvisor spec` (the same content as
 * `runc spec`, with hostname "cvisor"). */
#ifndef CVISOR_OCI_SPEC_H
#define CVISOR_OCI_SPEC_H
#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#define OCI_SPEC_VERSION "1.1.0"

/* rootless: a user namespace mapping uid/gid to root, no network namespace,
 * /sys bind-mounted, no uid=/gid= mount options, no resources (runc's rules). */
json_t *oci_default_spec(bool rootless, uid_t uid, gid_t gid);
/* JSON text indented with tabs, like Go's json.MarshalIndent(v, "", "\t"). */
char *oci_spec_dump(json_t *spec);

#endif
