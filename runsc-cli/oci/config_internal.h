/* Pieces of the config parser shared between config.c and config_linux.c. */
#ifndef CVISOR_OCI_CONFIG_INTERNAL_H
#define CVISOR_OCI_CONFIG_INTERNAL_H
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/jsonget.h"

bool oci_parse_linux(struct oci_ctx *cx, json_t *linux_obj, struct oci_config *c);
bool oci_parse_resources(struct oci_ctx *cx, json_t *v, const char *path,
			 struct oci_resources *r);
void oci_linux_free(struct oci_config *c);

#endif
