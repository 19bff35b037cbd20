/* linux.namespaces paths and id mappings, checked by `create` before any
 * process starts (the sandbox joins network and user namespace paths;
 * see docs/oci.md for the other types). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/names.h"

static bool maps_zero(const struct oci_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return true;
	return false;
}

/* path must be a namespace of type nstype (CLONE_NEW*). */
static int check_ns(const char *what, const char *path, int nstype, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "linux.namespaces: %s path %s: %s", what, path, strerror(errno));
		return -1;
	}
	int t = ioctl(fd, NS_GET_NSTYPE);
	close(fd);
	if (t != nstype) {
		snprintf(err, errlen, "linux.namespaces: %s path %s: not a %s namespace", what, path, what);
		return -1;
	}
	return 0;
}

int sandbox_check_namespaces(const struct oci_config *c, char *err, size_t errlen)
{
	const struct oci_namespace *user = oci_config_namespace(c, OCI_NS_USER);
	const struct oci_namespace *net = oci_config_namespace(c, OCI_NS_NETWORK);
	bool maps = c->n_uid_mappings || c->n_gid_mappings;
	if (user && user->path && maps) {
		snprintf(err, errlen, "linux.uidMappings: not allowed with a user namespace path "
			 "(the namespace has its maps)");
		return -1;
	}
	if (maps && (!c->n_uid_mappings || !c->n_gid_mappings)) {
		snprintf(err, errlen, "linux.%s: missing (a user namespace needs both uid and gid mappings)",
			 c->n_uid_mappings ? "gidMappings" : "uidMappings");
		return -1;
	}
	if (maps && (!maps_zero(c->uid_mappings, c->n_uid_mappings) ||
		     !maps_zero(c->gid_mappings, c->n_gid_mappings))) {
		snprintf(err, errlen, "linux.%s: container id 0 must be mapped (the gofer serves "
			 "files as the container's root)",
			 maps_zero(c->uid_mappings, c->n_uid_mappings) ? "gidMappings" : "uidMappings");
		return -1;
	}
	if (user && user->path && check_ns("user", user->path, CLONE_NEWUSER, err, errlen) < 0)
		return -1;
	if (net && net->path && check_ns("network", net->path, CLONE_NEWNET, err, errlen) < 0)
		return -1;
	return 0;
}
